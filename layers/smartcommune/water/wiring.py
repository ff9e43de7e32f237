"""Factories for water quality (``services.get(water_service)``); imports are lazy (cold starts).

Public services: :func:`water_summary` (the dashboard's tile) and :func:`water_warnings` (a
``core.warnings.WarningSource``). Bulletins are drafted through broadcast's ``bulletin_service`` (draft only: the
two-person rule of broadcast still decides what airs); acknowledgements are written with their audit entry through
audit's ``audit_repository``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.wiring import bound_table

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.core.services import Services
    from smartcommune.core.warnings import WarningSource
    from smartcommune.water.logic import BulletinText, WaterService, WaterSummarySource
    from smartcommune.water.storage import WaterRegistry


class _BroadcastDrafter:
    """The ``BulletinDrafter`` port on broadcast's bulletin service."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def draft(self, caller: Principal, text: BulletinText, request_id: str | None) -> tuple[str, str]:
        from smartcommune.broadcast.contracts import NewBulletin, Target
        from smartcommune.broadcast.wiring import bulletin_service

        target = Target(scope="hamlets", hamlets=[text.hamlet_id]) if text.hamlet_id else Target()
        bulletin = self._services.get(bulletin_service).draft(
            caller,
            NewBulletin(
                headline=text.headline,
                text=text.text,
                instruction=text.instruction,
                category="Health",
                event="Chất lượng nước sạch",
                priority="priority" if text.priority == "priority" else "normal",
                target=target,
            ),
            request_id,
        )
        return bulletin.id, bulletin.headline


class _Hamlets:
    def __init__(self, services: Services) -> None:
        self._services = services

    def __call__(self, commune_id: str) -> dict[str, str]:
        from smartcommune.communes.wiring import commune_repository

        commune = self._services.get(commune_repository).get(commune_id)
        return {h.id: h.name for h in commune.hamlets} if commune else {}


def water_registry(services: Services) -> WaterRegistry:
    from smartcommune.water.storage import WaterRegistry

    services.get(bound_table)
    return WaterRegistry()


def water_service(services: Services) -> WaterService:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.water.logic import WaterService
    from smartcommune.water.storage import WaterReadings, WaterWarnings

    services.get(bound_table)
    return WaterService(
        registry=services.get(water_registry),
        readings=WaterReadings(),
        warnings=WaterWarnings(services.get(audit_repository)),
        hamlets=_Hamlets(services),
        drafter=_BroadcastDrafter(services),
        clock=services.clock,
    )


def water_warnings(services: Services) -> WarningSource:
    """Water's warnings for the operations dashboard (``core.warnings.WarningSource``)."""
    return services.get(water_service)


def water_summary(services: Services) -> WaterSummarySource:
    """``.summary(commune_id) -> WaterSummary``: every sensor's latest values and status, and the counts."""
    return services.get(water_service)
