"""The composition root of the HTTP API: which capabilities it serves, and who authenticates callers.

The shared base (``smartcommune.core``) knows no capability; this module is the one place that names them all.
A new capability adds its route modules to :data:`CAPABILITY_ROUTES` (``docs/CONTRIBUTING.md``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

from smartcommune.core.api.router import router
from smartcommune.identity.wiring import authenticate
from smartcommune.province.wiring import verify_signed_request

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Hamlet, HamletMergeRequest
    from smartcommune.communes.logic.hamlets import HamletMerger
    from smartcommune.communes.logic.merger import CommuneMerger
    from smartcommune.core.api.router import Router
    from smartcommune.core.services import Services

__all__ = [
    "CAPABILITY_ROUTES",
    "ROUTE_MODULES",
    "STORAGE_MODULES",
    "authenticate",
    "commune_merger",
    "hamlet_merger",
    "load_routes",
    "merge_policies",
    "verify_signed_request",
]

CAPABILITY_ROUTES: Final[dict[str, tuple[str, ...]]] = {
    "system": ("smartcommune.system.routes",),
    "communes": ("smartcommune.communes.routes",),
    "units": ("smartcommune.units.routes",),
    "identity": ("smartcommune.identity.routes",),
    "citizens": ("smartcommune.citizens.routes",),
    "population": ("smartcommune.population.routes",),
    "audit": ("smartcommune.audit.routes",),
    "feedback": ("smartcommune.feedback.routes.feedback", "smartcommune.feedback.routes.open311"),
    "broadcast": ("smartcommune.broadcast.routes.bulletins", "smartcommune.broadcast.routes.cap"),
    "devices": ("smartcommune.devices.routes",),
    "fees": ("smartcommune.fees.routes",),
    "telehealth": (
        "smartcommune.telehealth.routes.booking",
        "smartcommune.telehealth.routes.records",
        "smartcommune.telehealth.routes.fhir",
    ),
    "province": ("smartcommune.province.routes",),
    "operations": ("smartcommune.operations.routes",),
    "reporting": ("smartcommune.reporting.routes",),
    "water": ("smartcommune.water.routes",),
    "site": ("smartcommune.site.routes",),
    "cameras": ("smartcommune.cameras.routes",),
    "facilities": ("smartcommune.facilities.routes",),
}
"""Every capability that serves HTTP, with the modules whose import registers its routes."""

ROUTE_MODULES: Final[tuple[str, ...]] = tuple(m for modules in CAPABILITY_ROUTES.values() for m in modules)


def load_routes() -> Router:
    """Import every capability's route modules once and return the filled registry."""
    for name in ROUTE_MODULES:
        importlib.import_module(name)
    return router


STORAGE_MODULES: Final[tuple[str, ...]] = (
    "smartcommune.core.rates",
    "smartcommune.communes.storage",
    "smartcommune.communes.storage.merger",
    "smartcommune.communes.storage.orders",
    "smartcommune.identity.storage.otps",
    "smartcommune.identity.storage.sessions",
    "smartcommune.identity.storage.staff",
    "smartcommune.citizens.storage",
    "smartcommune.population.storage",
    "smartcommune.audit.storage.journal",
    "smartcommune.sms.storage",
    "smartcommune.feedback.storage.items",
    "smartcommune.feedback.storage.open311_keys",
    "smartcommune.broadcast.storage.bulletins",
    "smartcommune.broadcast.storage.stats",
    "smartcommune.broadcast.storage.subscriptions",
    "smartcommune.devices.storage.items",
    "smartcommune.fees.storage",
    "smartcommune.telehealth.storage.items",
    "smartcommune.province.storage",
    "smartcommune.reporting.storage.items",
    "smartcommune.water.storage",
    "smartcommune.site.storage",
    "smartcommune.cameras.storage.items",
    "smartcommune.facilities.storage",
)
"""Every module that declares table items: a merger must know what to do with each type they define."""


def merge_policies() -> dict[str, str]:
    """Record type (``type``) → what a commune merger does with it, from every item model's ``merge``."""
    from smartcommune.core.table import MainTable

    for name in STORAGE_MODULES:
        importlib.import_module(name)
    policies: dict[str, str] = {}
    stack: list[type[MainTable]] = [MainTable]
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        kind = MainTable.kind.get_discriminator(model)
        if kind is not None and model.merge is not None:
            policies[str(kind)] = str(model.merge)
    return policies


def commune_merger(services: Services) -> CommuneMerger:
    """Merges communes: the communes capability's run over every capability's records and the audit chains."""
    from smartcommune.audit.wiring import chain_sealer
    from smartcommune.communes.logic.merger import CommuneMerger
    from smartcommune.communes.wiring import commune_repository, merge_runs, tenant_mover

    return CommuneMerger(
        profiles=services.get(commune_repository),
        runs=services.get(merge_runs),
        records=services.get(tenant_mover),
        audit=services.get(chain_sealer),
        policies=merge_policies(),
        clock=services.clock,
    )


class _HamletAudit:
    """A hamlet merger on the commune's audit trail (what the hamlet list was, and is)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def record(self, commune_id: str, before: list[Hamlet], after: list[Hamlet], request: HamletMergeRequest) -> None:
        from smartcommune.audit.contracts import AuditRecord
        from smartcommune.audit.logic import MERGER_ACTOR
        from smartcommune.audit.wiring import audit_repository
        from smartcommune.core.contracts import Role

        self._services.get(audit_repository).commit(
            commune_id,
            AuditRecord(
                actor_id=MERGER_ACTOR,
                actor_role=Role.ADMIN,
                action="commune.hamlets_merged",
                target=f"hamlet/{request.into_id}",
                before={"hamlets": [h.model_dump(mode="json") for h in before]},
                after={
                    "hamlets": [h.model_dump(mode="json") for h in after],
                    "merged": request.old_ids,
                    "effective": request.effective.isoformat(),
                    "resolution": request.resolution,
                },
            ),
        )


def hamlet_merger(services: Services) -> HamletMerger:
    """Merges hamlets inside a commune: every capability's records that name them, and the profile."""
    from smartcommune.communes.logic.hamlets import HamletMerger
    from smartcommune.communes.wiring import commune_repository, tenant_mover

    policies = merge_policies()
    return HamletMerger(
        profiles=services.get(commune_repository),
        records=services.get(tenant_mover),
        audit=_HamletAudit(services),
        policy_of=lambda kind: policies.get(kind, "keep"),
        clock=services.clock,
    )
