"""The second person's step: approving a bulletin (which publishes it) and revoking one; and cancelling a draft.

Its own room (a collaborator of ``BulletinService``) because approval is where the two-person rule is enforced and
where a bulletin leaves the drafting desk for its channels: nothing is fanned out to a speaker unless the bulletin
carries an approval of its current version (any edit sends it back to draft). A draft that should never air is
cancelled here too (``discard``): the other way a bulletin leaves the desk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from smartcommune.broadcast.contracts import Approval, PublishedMessage
from smartcommune.broadcast.logic.lifecycle import finished_airing
from smartcommune.broadcast.logic.refusals import STALE
from smartcommune.broadcast.logic.rules import APPROVER_ROLES, check_two_person_rule, may_draft
from smartcommune.broadcast.logic.schedules import next_occurrence
from smartcommune.broadcast.logic.trail import audit_record, with_request
from smartcommune.core.errors import ConflictError, ForbiddenError

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Bulletin
    from smartcommune.broadcast.logic.ports import BulletinStore
    from smartcommune.broadcast.logic.publication import Publication
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal


class Approvals:
    """Approves and revokes bulletins; ``get`` and ``commune`` are the service's look-ups (same refusals)."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        store: BulletinStore,
        publication: Publication,
        get: Callable[[Principal, str], Bulletin],
        commune: Callable[[str], Commune],
    ) -> None:
        self._clock = clock
        self._store = store
        self._publication = publication
        self._get = get
        self._commune = commune

    def approve(
        self, caller: Principal, bulletin_id: str, version: int, note: str | None = None, request_id: str | None = None
    ) -> Bulletin:
        """The second person approves: the bulletin is published and plays now or is scheduled.

        Publication (portal, CAP, SMS) happens once per approval; a bulletin set to play ``now`` is fanned out
        to its loudspeakers right after the approval is on record.
        """
        before = self._get(caller, bulletin_id)
        check_two_person_rule(caller, before)
        if before.version != version:
            raise ConflictError(*STALE)
        if before.status != "draft":
            raise ConflictError("Bản tin không ở trạng thái chờ duyệt.", "The bulletin is not awaiting approval.")
        if before.audio is None:
            raise ConflictError("Bản tin chưa có âm thanh để phát.", "The bulletin has no audio to play yet.")
        now = self._clock()
        if before.schedule.kind != "now" and next_occurrence(before.schedule, now) is None:
            raise ConflictError(
                "Lịch phát đã qua; hãy đặt lại lịch trước khi duyệt.", "The schedule is past; reschedule it first."
            )
        commune = self._commune(caller.commune_id)
        # "Phát ngay" airs with the approval: the play is counted in the same write, as the scheduler counts its own.
        airs_now = before.channels.speakers and before.schedule.kind == "now"
        public = before.channels.portal or before.channels.cap or before.channels.sms
        messages = list(before.messages)
        if public:
            seq = len(messages) + 1
            messages.append(
                PublishedMessage(
                    seq=seq,
                    msg_type="Update" if messages else "Alert",
                    sent=now,
                    references=[m.seq for m in messages],
                )
            )
        after = before.model_copy(
            update={
                "status": "approved",
                "approval": Approval(
                    approved_by=caller.subject_id, approver_name=caller.display_name, approved_at=now, note=note
                ),
                "messages": messages,
                "updated_at": now,
                "next_play_at": next_occurrence(before.schedule, now) if before.channels.speakers else None,
                "plays": before.plays + 1 if airs_now else before.plays,
                "last_played_at": now if airs_now else before.last_played_at,
            }
        )
        audit = audit_record(
            caller,
            "bulletin.approve",
            after,
            {"status": before.status, "version": before.version},
            {
                "status": "approved",
                "drafted_by": before.created_by,
                "edited_by": before.edited_by,
                "audio_sha256": after.audio.sha256 if after.audio else None,
                "note": note,
                "plays": after.plays,
            },
        )
        saved = self._store.save(before, after, with_request(audit, request_id))
        if public and before.channels.sms:
            self._publication.notify_sms(commune, saved, messages[-1].msg_type)
        if airs_now:
            self._publication.play(saved)
        return saved

    def revoke(
        self, caller: Principal, bulletin_id: str, version: int, reason: str, request_id: str | None = None
    ) -> Bulletin:
        """Withdraw a bulletin before it plays (pending plays are dropped); a published one gets a CAP Cancel."""
        before = self._get(caller, bulletin_id)
        if before.version != version:
            raise ConflictError(*STALE)
        if before.status in ("revoked", "cancelled", "discarded"):
            raise ConflictError("Bản tin đã bị thu hồi từ trước.", "The bulletin was already revoked.")
        if finished_airing(before) and not before.messages:
            raise ConflictError(
                "Bản tin đã phát xong và không còn lịch phát nào; không còn gì để thu hồi.",
                "The bulletin has finished airing and nothing is scheduled; there is nothing to revoke.",
            )
        if not (caller.roles & APPROVER_ROLES) and not may_draft(caller.roles, before.category):
            raise ForbiddenError("Bạn không có quyền thu hồi bản tin này.", "You may not revoke this bulletin.")
        now = self._clock()
        messages = list(before.messages)
        if messages:
            messages.append(
                PublishedMessage(
                    seq=len(messages) + 1, msg_type="Cancel", sent=now, references=[m.seq for m in messages]
                )
            )
        after = before.model_copy(
            update={
                "status": "cancelled" if before.messages else "revoked",
                "messages": messages,
                "next_play_at": None,
                "revoked_reason": reason,
                "updated_at": now,
            }
        )
        audit = audit_record(
            caller, "bulletin.revoke", after, {"status": before.status}, {"status": after.status, "reason": reason}
        )
        saved = self._store.save(before, after, with_request(audit, request_id))
        if messages and saved.channels.sms:
            self._publication.notify_sms(self._commune(caller.commune_id), saved, "Cancel")
        return saved

    def discard(
        self, caller: Principal, bulletin_id: str, version: int, reason: str | None, request_id: str | None = None
    ) -> Bulletin:
        """Cancel a draft nobody has approved: it never airs nor is published (kept, marked, audited)."""
        before = self._get(caller, bulletin_id)
        if before.version != version:
            raise ConflictError(*STALE)
        if before.status != "draft":
            raise ConflictError(
                "Chỉ hủy được bản nháp chưa duyệt; bản tin đã duyệt thì dùng «Thu hồi».",
                "Only a draft not yet approved can be cancelled; revoke an approved bulletin instead.",
            )
        if not may_draft(caller.roles, before.category):
            raise ForbiddenError(
                "Bộ phận của bạn không được hủy bản nháp thuộc lĩnh vực này.",
                "Your department may not cancel a draft in this field.",
            )
        after = before.model_copy(
            update={
                "status": "discarded",
                "next_play_at": None,
                "revoked_reason": reason,
                "updated_at": self._clock(),
            }
        )
        audit = audit_record(
            caller, "bulletin.discard", after, {"status": before.status}, {"status": "discarded", "reason": reason}
        )
        return self._store.save(before, after, with_request(audit, request_id))
