"""Bulletins: the service the routes and the scheduler call — drafting here, the rest through its collaborators.

Pure domain code: every store, the loudspeaker fan-out, speech and SMS are ports passed in (``broadcast.wiring``
builds the real ones; unit tests use in-memory fakes). ``docs/broadcast.md`` is the reader's guide.

``BulletinService`` keeps the drafting desk (draft, edit, reschedule, recorded audio: rate-limited upload tickets
and the check of what was uploaded) and the look-ups every step shares, and hands the rest to one collaborator per
concern, each in its own module:

* ``approval.Approvals`` — the two-person approval that publishes a bulletin, and revocation;
* ``publication.Publication`` — SMS, the loudspeaker fan-out and the public alert;
* ``scheduling.Scheduler`` — the scheduler's step (plays due in a minute);
* ``statistics.DeliveryStatistics`` — delivery reports counted into statistics, and the statistics report.

The rules themselves are in ``rules`` (priorities, roles, the two-person rule), ``schedules`` and ``targets``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from smartcommune.broadcast.contracts import BULLETIN_ID, Bulletin
from smartcommune.broadcast.logic.approval import Approvals
from smartcommune.broadcast.logic.lifecycle import check_validity
from smartcommune.broadcast.logic.publication import Publication
from smartcommune.broadcast.logic.refusals import STALE, invalid
from smartcommune.broadcast.logic.rules import AUDIO_TICKETS_PER_HOUR, DEFAULT_VOLUME, may_draft
from smartcommune.broadcast.logic.schedules import next_occurrence
from smartcommune.broadcast.logic.scheduling import Scheduler
from smartcommune.broadcast.logic.statistics import DeliveryStatistics
from smartcommune.broadcast.logic.targets import target_hamlets
from smartcommune.broadcast.logic.trail import audit_record, audit_view, with_request
from smartcommune.core.errors import (
    ConflictError,
    FieldProblem,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import (
        AudioRef,
        AudioUploadTicket,
        BulletinEdit,
        BulletinPage,
        Category,
        NewBulletin,
        PublicAlert,
        Schedule,
        StatsReport,
        Target,
    )
    from smartcommune.broadcast.logic.ports import (
        AlertSms,
        AudioStore,
        BulletinStore,
        CommuneLookup,
        RateLimiter,
        SpeakerDirectory,
        StatsStore,
    )
    from smartcommune.broadcast.logic.scheduling import Fired
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.devices.contracts import DeliveryReport, Fanout

_NOT_FOUND = ("Không tìm thấy bản tin này.", "No such bulletin.")


class BulletinService:
    """Everything bulletins do; the routes and the scheduler call it."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        store: BulletinStore,
        communes: CommuneLookup,
        speakers: SpeakerDirectory,
        fanout: Fanout,
        audio: AudioStore,
        sms: AlertSms,
        stats: StatsStore,
        rates: RateLimiter,
        public_base_url: str = "",
    ) -> None:
        self._clock = clock
        self._rates = rates
        self._store = store
        self._communes = communes
        self._speakers = speakers
        self._fanout = fanout
        self._audio = audio
        self._publication = Publication(
            clock=clock,
            speakers=speakers,
            fanout=fanout,
            audio=audio,
            sms=sms,
            stats=stats,
            public_base_url=public_base_url,
        )
        self._approvals = Approvals(
            clock=clock, store=store, publication=self._publication, get=self.get, commune=self.commune
        )
        self._scheduler = Scheduler(store=store, publication=self._publication)
        self._statistics = DeliveryStatistics(
            clock=clock, store=store, fanout=fanout, stats=stats, lineage=self._lineage
        )

    # ------------------------------------------------------------ helpers

    def _lineage(self, commune_id: str) -> list[str]:
        """The commune and every commune merged into it (their statistics carry over)."""
        commune = self._communes.get(commune_id)
        return [commune_id, *(commune.predecessors if commune is not None else [])]

    def commune(self, commune_id: str) -> Commune:
        commune = self._communes.get(commune_id)
        if commune is None:
            raise NotFoundError("Không tìm thấy xã này trên hệ thống.", f"There is no commune '{commune_id}'.")
        return commune

    def get(self, caller: Principal, bulletin_id: str) -> Bulletin:
        """A bulletin of the caller's commune (another commune's is simply not found)."""
        bulletin = self._store.get(caller.commune_id, bulletin_id) if BULLETIN_ID.match(bulletin_id) else None
        if bulletin is None:
            raise NotFoundError(*_NOT_FOUND)
        return bulletin

    def _check_target(self, commune: Commune, target: Target) -> None:
        if target.scope == "hamlets":
            unknown = [h for h in target.hamlets if commune.hamlet(h) is None]
            if unknown:
                names = ", ".join(f"{h.id} ({h.name})" for h in commune.hamlets)
                raise invalid(
                    "target.hamlets",
                    f"Xóm/thôn không thuộc {commune.name}: {', '.join(unknown)}. Chọn trong: {names}.",
                    f"Not a hamlet of {commune.name}: {', '.join(unknown)}.",
                )
        if target.scope == "clusters":
            known = {c.cluster_id for c in self._speakers.clusters(commune.id)}
            unknown = [c for c in target.clusters if c not in known]
            if unknown:
                raise invalid(
                    "target.clusters",
                    f"Cụm loa không có trong xã: {', '.join(unknown)}.",
                    f"No such loudspeaker cluster in the commune: {', '.join(unknown)}.",
                )

    def _check_schedule(self, schedule: Schedule, now: datetime) -> None:
        if schedule.kind in ("once", "recurring") and next_occurrence(schedule, now) is None:
            raise invalid(
                "schedule", "Lịch phát đã qua; hãy chọn thời điểm trong tương lai.", "The schedule is in the past."
            )

    def _check_editor(self, caller: Principal, *categories: Category) -> None:
        """Refuse a caller whose roles do not cover every one of ``categories`` (a bulletin's field, as it is and
        as an edit would make it)."""
        if not all(may_draft(caller.roles, category) for category in categories):
            raise ForbiddenError(
                "Bộ phận của bạn chỉ được soạn bản tin thuộc lĩnh vực của mình (ví dụ: công an - an ninh trật tự, "
                "y tế - sức khỏe).",
                "Your department may only draft bulletins in its own field (police: security; health: health).",
            )

    def _speech(self, bulletin: Bulletin) -> AudioRef:
        return self._audio.synthesize(bulletin.commune_id, bulletin.id, f"{bulletin.headline}. {bulletin.text}")

    # ------------------------------------------------------------ staff: drafting

    def draft(self, caller: Principal, new: NewBulletin, request_id: str | None = None) -> Bulletin:
        """Write a draft in the caller's commune (its speech is synthesised now so it can be checked)."""
        self._check_editor(caller, new.category)
        commune = self.commune(caller.commune_id)
        self._check_target(commune, new.target)
        now = self._clock()
        self._check_schedule(new.schedule, now)
        check_validity(new.schedule, new.valid_hours, now)
        fields = new.model_dump()
        fields["volume"] = new.volume if new.volume is not None else DEFAULT_VOLUME[new.priority]
        fields["hamlets"] = target_hamlets(new.target, self._speakers.clusters(commune.id))
        bulletin = Bulletin(
            id=uuid.uuid4().hex,
            commune_id=commune.id,
            origin="commune",
            origin_name=f"UBND {commune.name.replace('Xã', 'xã')}",
            target_communes=[commune.id],
            created_by=caller.subject_id,
            created_by_name=caller.display_name,
            created_at=now,
            edited_by=caller.subject_id,
            updated_at=now,
            **fields,
        )
        bulletin = bulletin.model_copy(update={"audio": self._speech(bulletin)})
        audit = audit_record(caller, "bulletin.draft", bulletin, None, audit_view(bulletin))
        return self._store.save(None, bulletin, with_request(audit, request_id))

    def _changeable(self, bulletin: Bulletin, version: int) -> None:
        if bulletin.version != version:
            raise ConflictError(*STALE)
        if bulletin.status in ("revoked", "cancelled", "discarded"):
            raise ConflictError("Bản tin đã bị thu hồi hoặc hủy.", "The bulletin was revoked or cancelled.")
        if bulletin.status == "approved" and bulletin.next_play_at is None and bulletin.plays > 0:
            raise ConflictError(
                "Bản tin đã phát xong, không sửa được nữa; hãy soạn bản tin mới.",
                "The bulletin has already played; draft a new one.",
            )

    def edit(
        self, caller: Principal, bulletin_id: str, change: BulletinEdit, request_id: str | None = None
    ) -> Bulletin:
        """Change a bulletin before it plays; an approved one goes back to draft and needs a new approval."""
        before = self.get(caller, bulletin_id)
        self._changeable(before, change.version)
        fields = change.model_dump(exclude_unset=True, exclude={"version"})
        # Both the field the bulletin is in and the one it would move to: no department takes over another's.
        self._check_editor(caller, before.category, fields.get("category", before.category))
        if "target" in fields:
            self._check_target(self.commune(caller.commune_id), change.target or before.target)
            fields["target"] = change.target
            fields["hamlets"] = target_hamlets(
                change.target or before.target, self._speakers.clusters(caller.commune_id)
            )
        if "channels" in fields:
            fields["channels"] = change.channels
        if "priority" in fields and "volume" not in fields:
            fields["volume"] = DEFAULT_VOLUME[fields["priority"]]
        after = before.model_copy(
            update={
                **fields,
                "status": "draft",
                "approval": None,
                "edited_by": caller.subject_id,
                "updated_at": self._clock(),
                "next_play_at": None,
            }
        )
        after = Bulletin.model_validate(after.model_dump())
        check_validity(after.schedule, after.valid_hours, self._clock())
        if (after.headline, after.text) != (before.headline, before.text) and (
            before.audio is None or before.audio.source == "tts"
        ):
            after = after.model_copy(update={"audio": self._speech(after)})
        audit = audit_record(caller, "bulletin.edit", after, audit_view(before), audit_view(after))
        return self._store.save(before, after, with_request(audit, request_id))

    def reschedule(
        self, caller: Principal, bulletin_id: str, version: int, schedule: Schedule, request_id: str | None = None
    ) -> Bulletin:
        """Move the plays; an approved bulletin goes back to draft (the new time needs approval too)."""
        before = self.get(caller, bulletin_id)
        self._changeable(before, version)
        self._check_editor(caller, before.category)
        self._check_schedule(schedule, self._clock())
        check_validity(schedule, before.valid_hours, self._clock())
        after = before.model_copy(
            update={
                "schedule": schedule,
                "status": "draft",
                "approval": None,
                "edited_by": caller.subject_id,
                "updated_at": self._clock(),
                "next_play_at": None,
            }
        )
        audit = audit_record(
            caller,
            "bulletin.reschedule",
            after,
            {"schedule": before.schedule.model_dump(mode="json"), "status": before.status},
            {"schedule": schedule.model_dump(mode="json"), "status": "draft"},
        )
        return self._store.save(before, after, with_request(audit, request_id))

    def audio_ticket(self, caller: Principal, bulletin_id: str, version: int, size_bytes: int) -> AudioUploadTicket:
        """A presigned upload for a recording to play instead of synthesised speech (rate-limited per person)."""
        bulletin = self.get(caller, bulletin_id)
        self._changeable(bulletin, version)
        self._check_editor(caller, bulletin.category)
        wait = self._rates.hit(f"audio-upload#{caller.subject_id}", AUDIO_TICKETS_PER_HOUR, 3600, self._clock())
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            raise RateLimitedError(
                f"Bạn đã xin tải lên quá nhiều bản ghi âm. Vui lòng thử lại sau {minutes} phút.",
                f"Too many recording uploads were requested. Please try again in {minutes} minutes.",
                retry_after_s=wait,
            )
        return self._audio.upload_ticket(bulletin.commune_id, bulletin.id, uuid.uuid4().hex, size_bytes)

    def use_recording(
        self, caller: Principal, bulletin_id: str, version: int, key: str, request_id: str | None = None
    ) -> Bulletin:
        """Play the uploaded recording ``key`` instead of synthesised speech, once it is checked to be MP3."""
        before = self.get(caller, bulletin_id)
        self._changeable(before, version)
        self._check_editor(caller, before.category)
        try:
            audio = self._audio.adopt(before.commune_id, before.id, key)
        except ValueError as exc:
            raise InvalidInputError(
                "Tệp ghi âm không dùng được: cần một tệp MP3 thật, tối đa 20 MB, tải lên bằng đường dẫn vừa cấp.",
                f"The recording cannot be used: {exc}.",
                details=[FieldProblem("key", "Tệp ghi âm không hợp lệ.", "Invalid recording.")],
            ) from exc
        return self._use_audio(caller, before, audio, request_id)

    def _use_audio(
        self, caller: Principal, before: Bulletin, audio: AudioRef, request_id: str | None = None
    ) -> Bulletin:
        """Play recorded audio instead of synthesised speech (back to draft: the recording needs approval)."""
        after = before.model_copy(
            update={
                "audio": audio,
                "status": "draft",
                "approval": None,
                "edited_by": caller.subject_id,
                "updated_at": self._clock(),
                "next_play_at": None,
            }
        )
        audit = audit_record(
            caller,
            "bulletin.audio",
            after,
            {"audio": before.audio.model_dump() if before.audio else None},
            {"audio": audio.model_dump()},
        )
        return self._store.save(before, after, with_request(audit, request_id))

    # ------------------------------------------------------------ staff: approval and revocation

    def approve(
        self, caller: Principal, bulletin_id: str, version: int, note: str | None = None, request_id: str | None = None
    ) -> Bulletin:
        """The second person approves: the bulletin is published and plays now or is scheduled (``Approvals``)."""
        return self._approvals.approve(caller, bulletin_id, version, note, request_id)

    def revoke(
        self, caller: Principal, bulletin_id: str, version: int, reason: str, request_id: str | None = None
    ) -> Bulletin:
        """Withdraw a bulletin before it plays (pending plays are dropped); a published one gets a CAP Cancel."""
        return self._approvals.revoke(caller, bulletin_id, version, reason, request_id)

    def discard(
        self, caller: Principal, bulletin_id: str, version: int, reason: str | None, request_id: str | None = None
    ) -> Bulletin:
        """Cancel a draft nobody has approved yet (``Approvals.discard``)."""
        return self._approvals.discard(caller, bulletin_id, version, reason, request_id)

    def page(self, caller: Principal, status: str | None, cursor: str | None, limit: int) -> BulletinPage:
        return self._store.page(caller.commune_id, status, cursor, limit)

    def delivery(self, caller: Principal, bulletin_id: str) -> DeliveryReport:
        """The delivery report of the bulletin's latest play (which speakers acked, played, failed, when)."""
        bulletin = self.get(caller, bulletin_id)
        return self._fanout.report(bulletin.commune_id, bulletin.id)

    # ------------------------------------------------------------ scheduler and statistics

    def fire_due(self, bucket: str) -> Fired:
        """Play every bulletin due in the minute ``bucket``, each slot claimed once (``Scheduler.fire_due``)."""
        return self._scheduler.fire_due(bucket)

    def collect_reports(self) -> int:
        """Count every fan-out whose delivery report is complete (or whose commands expired); returns how many."""
        return self._statistics.collect_reports()

    def statistics(self, caller: Principal, period: str, start: date, end: date | None) -> StatsReport:
        """Programs aired, airtime per cluster, plays and failed deliveries per speaker, by day or month."""
        return self._statistics.statistics(caller, period, start, end)

    # ------------------------------------------------------------ public

    def public_alert(self, commune: Commune, bulletin: Bulletin) -> PublicAlert:
        """What the portal shows of a bulletin (``Publication.public_alert``)."""
        return self._publication.public_alert(commune, bulletin)

    def alert_feed(self, commune_id: str, hamlet: str | None, limit: int) -> list[PublicAlert]:
        """Active and past alerts of a commune, newest first; with ``hamlet``, those that reach it."""
        commune = self.commune(commune_id)
        if hamlet is not None and commune.hamlet(hamlet) is None:
            raise invalid("hamlet", f"Xóm/thôn không thuộc {commune.name}.", f"Not a hamlet of {commune.name}.")
        alerts = [self.public_alert(commune, b) for b in self._store.alerts(commune_id, hamlet, limit)]
        return [a for a in alerts if hamlet is None or not a.hamlets or hamlet in a.hamlets]
