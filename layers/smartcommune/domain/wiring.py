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
    from smartcommune.dal.citizens import CitizenRepository
    from smartcommune.dal.communes import CommuneRepository
    from smartcommune.domain.audit import AuditVerifier
    from smartcommune.domain.citizens import CitizenService
    from smartcommune.domain.identity import IdentityService, PiiHasher, SmsGateway


def bound_table(services: Services) -> None:
    """Bind the data layer to this deployment's table (once)."""
    from smartcommune.dal import table

    table.bind(services.settings)


def audit_repository(services: Services) -> AuditRepository:
    from smartcommune.dal.audit import AuditRepository

    services.get(bound_table)
    return AuditRepository(services.clock)


def audit_verifier(services: Services) -> AuditVerifier:
    from smartcommune.dal.anchors import AnchorStore
    from smartcommune.dal.aws import client
    from smartcommune.domain.audit import AuditVerifier

    s3 = client("s3", services.settings)
    return AuditVerifier(services.get(audit_repository), AnchorStore(s3, services.settings.audit_anchor_bucket))


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


def pii_hasher(services: Services) -> PiiHasher:
    """Keyed hashing of phone numbers and CCCD for look-up keys."""
    from smartcommune.domain.identity import PiiHasher

    return PiiHasher(services.settings.pii_hash_key)


def sms_gateway(services: Services) -> SmsGateway:
    """The SMS queue (or, without one, the local outbox file)."""
    from smartcommune.dal.sms import sms_gateway as build

    return build(services.settings)


def citizen_repository(services: Services) -> CitizenRepository:
    from smartcommune.dal.citizens import CitizenRepository

    services.get(bound_table)
    return CitizenRepository(services.get(pii_hasher), services.get(audit_repository))


def identity_service(services: Services) -> IdentityService:
    from smartcommune.dal.identity import OtpRepository, RateCounterRepository, SessionRepository, StaffRepository
    from smartcommune.domain.identity import IdentityPolicy, IdentityService

    services.get(bound_table)
    return IdentityService(
        policy=IdentityPolicy.of(services.settings),
        clock=services.clock,
        pii=services.get(pii_hasher),
        communes=services.get(commune_repository),
        citizens=services.get(citizen_repository),
        staff=StaffRepository(services.get(audit_repository)),
        sessions=SessionRepository(),
        otps=OtpRepository(),
        rates=RateCounterRepository(),
        sms=services.get(sms_gateway),
    )


def citizen_service(services: Services) -> CitizenService:
    from smartcommune.domain.citizens import CitizenService

    return CitizenService(
        clock=services.clock,
        communes=services.get(commune_repository),
        citizens=services.get(citizen_repository),
        audit=services.get(audit_repository),
    )
