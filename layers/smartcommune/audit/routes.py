"""The audit trail, read by the commune's administrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from smartcommune.audit.contracts import AuditPage, ChainReport
from smartcommune.core.api.router import router
from smartcommune.core.contracts import Contract, Role

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest

ADMINS = frozenset({Role.ADMIN})


class AuditQuery(Contract):
    before_seq: int | None = Field(default=None, ge=1, description="Return entries older than this sequence number")
    limit: int = Field(default=50, ge=1, le=200)


@router.route(
    "GET",
    "/audit",
    allow=ADMINS,
    query=AuditQuery,
    response=AuditPage,
    tags=("audit",),
    summary="The commune's audit trail, newest first",
)
def list_audit_entries(request: ApiRequest) -> AuditPage:
    from smartcommune.audit.wiring import audit_repository

    query: AuditQuery = request.query
    return request.services.get(audit_repository).page(request.caller.commune_id, query.before_seq, query.limit)


@router.route(
    "GET",
    "/audit/verify",
    allow=ADMINS,
    response=ChainReport,
    tags=("audit",),
    summary="Verify the commune's audit hash chain against its head and its external anchors",
)
def verify_audit_chain(request: ApiRequest) -> ChainReport:
    from smartcommune.audit.wiring import audit_verifier

    return request.services.get(audit_verifier).verify(request.caller.commune_id)
