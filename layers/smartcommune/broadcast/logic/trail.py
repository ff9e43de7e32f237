"""What bulletins write to the audit trail: the entry for each action, and the view of a bulletin's content.

Its own room because drafting, approval and the scheduler all record bulletin actions the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import Role

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Bulletin
    from smartcommune.core.principal import Principal


def audit_record(caller: Principal | None, action: str, bulletin: Bulletin, before: Any, after: Any) -> AuditRecord:
    """The audit entry for ``action`` on ``bulletin``; without a caller it is the scheduler's (``system``)."""
    return AuditRecord(
        actor_id=caller.subject_id if caller else "system",
        actor_role=caller.primary_role if caller else Role.ADMIN,
        action=action,
        target=f"bulletin/{bulletin.id}",
        before=before,
        after=after,
    )


def with_request(record: AuditRecord, request_id: str | None) -> AuditRecord:
    """The entry tagged with the API request that caused it."""
    return record.model_copy(update={"request_id": request_id})


def audit_view(bulletin: Bulletin) -> dict[str, Any]:
    """What the audit trail records about a bulletin's content (no personal data in bulletins)."""
    return {
        "headline": bulletin.headline,
        "priority": bulletin.priority,
        "category": bulletin.category,
        "target": bulletin.target.model_dump(),
        "schedule": bulletin.schedule.model_dump(mode="json"),
        "channels": bulletin.channels.model_dump(),
        "status": bulletin.status,
        "audio_sha256": bulletin.audio.sha256 if bulletin.audio else None,
    }
