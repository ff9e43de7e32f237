"""Factories of the audit trail: the journal every capability commits its changes through, and the verifier."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.audit.logic import AuditVerifier, ChainSealer
    from smartcommune.audit.storage.journal import AuditRepository
    from smartcommune.core.services import Services


def audit_repository(services: Services) -> AuditRepository:
    """The hash-chained journal (public: other capabilities commit their writes and its entry in one transaction)."""
    from smartcommune.audit.storage.journal import AuditRepository
    from smartcommune.core.wiring import bound_table

    services.get(bound_table)
    return AuditRepository(services.clock)


def audit_verifier(services: Services) -> AuditVerifier:
    from smartcommune.audit.logic import AuditVerifier
    from smartcommune.audit.storage.anchors import AnchorStore
    from smartcommune.core.aws import client

    s3 = client("s3", services.settings)
    return AuditVerifier(services.get(audit_repository), AnchorStore(s3, services.settings.audit_anchor_bucket))


def chain_sealer(services: Services) -> ChainSealer:
    """Seals merged communes' chains (the commune merger's audit port, wired by the composition root)."""
    from datetime import timedelta, timezone

    from smartcommune.audit.logic import ChainSealer

    vietnam = timezone(timedelta(hours=7))
    return ChainSealer(
        services.get(audit_repository),
        services.get(audit_verifier),
        lambda: services.clock().astimezone(vietnam).date().isoformat(),
    )
