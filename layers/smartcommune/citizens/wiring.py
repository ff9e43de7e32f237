"""Factories of citizen accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.citizens.logic import CitizenService
    from smartcommune.citizens.storage import CitizenRepository
    from smartcommune.core.services import Services


def citizen_repository(services: Services) -> CitizenRepository:
    """Citizen records (public: sign-in and feedback look citizens up through it)."""
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.citizens.storage import CitizenRepository
    from smartcommune.core.wiring import bound_table, pii_hasher

    services.get(bound_table)
    return CitizenRepository(services.get(pii_hasher), services.get(audit_repository))


def citizen_service(services: Services) -> CitizenService:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.citizens.logic import CitizenLimits, CitizenService
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core.wiring import pii_hasher, rate_counters

    settings = services.settings
    return CitizenService(
        clock=services.clock,
        communes=services.get(commune_repository),
        citizens=services.get(citizen_repository),
        audit=services.get(audit_repository),
        rates=services.get(rate_counters),
        hasher=services.get(pii_hasher),
        limits=CitizenLimits(
            profile_updates_per_citizen=settings.profile_max_updates_per_citizen_per_hour,
            profile_updates_per_client=settings.profile_max_updates_per_client_per_hour,
            cccd_lookups_per_staff=settings.cccd_max_lookups_per_staff_per_hour,
        ),
    )
