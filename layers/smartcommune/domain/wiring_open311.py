"""Factories of the Open311 GeoReport v2 gateway (see ``domain/wiring.py`` for the style)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.api.services import Services
    from smartcommune.dal.open311 import Open311KeyRepository
    from smartcommune.domain.open311 import Open311Gateway


def open311_key_repository(services: Services) -> Open311KeyRepository:
    from smartcommune.dal.open311 import Open311KeyRepository
    from smartcommune.domain.wiring import bound_table

    services.get(bound_table)
    return Open311KeyRepository(services.clock)


def open311_gateway(services: Services) -> Open311Gateway:
    from smartcommune.dal.identity import RateCounterRepository
    from smartcommune.domain.open311 import Open311Gateway
    from smartcommune.domain.wiring import bound_table, commune_repository
    from smartcommune.domain.wiring_feedback import feedback_service

    services.get(bound_table)
    return Open311Gateway(
        feedback=services.get(feedback_service),
        keys=services.get(open311_key_repository),
        communes=services.get(commune_repository),
        rates=RateCounterRepository(),
        clock=services.clock,
    )
