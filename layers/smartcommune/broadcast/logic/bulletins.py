"""Bulletins: drafting, the two-person rule, schedules, publication to every channel, and the scheduler's step.

Pure domain code: every store, the loudspeaker fan-out, speech and SMS are ports passed in (``wiring_bulletins``
builds the real ones; unit tests use in-memory fakes). ``docs/broadcast.md`` is the reader's guide.

Rules kept here:

* **Two-person rule.** An editor drafts; a *different person* holding an approving role approves. Someone who
  drafted or last edited a bulletin cannot approve it, whatever roles they hold. Nothing is fanned out to a
  speaker unless the bulletin carries an approval of its current version (any edit sends it back to draft).
* **Priorities** (``normal`` < ``priority`` < ``emergency``) order the plays that fall in the same minute and
  travel in the play command; emergencies play at once at the emergency volume, repeated as set.
* **Publication.** On approval a bulletin is published once to the portal feed, the CAP feed and SMS (a CAP
  ``Alert``); re-approval after an edit issues an ``Update``, revoking a published bulletin a ``Cancel``; both
  reference the earlier messages.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from smartcommune.audit.contracts import AuditRecord
from smartcommune.broadcast.contracts import (
    BULLETIN_ID,
    Approval,
    AudioRef,
    Bulletin,
    BulletinEdit,
    BulletinPage,
    Category,
    NewBulletin,
    Priority,
    PublicAlert,
    PublishedMessage,
    Schedule,
    ScheduledPlay,
    StatsReport,
    StatsRow,
    Target,
)
from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.errors import ConflictError, FieldProblem, ForbiddenError, InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.devices.contracts import Cluster, DeliveryBatch, DeliveryReport, Fanout

# ---------------------------------------------------------------- rules

PRIORITY_RANK: dict[Priority, int] = {"emergency": 0, "priority": 1, "normal": 2}
"""Lower plays first among items due in the same minute."""

DEFAULT_VOLUME: dict[Priority, int] = {"normal": 70, "priority": 80, "emergency": 100}

# Start the loudspeakers a little in the future so every one starts together (docs/broadcast-contract.md).
START_IN_MS: dict[Priority, int] = {"normal": 3000, "priority": 3000, "emergency": 1500}
# A command that could not be delivered within this time is never played (a stale bulletin misleads).
COMMAND_EXPIRES_S: dict[Priority, int] = {"normal": 15 * 60, "priority": 15 * 60, "emergency": 10 * 60}


@dataclass(frozen=True)
class CapCodes:
    urgency: str
    severity: str
    certainty: str


CAP_CODES: dict[Priority, CapCodes] = {
    "normal": CapCodes("Future", "Minor", "Likely"),
    "priority": CapCodes("Expected", "Moderate", "Likely"),
    "emergency": CapCodes("Immediate", "Severe", "Observed"),
}
"""Priority → CAP 1.2 urgency / severity / certainty (the table in docs/broadcast.md)."""

EDITOR_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE, Role.POLICE, Role.HEALTH})
APPROVER_ROLES: frozenset[Role] = frozenset({Role.ADMIN})
# Roles that draft only within their domain; the others draft anything.
DOMAIN_CATEGORIES: dict[Role, frozenset[str]] = {
    Role.POLICE: frozenset({"Security", "Safety", "Rescue", "Fire", "Transport"}),
    Role.HEALTH: frozenset({"Health"}),
}
GENERAL_EDITORS: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE})

PRIORITY_LABEL_VI: dict[Priority, str] = {"normal": "Thông báo", "priority": "Ưu tiên", "emergency": "KHẨN CẤP"}


def may_draft(roles: Iterable[Role], category: Category) -> bool:
    """Whether someone with ``roles`` may write a bulletin of ``category``."""
    held = set(roles)
    if held & GENERAL_EDITORS:
        return True
    return any(category in DOMAIN_CATEGORIES.get(role, frozenset()) for role in held)


def check_two_person_rule(caller: Principal, bulletin: Bulletin) -> None:
    """Refuse an approval by someone without an approving role, or by the bulletin's drafter or last editor."""
    if not caller.roles & APPROVER_ROLES:
        raise ForbiddenError(
            "Chỉ lãnh đạo UBND xã mới được duyệt bản tin.", "Only the commune leadership may approve bulletins."
        )
    if caller.subject_id in (bulletin.created_by, bulletin.edited_by):
        raise ForbiddenError(
            "Người soạn hoặc sửa bản tin không được tự duyệt; cần một người khác duyệt (nguyên tắc hai người).",
            "Whoever drafted or edited a bulletin may not approve it; another person must (two-person rule).",
        )


