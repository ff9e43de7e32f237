"""Factories that build each service from :class:`~smartcommune.api.services.Services`.

Each is passed to ``services.get(...)``, which builds it once per process. Imports are local so a route only
pays for what it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcommune.api.services import Services
    from smartcommune.dal.audit import AuditRepository
    from smartcommune.dal.communes import CommuneRepository
    from smartcommune.domain.identity import IdentityService


def bound_table(services: Services) -> None:
    """Bind the data layer to this deployment's table (once)."""
    from smartcommune.dal import table

    table.bind(services.settings)


def audit_repository(services: Services) -> AuditRepository:
    from smartcommune.dal.audit import AuditRepository

    services.get(bound_table)
    return AuditRepository(services.clock)


def commune_repository(services: Services) -> CommuneRepository:
    from smartcommune.dal.communes import CommuneRepository

    services.get(bound_table)
    return CommuneRepository()


def health_probe(services: Services) -> Callable[[], dict[str, Any]]:
    """A check that the table answers; the local stack adds its own parts on top."""
    from smartcommune.dal.table import MainTable

    services.get(bound_table)

    def probe() -> dict[str, Any]:
        MainTable._get_connection().get_item("HEALTH", "probe")  # a key lookup: cheap, and proves the table
        return {"status": "ok", "stage": services.settings.stage, "checks": {"table": "ok"}}

    return probe


def identity_service(services: Services) -> IdentityService:
    from smartcommune.domain.identity import IdentityService

    return IdentityService.build(services)
