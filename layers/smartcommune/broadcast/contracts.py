"""Bulletins (bản tin / thông báo): what staff draft and approve, and what citizens and CAP readers see.

A bulletin is written once and goes to every channel it is meant for: loudspeakers, the portal's alert feed, SMS
to subscribed citizens, and the public CAP 1.2 feed. ``docs/broadcast.md`` explains priorities, the two-person
rule and the CAP mapping.

Long because: every bulletin model (inputs, the stored bulletin, its views, the public alert, statistics) is read by
the routes, the pages and the CAP renderer together; split, each reader would import from several modules.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from smartcommune.core.contracts import Contract
from smartcommune.devices.contracts import Priority

__all__ = ["Priority"]

HAMLET_ID = r"^[a-z0-9-]{1,40}$"
CLUSTER_ID = r"^[a-z0-9-]{1,40}$"
BULLETIN_ID = re.compile(r"^[0-9a-f]{32}$")

Origin = Literal["commune", "district", "province"]
BulletinStatus = Literal["draft", "approved", "revoked", "cancelled", "discarded"]
# Where a bulletin is in its life, as a person reads it (``broadcast.logic.lifecycle.stage``): the stored status says
# whether it was approved; the stage also says whether it has aired and whether anything is still to play.
BulletinStage = Literal["draft", "scheduled", "published", "aired", "revoked", "cancelled", "discarded"]
# CAP 1.2 categories (section 3.2.2).
Category = Literal[
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"
]
TargetScope = Literal["commune", "hamlets", "clusters"]
ScheduleKind = Literal["now", "once", "recurring"]
AudioSource = Literal["tts", "upload"]

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Channels(Contract):
    """Where the bulletin goes; every channel is on unless turned off."""

    speakers: bool = True
    portal: bool = True
    sms: bool = True
    cap: bool = True


class Target(Contract):
    """Who hears it: the whole commune, some hamlets (xóm), or some loudspeaker clusters (cụm loa)."""

    scope: TargetScope = "commune"
    hamlets: list[str] = Field(default_factory=list, max_length=50)
    clusters: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("hamlets")
    @classmethod
    def _hamlet_ids(cls, value: list[str]) -> list[str]:
        if any(not re.match(HAMLET_ID, h) for h in value):
            raise ValueError("hamlet ids are lower-case letters, digits and '-'")
        return list(dict.fromkeys(value))

    @field_validator("clusters")
    @classmethod
    def _cluster_ids(cls, value: list[str]) -> list[str]:
        if any(not re.match(CLUSTER_ID, c) for c in value):
            raise ValueError("cluster ids are lower-case letters, digits and '-'")
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.scope == "hamlets" and not self.hamlets:
            raise ValueError("choose at least one hamlet")
        if self.scope == "clusters" and not self.clusters:
            raise ValueError("choose at least one cluster")
        if self.scope == "commune" and (self.hamlets or self.clusters):
            raise ValueError("a whole-commune target lists no hamlets or clusters")
        return self


class Schedule(Contract):
    """When it plays: ``now`` (at approval), ``once`` (at ``at``), or ``recurring`` slots in Vietnam time.

    A recurring schedule plays at each of ``times`` (``HH:MM``, Asia/Ho_Chi_Minh) on every day from
    ``start_date`` to ``end_date`` inclusive (only on ``weekdays`` when given, 1 = Monday … 7 = Sunday).
    """

    kind: ScheduleKind = "now"
    at: datetime | None = Field(default=None, description="for 'once': an aware time (ISO 8601 with offset)")
    times: list[str] = Field(default_factory=list, max_length=12, description="for 'recurring': HH:MM (VN time)")
    start_date: date | None = None
    end_date: date | None = None
    weekdays: list[int] = Field(default_factory=list, max_length=7)

    @field_validator("times")
    @classmethod
    def _times(cls, value: list[str]) -> list[str]:
        if any(not _HHMM.match(t) for t in value):
            raise ValueError("times are HH:MM, 00:00-23:59")
        return sorted(set(value))

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in value):
            raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
        return sorted(set(value))

    @model_validator(mode="after")
    def _consistent(self) -> Schedule:
        if self.kind == "once":
            if self.at is None or self.at.tzinfo is None:
                raise ValueError("a one-off item needs 'at' with a time zone")
        elif self.at is not None:
            raise ValueError("'at' is only for one-off items")
        if self.kind == "recurring":
            if not self.times or self.start_date is None or self.end_date is None:
                raise ValueError("a recurring program needs times, start_date and end_date")
            if self.end_date < self.start_date:
                raise ValueError("end_date is before start_date")
            if (self.end_date - self.start_date).days > 366:
                raise ValueError("a program runs for at most a year; make a new one after")
        elif self.times or self.start_date or self.end_date or self.weekdays:
            raise ValueError("times, dates and weekdays are only for recurring programs")
        return self


class BulletinContent(Contract):
    """The words of a bulletin: Vietnamese always, English optional."""

    headline: str = Field(min_length=3, max_length=160, description="Tiêu đề")
    text: str = Field(min_length=3, max_length=4000, description="Nội dung (read aloud by the loudspeakers)")
    instruction: str | None = Field(default=None, max_length=1000, description="Hướng dẫn người dân")
    headline_en: str | None = Field(default=None, max_length=160)
    text_en: str | None = Field(default=None, max_length=4000)
    instruction_en: str | None = Field(default=None, max_length=1000)
    category: Category = "Other"
    event: str = Field(default="Thông báo", min_length=2, max_length=120, description="e.g. Bão số 3")


class NewBulletin(BulletinContent):
    """A staff member drafts a bulletin for their own commune."""

    priority: Priority = "normal"
    target: Target = Field(default_factory=Target)
    schedule: Schedule = Field(default_factory=Schedule)
    channels: Channels = Field(default_factory=Channels)
    repeat: int = Field(default=1, ge=1, le=5, description="times each play repeats (emergencies: 2-3 is usual)")
    volume: int | None = Field(default=None, ge=0, le=100, description="default: 70, or 100 for emergencies")
    valid_hours: int = Field(default=24, ge=1, le=24 * 30, description="how long the public alert stays active")


class BulletinEdit(Contract):
    """A change to a bulletin not yet played (an approved one goes back for approval). ``version`` from the read."""

    version: int = Field(ge=1)
    headline: str | None = Field(default=None, min_length=3, max_length=160)
    text: str | None = Field(default=None, min_length=3, max_length=4000)
    instruction: str | None = Field(default=None, max_length=1000)
    headline_en: str | None = Field(default=None, max_length=160)
    text_en: str | None = Field(default=None, max_length=4000)
    instruction_en: str | None = Field(default=None, max_length=1000)
    category: Category | None = None
    event: str | None = Field(default=None, min_length=2, max_length=120)
    priority: Priority | None = None
    target: Target | None = None
    channels: Channels | None = None
    repeat: int | None = Field(default=None, ge=1, le=5)
    volume: int | None = Field(default=None, ge=0, le=100)
    valid_hours: int | None = Field(default=None, ge=1, le=24 * 30)


class VersionedAction(Contract):
    """Approve a bulletin as read (its ``version``)."""

    version: int = Field(ge=1)
    note: str | None = Field(default=None, max_length=500)


class Revocation(Contract):
    """Withdraw a bulletin: before it plays, or cancel a published alert (CAP ``Cancel``)."""

    version: int = Field(ge=1)
    reason: str = Field(min_length=3, max_length=500)


class DraftDiscard(Contract):
    """Cancel a draft nobody has approved yet (it never airs; kept, marked cancelled, for the audit trail)."""

    version: int = Field(ge=1)
    reason: str | None = Field(default=None, max_length=500)


class Rescheduling(Contract):
    """Move a bulletin's plays (an approved one goes back for approval)."""

    version: int = Field(ge=1)
    schedule: Schedule