# ---------------------------------------------------------------- schedules


def _vn(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=VN_TZ)


def next_occurrence(schedule: Schedule, after: datetime) -> datetime | None:
    """The first play strictly after ``after`` (``None`` when the schedule has no more, or plays 'now').

    Vietnam keeps UTC+7 all year (no daylight saving), so a slot is the same UTC time every day.
    """
    if schedule.kind == "once":
        assert schedule.at is not None
        return schedule.at if schedule.at > after else None
    if schedule.kind != "recurring":
        return None
    assert schedule.start_date is not None and schedule.end_date is not None
    day = max(schedule.start_date, after.astimezone(VN_TZ).date())
    while day <= schedule.end_date:
        if not schedule.weekdays or day.isoweekday() in schedule.weekdays:
            for hhmm in schedule.times:
                moment = _vn(day, hhmm)
                if moment > after:
                    return moment
        day += timedelta(days=1)
    return None


def expand(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Every play in ``(start, end]`` (previews and tests)."""
    out: list[datetime] = []
    cursor = start
    while (moment := next_occurrence(schedule, cursor)) is not None and moment <= end:
        out.append(moment)
        cursor = moment
    return out


def minute_bucket(moment: datetime) -> str:
    """The UTC minute a play is due in, as the scheduler's index key: ``2026-11-29T06:00``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


# ---------------------------------------------------------------- targets


def target_hamlets(target: Target, clusters: list[Cluster]) -> list[str]:
    """The hamlets a target reaches (empty = the whole commune)."""
    if target.scope == "hamlets":
        return list(target.hamlets)
    if target.scope == "clusters":
        wanted = set(target.clusters)
        return sorted({c.hamlet_id for c in clusters if c.cluster_id in wanted})
    return []


def target_things(target: Target, clusters: list[Cluster]) -> list[str]:
    """The loudspeakers (IoT thing names) a target reaches."""
    if target.scope == "hamlets":
        chosen = [c for c in clusters if c.hamlet_id in set(target.hamlets)]
    elif target.scope == "clusters":
        chosen = [c for c in clusters if c.cluster_id in set(target.clusters)]
    else:
        chosen = clusters
    return sorted({thing for cluster in chosen for thing in cluster.things})


def area_description(commune: Commune, hamlets: list[str]) -> str:
    """What CAP ``areaDesc`` and the portal say: the hamlets' names, or the whole commune."""
    if not hamlets:
        return f"Toàn {commune.name.replace('Xã', 'xã')}: " + ", ".join(h.name for h in commune.hamlets)
    names = [h.name for h in commune.hamlets if h.id in set(hamlets)]
    return ", ".join(names) + f" ({commune.name})"


# ---------------------------------------------------------------- ports


class BulletinStore(Protocol):
    """Bulletins and what hangs off them (``smartcommune.broadcast.storage.bulletins.BulletinRepository``).

    ``save`` writes ``after`` conditioned on ``before`` being unchanged (its version), together with the audit
    entry and the derived items: the next scheduled play (by its minute), new CAP messages, and the public alert.
    """

    def get(self, commune_id: str, bulletin_id: str) -> Bulletin | None: ...

    def save(self, before: Bulletin | None, after: Bulletin, audit: AuditRecord) -> Bulletin: ...

    def page(self, commune_id: str, status: str | None, cursor: str | None, limit: int) -> BulletinPage: ...

    def due(self, bucket: str) -> list[ScheduledPlay]: ...

    def alerts(self, commune_id: str, hamlet: str | None, limit: int) -> list[Bulletin]: ...

    def message(self, commune_id: str, bulletin_id: str, seq: int) -> Bulletin | None:
        """The bulletin as it was when CAP message ``seq`` was issued."""

    def messages(self, commune_id: str | None, limit: int) -> list[tuple[Bulletin, PublishedMessage]]:
        """The newest CAP messages of a commune (or of every commune), newest first."""


class SpeakerDirectory(Protocol):
    """The commune's loudspeaker clusters and their things (the device registry)."""

    def clusters(self, commune_id: str) -> list[Cluster]: ...


class AudioStore(Protocol):
    """Speech synthesis and the audio files in the media bucket."""

    def synthesize(self, commune_id: str, bulletin_id: str, text: str) -> AudioRef: ...

    def url(self, key: str, expires_s: int) -> str: ...


class AlertSms(Protocol):
    """Subscribed citizens' phones by hamlet, and the SMS queue (in batches)."""

    def subscribers(self, commune_id: str, hamlets: list[str]) -> list[str]: ...

    def send_batch(self, phones: list[str], text: str, purpose: str) -> int: ...


class StatsStore(Protocol):
    """Broadcast statistics counters and the fan-outs whose reports are still to be counted."""

    def record(
        self,
        *,
        commune_id: str,
        bulletin_id: str,
        command_id: str,
        day: str,
        rows: list[tuple[str, str, str]],
        duration_s: float,
    ) -> bool: ...

    def add_pending(self, commune_id: str, bulletin_id: str, command_id: str, deadline: datetime) -> None: ...

    def pending(self, limit: int = 200) -> list[tuple[str, str, str, datetime]]: ...

    def done(self, commune_id: str, bulletin_id: str, command_id: str) -> None: ...

    def period(self, commune_id: str, period: str) -> dict[str, Any]: ...


class CommuneLookup(Protocol):
    def get(self, commune_id: str) -> Commune | None: ...


# ---------------------------------------------------------------- messages

_NOT_FOUND = ("Không tìm thấy bản tin này.", "No such bulletin.")
_STALE = (
    "Bản tin vừa được người khác thay đổi, vui lòng tải lại và thử lại.",
    "The bulletin was changed by someone else; reload and try again.",
)


def _invalid(field: str, vi: str, en: str) -> InvalidInputError:
    return InvalidInputError(
        "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu.",
        "The input is not valid; please check the fields listed.",
        details=[FieldProblem(field, vi, en)],
    )


def sms_text(commune: Commune, bulletin: Bulletin, msg_type: str) -> str:
    """The SMS citizens get: who, how urgent, the headline and what to do (kept short: SMS costs per part)."""
    label = {"Alert": PRIORITY_LABEL_VI[bulletin.priority], "Update": "CẬP NHẬT", "Cancel": "HỦY THÔNG BÁO"}[msg_type]
    text = f"[{commune.name}] {label}: {bulletin.headline}"
    if msg_type != "Cancel" and bulletin.instruction:
        text += f". {bulletin.instruction}"
    return text[:320]


@dataclass
class Fired:
    """What one scheduler step did."""

    played: list[str]
    skipped: list[str]


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
        public_base_url: str = "",
    ) -> None:
        self._stats = stats
        self._clock = clock
        self._store = store
        self._communes = communes
        self._speakers = speakers
        self._fanout = fanout
        self._audio = audio
        self._sms = sms
        self._public_base_url = public_base_url

    # ------------------------------------------------------------ helpers

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
                raise _invalid(
                    "target.hamlets",
                    f"Xóm/thôn không thuộc {commune.name}: {', '.join(unknown)}. Chọn trong: {names}.",
                    f"Not a hamlet of {commune.name}: {', '.join(unknown)}.",
                )
        if target.scope == "clusters":
            known = {c.cluster_id for c in self._speakers.clusters(commune.id)}
            unknown = [c for c in target.clusters if c not in known]
            if unknown:
                raise _invalid(
                    "target.clusters",
                    f"Cụm loa không có trong xã: {', '.join(unknown)}.",
                    f"No such loudspeaker cluster in the commune: {', '.join(unknown)}.",
                )

    def _check_schedule(self, schedule: Schedule, now: datetime) -> None:
        if schedule.kind in ("once", "recurring") and next_occurrence(schedule, now) is None:
            raise _invalid(
                "schedule", "Lịch phát đã qua; hãy chọn thời điểm trong tương lai.", "The schedule is in the past."
            )

    def _check_editor(self, caller: Principal, category: Category) -> None:
        if not may_draft(caller.roles, category):
            raise ForbiddenError(
                "Bộ phận của bạn chỉ được soạn bản tin thuộc lĩnh vực của mình (ví dụ: công an - an ninh trật tự, "
                "y tế - sức khỏe).",
                "Your department may only draft bulletins in its own field (police: security; health: health).",
            )

    @staticmethod
    def _record(caller: Principal | None, action: str, bulletin: Bulletin, before: Any, after: Any) -> AuditRecord:
        return AuditRecord(
            actor_id=caller.subject_id if caller else "system",
            actor_role=caller.primary_role if caller else Role.ADMIN,
            action=action,
            target=f"bulletin/{bulletin.id}",
            before=before,
            after=after,
        )

    def _with_request(self, record: AuditRecord, request_id: str | None) -> AuditRecord:
        return record.model_copy(update={"request_id": request_id})

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
        audit = self._record(caller, "bulletin.draft", bulletin, None, _audit_view(bulletin))
        return self._store.save(None, bulletin, self._with_request(audit, request_id))

    def _changeable(self, bulletin: Bulletin, version: int) -> None:
        if bulletin.version != version:
            raise ConflictError(*_STALE)
        if bulletin.status in ("revoked", "cancelled"):
            raise ConflictError("Bản tin đã bị thu hồi.", "The bulletin was revoked.")
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
        category = fields.get("category", before.category)
        self._check_editor(caller, category)
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
        if (after.headline, after.text) != (before.headline, before.text) and (
            before.audio is None or before.audio.source == "tts"
        ):
            after = after.model_copy(update={"audio": self._speech(after)})
        audit = self._record(caller, "bulletin.edit", after, _audit_view(before), _audit_view(after))
        return self._store.save(before, after, self._with_request(audit, request_id))

    def reschedule(
        self, caller: Principal, bulletin_id: str, version: int, schedule: Schedule, request_id: str | None = None
    ) -> Bulletin:
        """Move the plays; an approved bulletin goes back to draft (the new time needs approval too)."""
        before = self.get(caller, bulletin_id)
        self._changeable(before, version)
        self._check_editor(caller, before.category)
        self._check_schedule(schedule, self._clock())
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
        audit = self._record(
            caller,
            "bulletin.reschedule",
            after,
            {"schedule": before.schedule.model_dump(mode="json"), "status": before.status},
            {"schedule": schedule.model_dump(mode="json"), "status": "draft"},
        )
        return self._store.save(before, after, self._with_request(audit, request_id))

    def use_audio(self, caller: Principal, bulletin_id: str, version: int, audio: AudioRef) -> Bulletin:
        """Play recorded audio instead of synthesised speech (back to draft: the recording needs approval)."""
        before = self.get(caller, bulletin_id)
        self._changeable(before, version)
        self._check_editor(caller, before.category)
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
        audit = self._record(
            caller,
            "bulletin.audio",
            after,
            {"audio": before.audio.model_dump() if before.audio else None},
            {"audio": audio.model_dump()},
        )
        return self._store.save(before, after, audit)

    # ------------------------------------------------------------ staff: approval and revocation

    def approve(
        self, caller: Principal, bulletin_id: str, version: int, note: str | None = None, request_id: str | None = None
    ) -> Bulletin:
        """The second person approves: the bulletin is published and plays now or is scheduled.

        Publication (portal, CAP, SMS) happens once per approval; a bulletin set to play ``now`` is fanned out
        to its loudspeakers right after the approval is on record.
        """
        before = self.get(caller, bulletin_id)
        check_two_person_rule(caller, before)
        if before.version != version:
            raise ConflictError(*_STALE)
        if before.status != "draft":
            raise ConflictError("Bản tin không ở trạng thái chờ duyệt.", "The bulletin is not awaiting approval.")
        if before.audio is None:
            raise ConflictError("Bản tin chưa có âm thanh để phát.", "The bulletin has no audio to play yet.")
        now = self._clock()
        if before.schedule.kind != "now" and next_occurrence(before.schedule, now) is None:
            raise ConflictError(
                "Lịch phát đã qua; hãy đặt lại lịch trước khi duyệt.", "The schedule is past; reschedule it first."
            )
        commune = self.commune(caller.commune_id)
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
            }
        )
        audit = self._record(
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
            },
        )
        saved = self._store.save(before, after, self._with_request(audit, request_id))
        if public and before.channels.sms:
            self._notify_sms(commune, saved, messages[-1].msg_type)
        if saved.channels.speakers and saved.schedule.kind == "now":
            self._play(saved)
        return saved

    def revoke(
        self, caller: Principal, bulletin_id: str, version: int, reason: str, request_id: str | None = None
    ) -> Bulletin:
        """Withdraw a bulletin before it plays (pending plays are dropped); a published one gets a CAP Cancel."""
        before = self.get(caller, bulletin_id)
        if before.version != version:
            raise ConflictError(*_STALE)
        if before.status in ("revoked", "cancelled"):
            raise ConflictError("Bản tin đã bị thu hồi từ trước.", "The bulletin was already revoked.")
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
        audit = self._record(
            caller, "bulletin.revoke", after, {"status": before.status}, {"status": after.status, "reason": reason}
        )
        saved = self._store.save(before, after, self._with_request(audit, request_id))
        if messages and saved.channels.sms:
            self._notify_sms(self.commune(caller.commune_id), saved, "Cancel")
        return saved

    def page(self, caller: Principal, status: str | None, cursor: str | None, limit: int) -> BulletinPage:
        return self._store.page(caller.commune_id, status, cursor, limit)

    def delivery(self, caller: Principal, bulletin_id: str) -> DeliveryReport:
        """The delivery report of the bulletin's latest play (which speakers acked, played, failed, when)."""
        bulletin = self.get(caller, bulletin_id)
        return self._fanout.report(bulletin.commune_id, bulletin.id)

    # ------------------------------------------------------------ channels

    def _notify_sms(self, commune: Commune, bulletin: Bulletin, msg_type: str) -> int:
        phones = self._sms.subscribers(commune.id, bulletin.hamlets or [h.id for h in commune.hamlets])
        return self._sms.send_batch(phones, sms_text(commune, bulletin, msg_type), "alert") if phones else 0

    def _play(self, bulletin: Bulletin) -> DeliveryBatch | None:
        """Fan the bulletin out to its loudspeakers; only ever called for an approved bulletin."""
        if bulletin.status != "approved" or bulletin.approval is None or bulletin.audio is None:
            raise ConflictError("Bản tin chưa được duyệt.", "The bulletin is not approved.")  # never reached by design
        things = target_things(bulletin.target, self._speakers.clusters(bulletin.commune_id))
        if not things:
            return None
        expires_in_s = COMMAND_EXPIRES_S[bulletin.priority]
        batch = self._fanout.send(
            bulletin.commune_id,
            bulletin.id,
            things,
            self._audio.url(bulletin.audio.key, expires_in_s + 600),
            bulletin.audio.sha256,
            bulletin.priority,
            bulletin.volume,
            bulletin.repeat,
            START_IN_MS[bulletin.priority],
            expires_in_s=expires_in_s,
        )
        self._stats.add_pending(bulletin.commune_id, bulletin.id, batch.command_id, batch.expires_at)
        return batch

    # ------------------------------------------------------------ scheduler

    def fire_due(self, bucket: str) -> Fired:
        """Play every bulletin due in the minute ``bucket`` (emergencies first, then priority, then normal).

        Each play is claimed with a conditional write (the bulletin's version) before it is sent, so two
        scheduler runs never play the same slot twice; a revoked, edited or rescheduled bulletin has no slot.
        """
        fired = Fired(played=[], skipped=[])
        due = sorted(self._store.due(bucket), key=lambda p: (PRIORITY_RANK[p.priority], p.due_at, p.bulletin_id))
        for play in due:
            bulletin = self._store.get(play.commune_id, play.bulletin_id)
            if (
                bulletin is None
                or bulletin.status != "approved"
                or bulletin.approval is None
                or bulletin.next_play_at != play.due_at
            ):
                fired.skipped.append(play.bulletin_id)
                continue
            after = bulletin.model_copy(
                update={"plays": bulletin.plays + 1, "next_play_at": next_occurrence(bulletin.schedule, play.due_at)}
            )
            audit = self._record(
                None,
                "bulletin.air",
                after,
                {"plays": bulletin.plays},
                {"plays": after.plays, "due_at": play.due_at.isoformat(), "approved_by": bulletin.approval.approved_by},
            )
            try:
                saved = self._store.save(bulletin, after, audit)
            except ConflictError:
                fired.skipped.append(play.bulletin_id)  # another run claimed it, or staff changed it just now
                continue
            self._play(saved)
            fired.played.append(play.bulletin_id)
        return fired

    def collect_reports(self) -> int:
        """Count every fan-out whose delivery report is complete (or whose commands expired); returns how many."""
        now = self._clock()
        counted = 0
        for commune_id, bulletin_id, command_id, deadline in self._stats.pending():
            report = self._fanout.report(commune_id, bulletin_id, command_id)
            if not report.complete and deadline > now:
                continue
            bulletin = self._store.get(commune_id, bulletin_id)
            duration = (bulletin.audio.duration_s or 0.0) * bulletin.repeat if bulletin and bulletin.audio else 0.0
            rows = [(s.thing, s.cluster, "finished" if s.state == "finished" else "failed") for s in report.speakers]
            day = (report.start_at or now).astimezone(VN_TZ).date().isoformat()
            if self._stats.record(
                commune_id=commune_id,
                bulletin_id=bulletin_id,
                command_id=command_id,
                day=day,
                rows=rows,
                duration_s=duration,
            ):
                counted += 1
            self._stats.done(commune_id, bulletin_id, command_id)
        return counted

    def statistics(self, caller: Principal, period: str, start: date, end: date | None) -> StatsReport:
        """Programs aired, airtime per cluster, plays and failed deliveries per speaker, by day or month."""
        last = end or start
        if last < start or (last - start).days > 366:
            raise _invalid("end", "Khoảng thời gian không hợp lệ (tối đa 1 năm).", "The range is invalid (max 1 year).")
        keys: list[str] = []
        day = start
        while day <= last:
            key = day.isoformat() if period == "day" else day.isoformat()[:7]
            if key not in keys:
                keys.append(key)
            day += timedelta(days=1)
        rows = []
        for key in keys:
            counters = self._stats.period(caller.commune_id, key)
            rows.append(
                StatsRow(
                    period=key,
                    programs_aired=counters["programs"],
                    airtime_s_by_cluster=counters["clusters"],
                    failed_by_speaker=counters["failed"],
                    played_by_speaker=counters["played"],
                )
            )
        return StatsReport(period="day" if period == "day" else "month", rows=rows)

    # ------------------------------------------------------------ public

    def public_alert(self, commune: Commune, bulletin: Bulletin) -> PublicAlert:
        now = self._clock()
        first = bulletin.messages[0].sent if bulletin.messages else bulletin.created_at
        expires = first + timedelta(hours=bulletin.valid_hours)
        status = "cancelled" if bulletin.status == "cancelled" else ("active" if expires > now else "past")
        hamlets = bulletin.hamlets
        return PublicAlert(
            id=bulletin.id,
            commune_id=commune.id,
            headline=bulletin.headline,
            text=bulletin.text,
            instruction=bulletin.instruction,
            headline_en=bulletin.headline_en,
            text_en=bulletin.text_en,
            instruction_en=bulletin.instruction_en,
            category=bulletin.category,
            event=bulletin.event,
            priority=bulletin.priority,
            hamlets=hamlets,
            area=area_description(commune, hamlets),
            sender_name=bulletin.origin_name,
            sent=bulletin.messages[-1].sent if bulletin.messages else first,
            expires=expires,
            status=status,
            cap_url=f"{self._public_base_url}/cap/{commune.id}/{bulletin.id}.xml",
        )

    def alert_feed(self, commune_id: str, hamlet: str | None, limit: int) -> list[PublicAlert]:
        """Active and past alerts of a commune, newest first; with ``hamlet``, those that reach it."""
        commune = self.commune(commune_id)
        if hamlet is not None and commune.hamlet(hamlet) is None:
            raise _invalid("hamlet", f"Xóm/thôn không thuộc {commune.name}.", f"Not a hamlet of {commune.name}.")
        alerts = [self.public_alert(commune, b) for b in self._store.alerts(commune_id, hamlet, limit)]
        return [a for a in alerts if hamlet is None or not a.hamlets or hamlet in a.hamlets]


def _audit_view(bulletin: Bulletin) -> dict[str, Any]:
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


def subscription_hamlets(commune: Commune, hamlets: list[str]) -> list[str]:
    """Check a citizen's chosen hamlets belong to their commune."""
    unknown = [h for h in hamlets if commune.hamlet(h) is None]
    if unknown:
        raise _invalid(
            "hamlets",
            f"Xóm/thôn không thuộc {commune.name}: {', '.join(unknown)}.",
            f"Not a hamlet of {commune.name}: {', '.join(unknown)}.",
        )
    return hamlets
