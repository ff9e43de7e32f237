"""Factories of sign-in and sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.core.services import Services
    from smartcommune.identity.logic.service import IdentityService


def identity_service(services: Services) -> IdentityService:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core.wiring import bound_table, pii_hasher, rate_counters
    from smartcommune.identity.logic.policy import IdentityPolicy
    from smartcommune.identity.logic.service import IdentityService
    from smartcommune.identity.storage import OtpRepository, SessionRepository, StaffRepository
    from smartcommune.sms.wiring import sms_gateway

    services.get(bound_table)
    return IdentityService(
        policy=IdentityPolicy.of(services.settings),
        clock=services.clock,
        pii=services.get(pii_hasher),
        communes=services.get(commune_repository),
        citizens=services.get(citizen_repository),
        staff=StaffRepository(services.get(audit_repository)),
        sessions=SessionRepository(services.get(citizen_repository)),
        otps=OtpRepository(),
        rates=services.get(rate_counters),
        sms=services.get(sms_gateway),
    )


def authenticate(services: Services, token: str) -> Principal:
    """Who ``token`` belongs to (the HTTP dispatch's authenticator, handed to it by the composition root)."""
    return services.get(identity_service).authenticate(token)
