"""The audit trail's contracts: what a staff action records, and the chained entry it becomes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from smartcommune.core.contracts import Role


class AuditRecord(BaseModel):
    """What a change says about itself: who (and in which role) did what to which record, before → after."""

    model_config = ConfigDict(frozen=True)

    actor_id: str
    actor_role: Role
    action: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$", description="feature.verb, e.g. citizen.lock")
    target: str = Field(description="kind/id of the record changed, e.g. citizen/0b6f…")
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    request_id: str | None = None


class AuditEntry(AuditRecord):
    """A record as stored: numbered within its commune and chained to the entry before it."""

    commune_id: str
    seq: int = Field(ge=1)
    at: datetime
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    """A page of entries, newest first, with the cursor (a sequence number) for the next page."""

    entries: list[AuditEntry]
    next_before_seq: int | None = None


class ChainReport(BaseModel):
    """The outcome of verifying one commune's chain."""

    commune_id: str
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problems: list[str] = Field(default_factory=list)