class AudioUploadRequest(Contract):
    """Ask for a presigned PUT to upload recorded audio (MP3) instead of synthesised speech."""

    version: int = Field(ge=1)
    size_bytes: int = Field(gt=0, le=20 * 1024 * 1024, description="the file's exact size: the upload signs it")


class AudioUploadTicket(BaseModel):
    """Where and how to PUT the recording: a presigned URL on the site's own origin (``/media/…``).

    The signature covers the key, ``Content-Type: audio/mpeg`` and ``Content-Length`` (the size asked for), so
    S3 refuses any other type or size. Send ``headers`` as given; confirm with ``POST /bulletins/{id}/audio``.
    """

    key: str
    url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    expires_in_s: int


class AudioUploadConfirm(Contract):
    """The recorded audio was uploaded to ``key``: check it and use it."""

    version: int = Field(ge=1)
    key: str = Field(min_length=10, max_length=300)


class AlertSubscriptionChange(Contract):
    """A citizen chooses which hamlets' alerts reach them by SMS."""

    hamlets: list[str] = Field(default_factory=list, max_length=20)
    enabled: bool = True

    @field_validator("hamlets")
    @classmethod
    def _hamlet_ids(cls, value: list[str]) -> list[str]:
        if any(not re.match(HAMLET_ID, h) for h in value):
            raise ValueError("hamlet ids are lower-case letters, digits and '-'")
        return list(dict.fromkeys(value))


