"""Factories of the facilities capability (pattern: ``smartcommune.core.wiring``); imports are lazy (cold starts).

Public: :func:`facilities_summary` (``wifi(commune_id)``, ``schools(commune_id)``, ``school_criterion``: the
operations dashboard's tiles and reporting's providers for criteria 4.3, 10.1 and 10.2) and
:func:`facilities_service` (what the routes use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.facilities.logic.common import Communes
    from smartcommune.facilities.logic.schools import SchoolService
    from smartcommune.facilities.logic.summary import FacilitiesSummaryService
    from smartcommune.facilities.logic.wifi import WifiService
    from smartcommune.facilities.storage import FacilitiesRepository


def facilities_repository(services: Services) -> FacilitiesRepository:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.core.wiring import bound_table
    from smartcommune.facilities.storage import FacilitiesRepository

    services.get(bound_table)
    return FacilitiesRepository(services.get(audit_repository))


def facilities_communes(services: Services) -> Communes:
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.facilities.logic.common import Communes

    repository = services.get(commune_repository)

    def hamlets(commune_id: str) -> dict[str, str] | None:
        commune = repository.get(commune_id)
        return None if commune is None else {h.id: h.name for h in commune.hamlets}

    return Communes(hamlets)


def wifi_service(services: Services) -> WifiService:
    from smartcommune.facilities.logic.wifi import WifiService

    return WifiService(services.get(facilities_repository), services.get(facilities_communes), services.clock)


def school_service(services: Services) -> SchoolService:
    from smartcommune.facilities.logic.schools import SchoolService

    return SchoolService(services.get(facilities_repository), services.get(facilities_communes), services.clock)


def facilities_summary(services: Services) -> FacilitiesSummaryService:
    """The dashboard's wifi and schools tiles, and criteria 4.3, 10.1 and 10.2 for reporting's scorecard."""
    from smartcommune.facilities.logic.summary import FacilitiesSummaryService

    return FacilitiesSummaryService(services.get(facilities_repository), services.get(facilities_communes))


@dataclass(frozen=True)
class FacilitiesServices:
    wifi: WifiService
    schools: SchoolService


def facilities_service(services: Services) -> FacilitiesServices:
    return FacilitiesServices(wifi=services.get(wifi_service), schools=services.get(school_service))
