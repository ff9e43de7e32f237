"""Factories of the population register; ``population_service`` is the public service other capabilities use."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.population.logic import PopulationService
    from smartcommune.population.storage import RegisterRepository


class _Accounts:
    def __init__(self, services: Services) -> None:
        self._services = services

    def exists(self, commune_id: str, citizen_id: str) -> bool:
        from smartcommune.citizens.wiring import citizen_repository

        try:
            return self._services.get(citizen_repository).get(commune_id, citizen_id) is not None
        except ValueError:
            return False


class _Predecessors:
    def __init__(self, services: Services) -> None:
        self._services = services

    def predecessors(self, commune_id: str) -> list[str]:
        from smartcommune.communes.wiring import commune_repository

        commune = self._services.get(commune_repository).get(commune_id)
        return list(commune.predecessors) if commune else []


def register_repository(services: Services) -> RegisterRepository:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.core.wiring import bound_table
    from smartcommune.population.storage import RegisterRepository

    services.get(bound_table)
    return RegisterRepository(services.get(audit_repository))


def population_service(services: Services) -> PopulationService:
    """The register: households, residents, and the age profile forecasts read (``age_profile``)."""
    from smartcommune.population.logic import PopulationService

    return PopulationService(
        store=services.get(register_repository),
        citizens=_Accounts(services),
        communes=_Predecessors(services),
        clock=services.clock,
    )