# ---------------------------------------------------------------- stored


class AudioRef(BaseModel):
    """The MP3 the speakers play, in the media bucket, with its SHA-256."""

    key: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    source: AudioSource
    size_bytes: int
    duration_s: float | None = None


class Approval(BaseModel):
    approved_by: str
    approver_name: str
    approved_at: datetime
    note: str | None = None


class PublishedMessage(BaseModel):
    """One CAP message issued for a bulletin: the first is an Alert, later ones Update or Cancel."""

    seq: int = Field(ge=1)
    msg_type: Literal["Alert", "Update", "Cancel"]
    sent: datetime
    references: list[int] = Field(default_factory=list, description="seqs of the earlier messages")


class Bulletin(BulletinContent):
    """A bulletin as stored. ``version`` is the optimistic lock every change is conditioned on."""

    id: str
    commune_id: str
    origin: Origin = "commune"
    origin_name: str = Field(default="", description="the sending authority, e.g. UBND xã Giao Phong")
    target_communes: list[str]
    priority: Priority
    target: Target
    hamlets: list[str] = Field(default_factory=list, description="hamlets the target reaches; empty = all")
    schedule: Schedule
    channels: Channels
    repeat: int
    volume: int
    valid_hours: int
    status: BulletinStatus = "draft"
    created_by: str
    created_by_name: str
    created_at: datetime
    edited_by: str
    updated_at: datetime
    approval: Approval | None = None
    audio: AudioRef | None = None
    messages: list[PublishedMessage] = Field(default_factory=list)
    plays: int = 0
    last_played_at: datetime | None = Field(default=None, description="when it last went out to the loudspeakers")
    next_play_at: datetime | None = None
    revoked_reason: str | None = None
    version: int = 0

    @property
    def published(self) -> bool:
        return bool(self.messages)


class BulletinView(Bulletin):
    """``GET /bulletins/{id}``: the bulletin, where it is in its life, and a short link to its audio."""

    stage: BulletinStage = "draft"
    audio_url: str | None = None


class BulletinListItem(BaseModel):
    id: str
    headline: str
    priority: Priority
    status: BulletinStatus
    stage: BulletinStage = "draft"
    origin: Origin
    created_by: str = Field(default="", description="staff id of the drafter (two-person rule: not the approver)")
    edited_by: str = Field(default="", description="staff id of the last editor (not the approver either)")
    created_by_name: str
    created_at: datetime
    approved_by: str | None = None
    plays: int = 0
    next_play_at: datetime | None = None
    version: int


class BulletinPage(BaseModel):
    items: list[BulletinListItem]
    next_cursor: str | None = None


class BulletinQuery(Contract):
    status: BulletinStatus | None = None
    cursor: str | None = Field(default=None, max_length=400)
    limit: int = Field(default=30, ge=1, le=100)


class PublicAlert(BaseModel):
    """An alert as citizens see it on the portal (no staff details)."""

    id: str
    commune_id: str
    headline: str
    text: str
    instruction: str | None = None
    headline_en: str | None = None
    text_en: str | None = None
    instruction_en: str | None = None
    category: Category
    event: str
    priority: Priority
    hamlets: list[str] = Field(description="hamlet ids; empty = the whole commune")
    area: str = Field(description="hamlet names, as read")
    sender_name: str
    sent: datetime
    expires: datetime
    status: Literal["active", "past", "cancelled"]
    cap_url: str


class PublicAlertPage(BaseModel):
    items: list[PublicAlert]


class AlertFeedQuery(Contract):
    hamlet: str | None = Field(default=None, pattern=HAMLET_ID)
    limit: int = Field(default=30, ge=1, le=100)


class AlertSubscription(BaseModel):
    hamlets: list[str]
    enabled: bool
    updated_at: datetime | None = None


class StatsQuery(Contract):
    period: Literal["day", "month"] = "day"
    start: date = Field(description="first day (or any day of the first month)")
    end: date | None = Field(default=None, description="last day; default: start")


class StatsRow(BaseModel):
    period: str = Field(description="yyyy-mm-dd or yyyy-mm")
    programs_aired: int = 0
    airtime_s_by_cluster: dict[str, float] = Field(default_factory=dict)
    failed_by_speaker: dict[str, int] = Field(default_factory=dict)
    played_by_speaker: dict[str, int] = Field(default_factory=dict)


class StatsReport(BaseModel):
    period: Literal["day", "month"]
    rows: list[StatsRow]


class ScheduledPlay(BaseModel):
    """The next due play of a bulletin (what the scheduler looks up by its minute)."""

    commune_id: str
    bulletin_id: str
    due_at: datetime
    occurrence: int
    priority: Priority
