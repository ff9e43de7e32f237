"""Citizen feedback: submission, the handling workflow, comments, ratings, the public listing and statistics.

Design (``docs/feedback-contract.md`` is the contract):

* **Idempotent submission.** The ``Idempotency-Key`` of a citizen is stored as an item in the same transaction as
  the feedback and its counters, with a "must not exist" condition: two submissions with one key cannot both
  succeed. The item keeps a fingerprint of the request and the 201 body, so a retry gets the same body and a
  different body under a reused key gets 409.
* **Tracking codes** (``GP-26-000123``) come from an atomic per-commune, per-year counter: unique, not gapless
  (a retry or a refused write leaves a number unused).
* **Workflow.** :data:`RULES` is the whole state machine: which action leads from which statuses to which, and
  which roles may take it. Every step is a conditional write on ``version`` with its audit entry in the same
  transaction; the citizen gets an SMS and a timeline entry for every change of status.
* **Photos** go straight from the phone to S3 with a presigned PUT (type and length signed). The upload id
  carries an HMAC of the citizen, so nobody can attach another person's upload; on submit each object is read
  back (size, declared type, magic bytes) because the signature is not checked by every S3 stand-in.
* **Statistics** come from counters updated in the same transactions (see :func:`counter_deltas`): one item per
  commune and Vietnam day, plus one item of current totals, so statistics are a key-range query.

The service is pure: stores, S3, SMS and the clock are ports passed in.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.errors import ConflictError, FieldProblem, ForbiddenError, InvalidInputError, NotFoundError
from smartcommune.core.text import search_tokens
from smartcommune.feedback.contracts import (
    DEFAULT_FIELDS,
    MAX_PHOTO_BYTES,
    OPEN_STATUSES,
    RATEABLE_STATUSES,
    STATUS_LABELS_VI,
    STATUSES,
    Comment,
    CommentView,
    Feedback,
    FeedbackField,
    FeedbackStats,
    FeedbackView,
    GeoPoint,
    InboxCounts,
    InboxItem,
    InboxPage,
    Photo,
    PhotoView,
    PublicFeedback,
    PublicPage,
    Rating,
    TimelineEntry,
    TrendPoint,
    UploadTicket,
)

if TYPE_CHECKING:
    from smartcommune.citizens.contracts import Citizen
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.feedback.contracts import ActionRequest, FieldUpdate, InboxQuery, NewFeedback, PublicQuery

UPLOAD_TTL_S = 15 * 60
DOWNLOAD_TTL_S = 60 * 60
IDEMPOTENCY_TTL_S = 7 * 24 * 3600
CACHE_TTL_S = 60.0

# Who sees every item of the commune (culture publishes, so it must find approved items too).
SEE_ALL: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE})
UNIT_ROLES: frozenset[Role] = frozenset(
    {Role.OFFICE, Role.POLICE, Role.ENVIRONMENT, Role.INFRASTRUCTURE, Role.HEALTH, Role.SCHOOL, Role.CULTURE}
)
MODERATORS: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE})


# ---------------------------------------------------------------- the state machine


@dataclass(frozen=True)
class Rule:
    """One workflow action: the statuses it may start from, where it leads, and who may take it.

    ``roles`` may always take it; ``unit`` adds the unit the item is assigned to.
    """

    sources: frozenset[str]
    target: str
    roles: frozenset[Role]
    unit: bool = False


_ADMIN_OFFICE = frozenset({Role.ADMIN, Role.OFFICE})
RULES: dict[str, Rule] = {
    "assign": Rule(frozenset({"received"}), "assigned", _ADMIN_OFFICE),
    "transfer": Rule(frozenset({"assigned", "in_progress"}), "assigned", _ADMIN_OFFICE, unit=True),
    "start": Rule(frozenset({"assigned"}), "in_progress", frozenset({Role.ADMIN}), unit=True),
    "progress": Rule(frozenset({"in_progress"}), "in_progress", frozenset({Role.ADMIN}), unit=True),
    "resolve": Rule(frozenset({"in_progress"}), "resolved", frozenset({Role.ADMIN}), unit=True),
    "approve": Rule(frozenset({"resolved"}), "approved", _ADMIN_OFFICE),
    "publish": Rule(frozenset({"approved"}), "published", frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE})),
    "reject": Rule(frozenset(OPEN_STATUSES), "rejected", _ADMIN_OFFICE),
    "duplicate": Rule(frozenset(OPEN_STATUSES), "duplicate", _ADMIN_OFFICE),
}
# Roles that may take an action on some item (the unit roles for the "unit" actions).
ACTION_ROLES: dict[str, frozenset[Role]] = {
    name: rule.roles | (UNIT_ROLES if rule.unit else frozenset()) for name, rule in RULES.items()
}


def _forbidden(vi: str, en: str) -> ForbiddenError:
    return ForbiddenError(vi, en)


def acting_role(feedback: Feedback, action: str, roles: frozenset[Role]) -> Role:
    """The role ``roles`` take ``action`` on ``feedback`` in, or :class:`ForbiddenError`/:class:`ConflictError`.

    Checks, in order: that one of the roles may take this action at all (403), that the item's status allows it
    (409, naming the current status), that a unit acts only on its own items (403), and the two-person rule of
    approval: the approver's role and person differ from the resolver's (checked by the caller for the person).
    """
    rule = RULES[action]
    if not roles & ACTION_ROLES[action]:
        raise _forbidden(
            "Vai trò của bạn không được thực hiện thao tác này với phản ánh.",
            f"Your role may not '{action}' feedback.",
        )
    if feedback.status not in rule.sources:
        label = STATUS_LABELS_VI[feedback.status]
        raise ConflictError(
            f"Không thể thực hiện thao tác này: phản ánh đang ở trạng thái «{label}».",
            f"Action '{action}' is not allowed: the feedback is '{feedback.status}'.",
        )
    candidates = [r for r in sorted(roles, key=list(Role).index) if r in rule.roles]
    if rule.unit and feedback.unit in roles:
        candidates.append(feedback.unit)
    if action == "approve" and feedback.resolved_role is not None:
        candidates = [r for r in candidates if r.value != feedback.resolved_role]
        if not candidates:
            raise _forbidden(
                "Kết quả phải được phê duyệt bởi một vai trò khác với vai trò đã xử lý.",
                "The result must be approved by a role other than the one that resolved it.",
            )
    if not candidates:
        raise _forbidden(
            "Phản ánh này không thuộc đơn vị của bạn.",
            "This feedback is not assigned to your unit.",
        )
    return candidates[0]


# ---------------------------------------------------------------- deadlines


def deadline_for(created_at: datetime, hours: int) -> datetime:
    return created_at + timedelta(hours=hours)


def is_overdue(feedback: Feedback, now: datetime) -> bool:
    """Still open after its deadline."""
    return feedback.status in OPEN_STATUSES and now > feedback.deadline_at


def remaining_hours(feedback: Feedback, now: datetime) -> float | None:
    """Hours left before the deadline (negative once overdue); ``None`` once the item is closed."""
    if feedback.status not in OPEN_STATUSES:
        return None
    return round((feedback.deadline_at - now).total_seconds() / 3600, 1)


def vn_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


# ---------------------------------------------------------------- counters


def _status_keys(feedback: Feedback) -> list[str]:
    return [f"s_{feedback.status}", f"us_{feedback.unit.value}__{feedback.status}"]


@dataclass
class CounterDeltas:
    """Additions to the counter items: per Vietnam day (``days``) and the commune's current totals (``totals``).

    Day items hold, for the items *received* that day: ``received``, ``rf_<field>``, ``rh_<hamlet>``,
    ``ru_<unit>``, ``s_<status>`` (their current status); and the events of that day: ``resolved``,
    ``resolved_on_time``, ``rating_sum``, ``rating_count``. Totals hold ``s_<status>`` and
    ``us_<unit>__<status>`` over every item, for the inbox counts.
    """

    days: dict[date, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def add_day(self, day: date, name: str, value: int) -> None:
        bucket = self.days.setdefault(day, {})
        bucket[name] = bucket.get(name, 0) + value

    def add_total(self, name: str, value: int) -> None:
        self.totals[name] = self.totals.get(name, 0) + value

    def pruned(self) -> CounterDeltas:
        days = {d: {k: v for k, v in c.items() if v} for d, c in self.days.items()}
        return CounterDeltas(
            days={d: c for d, c in days.items() if c}, totals={k: v for k, v in self.totals.items() if v}
        )


def counter_deltas(before: Feedback | None, after: Feedback) -> CounterDeltas:
    """What a change from ``before`` (``None``: a new item) to ``after`` adds to the counters."""
    out = CounterDeltas()
    created = vn_day(after.created_at)
    if before is None:
        out.add_day(created, "received", 1)
        out.add_day(created, f"rf_{after.field_code}", 1)
        if after.hamlet_id:
            out.add_day(created, f"rh_{after.hamlet_id}", 1)
    else:
        out.add_day(created, f"ru_{before.unit.value}", -1)
        out.add_day(created, f"s_{before.status}", -1)
        for key in _status_keys(before):
            out.add_total(key, -1)
    out.add_day(created, f"ru_{after.unit.value}", 1)
    out.add_day(created, f"s_{after.status}", 1)
    for key in _status_keys(after):
        out.add_total(key, 1)
    if after.resolved_at is not None and (before is None or before.resolved_at is None):
        day = vn_day(after.resolved_at)
        out.add_day(day, "resolved", 1)
        out.add_day(day, "resolved_on_time", 1 if after.resolved_at <= after.deadline_at else 0)
    if after.rating is not None and (before is None or before.rating is None):
        day = vn_day(after.rating.at)
        out.add_day(day, "rating_sum", after.rating.stars)
        out.add_day(day, "rating_count", 1)
    return out.pruned()


def stats_from(days: dict[date, dict[str, int]], start: date, end: date) -> FeedbackStats:
    """Add up the day counters between ``start`` and ``end`` (inclusive)."""

    def group(prefix: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for counters in days.values():
            for name, value in counters.items():
                if name.startswith(prefix):
                    out[name[len(prefix) :]] = out.get(name[len(prefix) :], 0) + value
        return {k: v for k, v in sorted(out.items()) if v}

    def total(name: str) -> int:
        return sum(c.get(name, 0) for c in days.values())

    resolved, on_time = total("resolved"), total("resolved_on_time")
    rating_sum, rating_count = total("rating_sum"), total("rating_count")
    trend = []
    day = start
    while day <= end:
        counters = days.get(day, {})
        trend.append(TrendPoint(day=day, received=counters.get("received", 0), resolved=counters.get("resolved", 0)))
        day += timedelta(days=1)
    by_status = group("s_")
    return FeedbackStats(
        from_=start,
        to=end,
        received=total("received"),
        by_field=group("rf_"),
        by_unit=group("ru_"),
        by_hamlet=group("rh_"),
        by_status={s: by_status.get(s, 0) for s in STATUSES},
        resolved=resolved,
        on_time_rate=round(on_time / resolved, 4) if resolved else None,
        average_rating=round(rating_sum / rating_count, 2) if rating_count else None,
        ratings_count=rating_count,
        trend=trend,
    )


# ---------------------------------------------------------------- photos


MAGIC: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
}


def sniff_image(head: bytes) -> str | None:
    """The image type the first bytes of a file announce (JPEG, PNG or WebP), else ``None``."""
    return next((kind for kind, test in MAGIC.items() if test(head)), None)


@dataclass(frozen=True)
class UploadInfo:
    """What S3 holds under an upload's key: its size, declared type and first bytes."""

    size_bytes: int
    content_type: str
    head: bytes


def upload_problem(info: UploadInfo | None) -> tuple[str, str] | None:
    """Why an upload cannot be attached (Vietnamese, English), or ``None`` when it is a proper photo."""
    if info is None:
        return "Ảnh chưa được tải lên (hoặc đã hết hạn); vui lòng tải lại ảnh.", "The photo was not uploaded."
    if info.size_bytes > MAX_PHOTO_BYTES or info.size_bytes <= 0:
        return "Ảnh vượt quá 5 MB; vui lòng chọn ảnh nhỏ hơn.", "The photo is larger than 5 MB."
    declared = info.content_type.split(";")[0].strip().lower()
    if declared not in MAGIC:
        return "Chỉ nhận ảnh JPEG, PNG hoặc WebP.", "Only JPEG, PNG or WebP photos are accepted."
    if sniff_image(info.head) != declared:
        return (
            "Tệp tải lên không phải là ảnh đúng định dạng đã khai báo.",
            "The uploaded file is not an image of the declared type.",
        )
    return None


# ---------------------------------------------------------------- idempotency and codes


@dataclass(frozen=True)
class IdempotencyRecord:
    """A submission already made under one key: the request's fingerprint and the body it got."""

    key: str
    owner: str
    fingerprint: str
    feedback_id: str
    body: str


def fingerprint(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def commune_prefix(commune: Commune) -> str:
    """``Xã Giao Phong`` → ``GP``."""
    words = [w for w in search_tokens(commune.name) if w not in {"xa", "phuong", "thi", "tran"}]
    return "".join(w[0] for w in words).upper()[:4] or "XA"


def tracking_code(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year % 100:02d}-{number:06d}"


def public_search_text(feedback: Feedback, field_name: str) -> str:
    """The folded words the public listing is searched by (space-delimited both ends)."""
    words = search_tokens(f"{feedback.title} {feedback.description} {field_name} {feedback.tracking_code}")
    return " " + " ".join(dict.fromkeys(words)) + " "


def status_sms(commune: Commune, feedback: Feedback) -> str:
    """The SMS a citizen gets when their feedback changes status."""
    label = STATUS_LABELS_VI[feedback.status]
    name = commune.name
    text = f"{name}: phản ánh {feedback.tracking_code} - {label}."
    if feedback.status == "rejected" and feedback.rejection_reason:
        text += f" Lý do: {feedback.rejection_reason}"
    elif feedback.status in ("resolved", "published"):
        text += " Xem kết quả và đánh giá trên Cổng công dân số."
    elif feedback.status == "received":
        text += " Tra cứu trạng thái trên Cổng công dân số."
    return text[:600]


# ---------------------------------------------------------------- ports


class FeedbackStore(Protocol):
    """Where feedback is kept (``feedback.storage.feedback.FeedbackRepository``; in memory in unit tests)."""

    def fields(self, commune_id: str) -> list[FeedbackField] | None: ...

    def save_fields(self, commune_id: str, fields: list[FeedbackField], audit: AuditRecord) -> None: ...

    def idempotent(self, commune_id: str, owner: str, key: str) -> IdempotencyRecord | None: ...

    def next_number(self, commune_id: str, year: int) -> int: ...

    def create(
        self, feedback: Feedback, deltas: CounterDeltas, idempotency: IdempotencyRecord | None, search: str
    ) -> bool:
        """Store a new item with its counters and idempotency record; ``False`` if that key was taken meanwhile."""

    def get(self, commune_id: str, feedback_id: str) -> Feedback | None: ...

    def get_with_comments(self, commune_id: str, feedback_id: str) -> tuple[Feedback, list[Comment]] | None: ...

    def update(
        self,
        before: Feedback,
        after: Feedback,
        deltas: CounterDeltas,
        *,
        audit: AuditRecord | None,
        public: PublicFeedback | None,
        search: str,
    ) -> None:
        """Replace ``before`` (still at its version, else :class:`ConflictError`) with ``after``."""

    def add_comment(self, comment: Comment, audit: AuditRecord | None) -> None: ...

    def get_comment(self, commune_id: str, feedback_id: str, comment_id: str) -> Comment | None: ...

    def set_comment(self, comment: Comment, audit: AuditRecord) -> None: ...

    def inbox(
        self,
        commune_id: str,
        *,
        unit: str | None,
        status: str | None,
        field_code: str | None,
        hamlet_id: str | None,
        overdue_at: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Feedback], str | None]: ...

    def status_counts(self, commune_id: str, unit: str | None) -> dict[str, int]: ...

    def overdue_count(self, commune_id: str, unit: str | None, now: datetime) -> int: ...

    def mine(
        self, commune_id: str, citizen_id: str, cursor: str | None, limit: int
    ) -> tuple[list[Feedback], str | None]: ...

    def public_page(
        self,
        commune_id: str,
        *,
        field_code: str | None,
        hamlet_id: str | None,
        words: list[str],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[PublicFeedback], str | None]: ...

    def get_public(self, commune_id: str, feedback_id: str) -> PublicFeedback | None: ...

    def between(self, commune_id: str, start: datetime | None, end: datetime | None, limit: int) -> list[Feedback]:
        """Items created in ``[start, end]``, newest first (Open311's GET requests)."""

    def day_counters(self, commune_id: str, start: date, end: date) -> dict[date, dict[str, int]]: ...


class MediaStore(Protocol):
    """The media bucket (``smartcommune.feedback.storage.media.MediaRepository``)."""

    def presign_upload(self, key: str, content_type: str, size_bytes: int, expires_s: int) -> str: ...

    def presign_download(self, key: str, expires_s: int) -> str: ...

    def inspect(self, key: str) -> UploadInfo | None: ...


class CommuneStore(Protocol):
    def get(self, commune_id: str) -> Commune | None: ...


class Citizens(Protocol):
    def get(self, commune_id: str, citizen_id: str) -> Citizen | None: ...

    def find_by_phone(self, commune_id: str, phone: str) -> Citizen | None: ...

    def create(self, citizen: Citizen, audit: AuditRecord | None = None) -> Citizen: ...


class SmsGateway(Protocol):
    def send(self, phone_e164: str, text: str, purpose: str) -> None: ...


class Signer(Protocol):
    def hash(self, value: str) -> str: ...


# ---------------------------------------------------------------- messages


def _not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy phản ánh này.", "No such feedback.")


def _invalid(field_name: str, vi: str, en: str) -> InvalidInputError:
    return InvalidInputError(
        "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu.",
        "The input is not valid; please check the fields listed.",
        details=[FieldProblem(field_name, vi, en)],
    )


_KEY_REUSED = (
    "Mã Idempotency-Key này đã được dùng cho một phản ánh khác; hãy tạo mã mới cho phản ánh mới.",
    "This Idempotency-Key was already used for a different submission; use a new key for a new one.",
)


class FeedbackService:
    """Everything citizens, staff and Open311 do with feedback. Commune ids come from the caller's principal."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        store: FeedbackStore,
        media: MediaStore,
        communes: CommuneStore,
        citizens: Citizens,
        sms: SmsGateway,
        signer: Signer,
        cache_ttl_s: float = CACHE_TTL_S,
    ) -> None:
        self._clock = clock
        self._store = store
        self._media = media
        self._communes = communes
        self._citizens = citizens
        self._sms = sms
        self._signer = signer
        self._cache_ttl_s = cache_ttl_s
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}

    # ------------------------------------------------------------ reference data (cached briefly per process)

    def _cached(self, kind: str, commune_id: str, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        hit = self._cache.get((kind, commune_id))
        if hit is not None and now - hit[0] < self._cache_ttl_s:
            return hit[1]
        value = load()
        self._cache[(kind, commune_id)] = (now, value)
        return value

    def _commune(self, commune_id: str) -> Commune:
        commune: Commune | None = self._cached("commune", commune_id, lambda: self._communes.get(commune_id))
        if commune is None:
            self._cache.pop(("commune", commune_id), None)
            raise NotFoundError("Không tìm thấy xã này trên hệ thống.", f"There is no commune '{commune_id}'.")
        return commune

    def fields(self, commune_id: str) -> list[FeedbackField]:
        """The commune's fields (the defaults of the contract until an administrator edits them)."""
        self._commune(commune_id)
        stored = self._cached("fields", commune_id, lambda: self._store.fields(commune_id))
        return list(stored) if stored else list(DEFAULT_FIELDS)

    def _field(self, commune_id: str, code: str, *, active_only: bool = True) -> FeedbackField:
        found = next((f for f in self.fields(commune_id) if f.code == code), None)
        if found is None or (active_only and not found.active):
            names = ", ".join(f.code for f in self.fields(commune_id) if f.active)
            raise _invalid("field_code", f"Lĩnh vực không hợp lệ. Chọn một trong: {names}.", "Unknown field.")
        return found

    def _field_name(self, commune_id: str, code: str) -> str:
        found = next((f for f in self.fields(commune_id) if f.code == code), None)
        return found.name if found else code

    def update_field(
        self, caller: Principal, code: str, change: FieldUpdate, request_id: str | None = None
    ) -> FeedbackField:
        """An administrator adds or edits one field of their commune (audited)."""
        current = self.fields(caller.commune_id)
        before = next((f for f in current if f.code == code), None)
        updated = FeedbackField(
            code=code,
            name=change.name,
            name_en=change.name_en,
            unit=Role(change.unit),
            deadline_hours=change.deadline_hours,
            active=change.active,
            open311_code=change.open311_code or (before.open311_code if before else code),
        )
        fields = [updated if f.code == code else f for f in current] + ([] if before else [updated])
        audit = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action="feedback.field",
            target=f"feedback_field/{code}",
            before=before.model_dump(mode="json") if before else None,
            after=updated.model_dump(mode="json"),
            request_id=request_id,
        )
        self._store.save_fields(caller.commune_id, fields, audit)
        self._cache.pop(("fields", caller.commune_id), None)
        return updated

    # ------------------------------------------------------------ views

    def view(self, feedback: Feedback, comments: list[Comment] | None = None, *, staff: bool = False) -> FeedbackView:
        now = self._clock()
        photos = [
            PhotoView(
                key=p.key,
                content_type=p.content_type,
                size_bytes=p.size_bytes,
                url=self._media.presign_download(p.key, DOWNLOAD_TTL_S),
            )
            for p in feedback.photos
        ]
        shown = [CommentView.of(c) for c in comments or [] if staff or not c.hidden]
        return FeedbackView(
            **feedback.model_dump(
                include={
                    "id",
                    "tracking_code",
                    "commune_id",
                    "citizen_id",
                    "field_code",
                    "title",
                    "description",
                    "hamlet_id",
                    "anonymous_public",
                    "status",
                    "unit",
                    "deadline_at",
                    "created_at",
                    "updated_at",
                    "resolved_at",
                    "published_at",
                    "result",
                    "rejection_reason",
                    "duplicate_of",
                    "version",
                    "channel",
                }
            ),
            location=feedback.location,
            rating=feedback.rating,
            timeline=feedback.timeline,
            field_name=self._field_name(feedback.commune_id, feedback.field_code),
            photos=photos,
            status_label=STATUS_LABELS_VI[feedback.status],
            remaining_hours=remaining_hours(feedback, now),
            overdue=is_overdue(feedback, now),
            comments=shown,
        )

    def public_view(self, feedback: Feedback) -> PublicFeedback:
        """What everyone may see of an item: no citizen id, reporter or location; photos unless anonymous."""
        return PublicFeedback(
            id=feedback.id,
            tracking_code=feedback.tracking_code,
            field_code=feedback.field_code,
            field_name=self._field_name(feedback.commune_id, feedback.field_code),
            hamlet_id=feedback.hamlet_id,
            title=feedback.title,
            description=feedback.description,
            status=feedback.status,
            result=feedback.result,
            created_at=feedback.created_at,
            resolved_at=feedback.resolved_at,
            published_at=feedback.published_at,
            rating_stars=feedback.rating.stars if feedback.rating else None,
            photos=[] if feedback.anonymous_public else [p.key for p in feedback.photos],
        )

    def _public_with_urls(self, item: PublicFeedback) -> PublicFeedback:
        return item.model_copy(
            update={"photos": [self._media.presign_download(k, DOWNLOAD_TTL_S) for k in item.photos]}
        )

    def _inbox_item(self, feedback: Feedback, now: datetime) -> InboxItem:
        return InboxItem(
            id=feedback.id,
            tracking_code=feedback.tracking_code,
            title=feedback.title,
            field_code=feedback.field_code,
            hamlet_id=feedback.hamlet_id,
            status=feedback.status,
            unit=feedback.unit,
            channel=feedback.channel,
            created_at=feedback.created_at,
            deadline_at=feedback.deadline_at,
            remaining_hours=remaining_hours(feedback, now),
            overdue=is_overdue(feedback, now),
            version=feedback.version,
        )

    # ------------------------------------------------------------ photos

    def _upload_key(self, commune_id: str, upload_id: str) -> str:
        return f"media/{commune_id}/feedback/{upload_id}"

    def _upload_id(self, owner: str, nonce: str) -> str:
        return nonce + self._signer.hash(f"feedback-upload|{owner}|{nonce}")[:16]

    def request_upload(self, caller: Principal, content_type: str, size_bytes: int) -> UploadTicket:
        """A presigned PUT for one photo (type and exact length signed), valid 15 minutes."""
        self._commune(caller.commune_id)
        upload_id = self._upload_id(caller.subject_id, secrets.token_hex(12))
        url = self._media.presign_upload(
            self._upload_key(caller.commune_id, upload_id), content_type, size_bytes, UPLOAD_TTL_S
        )
        return UploadTicket(
            upload_id=upload_id,
            url=url,
            headers={"Content-Type": content_type, "Content-Length": str(size_bytes)},
            expires_at=self._clock() + timedelta(seconds=UPLOAD_TTL_S),
        )

    def _photos(self, commune_id: str, owner: str, upload_ids: list[str]) -> list[Photo]:
        if len(set(upload_ids)) != len(upload_ids):
            raise _invalid("upload_ids", "Một ảnh được gửi hai lần.", "A photo is listed twice.")
        photos = []
        for index, upload_id in enumerate(upload_ids):
            where = f"upload_ids.{index}"
            if len(upload_id) != 40 or self._upload_id(owner, upload_id[:24]) != upload_id:
                raise _invalid(where, "Mã ảnh tải lên không hợp lệ.", "Unknown upload id.")
            key = self._upload_key(commune_id, upload_id)
            info = self._media.inspect(key)
            problem = upload_problem(info)
            if problem is not None:
                raise _invalid(where, *problem)
            assert info is not None
            photos.append(
                Photo(key=key, content_type=info.content_type.split(";")[0].strip(), size_bytes=info.size_bytes)
            )
        return photos

    # ------------------------------------------------------------ submission

    def _check_hamlet(self, commune: Commune, hamlet_id: str | None) -> None:
        if hamlet_id is not None and commune.hamlet(hamlet_id) is None:
            names = ", ".join(h.name for h in commune.hamlets)
            raise _invalid(
                "hamlet_id",
                f"Xóm/thôn không thuộc {commune.name}. Chọn một trong: {names}.",
                f"The hamlet is not part of {commune.name}.",
            )

    def _replay(self, record: IdempotencyRecord, print_: str) -> dict[str, Any]:
        if record.fingerprint != print_:
            raise ConflictError(*_KEY_REUSED)
        body: dict[str, Any] = json.loads(record.body)
        return body

    def submit(self, caller: Principal, new: NewFeedback, idempotency_key: str) -> dict[str, Any]:
        """A citizen submits feedback; returns the 201 body (the same body again for a retry with the same key).

        Raises :class:`InvalidInputError` (unknown field or hamlet, a photo missing, too large or not what it
        claims to be — nothing is written), :class:`ConflictError` when the key was used for another body.
        """
        commune_id, owner = caller.commune_id, caller.subject_id
        print_ = fingerprint(new.model_dump_json())
        # No look-up of the key first: the transaction's condition on the key's item decides, and only a retry
        # pays for reading the first body (a retry costs a tracking number: codes are unique, not gapless).
        commune = self._commune(commune_id)
        field_ = self._field(commune_id, new.field_code)
        self._check_hamlet(commune, new.hamlet_id)
        photos = self._photos(commune_id, owner, new.upload_ids)
        feedback = self._new(
            commune,
            field_,
            citizen_id=owner,
            title=new.title,
            description=new.description,
            hamlet_id=new.hamlet_id,
            location=new.location,
            photos=photos,
            anonymous_public=new.anonymous_public,
            channel="web",
        )
        body = self.view(feedback).model_dump_json()
        record = IdempotencyRecord(idempotency_key, owner, print_, feedback.id, body)
        if not self._store.create(feedback, counter_deltas(None, feedback), record, self._search(feedback)):
            raced = self._store.idempotent(commune_id, owner, idempotency_key)
            if raced is None:  # pragma: no cover - the store said the key was taken
                raise ConflictError(*_KEY_REUSED)
            return self._replay(raced, print_)
        self._notify(commune, feedback)
        return self._replay(record, print_)

    def _search(self, feedback: Feedback) -> str:
        return public_search_text(feedback, self._field_name(feedback.commune_id, feedback.field_code))

    def _new(
        self,
        commune: Commune,
        field_: FeedbackField,
        *,
        citizen_id: str | None,
        title: str,
        description: str,
        hamlet_id: str | None,
        location: GeoPoint | None,
        photos: list[Photo],
        anonymous_public: bool,
        channel: str,
        **extra: Any,
    ) -> Feedback:
        now = self._clock()
        year = now.astimezone(VN_TZ).year
        number = self._store.next_number(commune.id, year)
        return Feedback(
            id=uuid.uuid4().hex,
            tracking_code=tracking_code(commune_prefix(commune), year, number),
            commune_id=commune.id,
            citizen_id=citizen_id,
            field_code=field_.code,
            title=title,
            description=description,
            hamlet_id=hamlet_id,
            location=location,
            photos=photos,
            anonymous_public=anonymous_public,
            status="received",
            unit=field_.unit,
            deadline_at=deadline_for(now, field_.deadline_hours),
            created_at=now,
            updated_at=now,
            channel=channel,
            timeline=[TimelineEntry(at=now, status="received", action="submit", actor_role="citizen")],
            **extra,
        )

    def submit_from_open311(
        self,
        commune_id: str,
        *,
        field_code: str,
        description: str,
        title: str | None,
        lat: float | None,
        lon: float | None,
        address: str | None,
        email: str | None,
        phone: str | None,
        first_name: str | None,
        last_name: str | None,
        media_url: str | None,
        idempotency_key: str | None,
        api_client: str,
    ) -> Feedback:
        """A request posted through Open311 (channel ``open311``); it shows in the staff inbox like any other.

        With a phone number the reporter's citizen account is found or created; otherwise the item has no
        citizen (reporter fields kept privately). ``field_code`` is the field's code (map Open311 service codes
        with :meth:`fields`). A repeated ``idempotency_key`` of the same ``api_client`` returns the first item.
        """
        from smartcommune.citizens.contracts import Citizen

        commune = self._commune(commune_id)
        field_ = self._field(commune_id, field_code)
        owner = f"open311:{api_client}"
        text = f"{field_code}|{description}|{title}|{lat}|{lon}|{address}|{email}|{phone}|{media_url}"
        print_ = fingerprint(text)
        if idempotency_key:
            known = self._store.idempotent(commune_id, owner, idempotency_key)
            if known is not None:
                self._replay(known, print_)
                found = self._store.get(commune_id, known.feedback_id)
                if found is None:  # pragma: no cover - written in one transaction
                    raise _not_found()
                return found
        citizen_id: str | None = None
        if phone:
            citizen = self._citizens.find_by_phone(commune_id, phone)
            if citizen is None:
                now = self._clock()
                name = " ".join(p for p in (last_name, first_name) if p) or None
                citizen = self._citizens.create(
                    Citizen(
                        id=uuid.uuid4().hex,
                        commune_id=commune_id,
                        phone=phone,
                        full_name=name,
                        created_at=now,
                        updated_at=now,
                        created_by=owner,
                    )
                )
            citizen_id = citizen.id
        summary = title or (description[:80] + ("…" if len(description) > 80 else ""))
        feedback = self._new(
            commune,
            field_,
            citizen_id=citizen_id,
            title=summary,
            description=description,
            hamlet_id=None,
            location=GeoPoint(lat=lat, lon=lon) if lat is not None and lon is not None else None,
            photos=[],
            anonymous_public=True,
            channel="open311",
            address=address,
            media_url=media_url,
            reporter_name=" ".join(p for p in (last_name, first_name) if p) or None,
            reporter_email=email,
            reporter_phone=None if citizen_id else phone,
        )
        record = IdempotencyRecord(idempotency_key, owner, print_, feedback.id, "{}") if idempotency_key else None
        if not self._store.create(feedback, counter_deltas(None, feedback), record, self._search(feedback)):
            assert idempotency_key is not None
            raced = self._store.idempotent(commune_id, owner, idempotency_key)
            found = self._store.get(commune_id, raced.feedback_id) if raced else None
            if found is None:  # pragma: no cover
                raise ConflictError(*_KEY_REUSED)
            return found
        self._notify(commune, feedback)
        return feedback

    # ------------------------------------------------------------ reading

    def _load(self, caller: Principal, feedback_id: str) -> tuple[Feedback, list[Comment]]:
        found = self._store.get_with_comments(caller.commune_id, feedback_id)
        if found is None:
            raise _not_found()
        feedback, comments = found
        if caller.kind == "citizen" and feedback.citizen_id != caller.subject_id:
            raise _not_found()  # another citizen's feedback does not exist for this caller
        return feedback, comments

    def get(self, caller: Principal, feedback_id: str) -> FeedbackView:
        """One item with its timeline and comments: its citizen (hidden comments left out) or the commune's staff."""
        feedback, comments = self._load(caller, feedback_id)
        return self.view(feedback, comments, staff=caller.kind == "staff")

    def mine(self, caller: Principal, cursor: str | None, limit: int) -> tuple[list[FeedbackView], str | None]:
        items, next_cursor = self._store.mine(caller.commune_id, caller.subject_id, cursor, limit)
        return [self.view(f) for f in items], next_cursor

    def _scope(self, caller: Principal, unit: str | None) -> str | None:
        """The unit whose items the caller sees (``None``: every item of the commune)."""
        if caller.roles & SEE_ALL:
            return unit
        units = sorted(r.value for r in caller.roles & UNIT_ROLES)
        if unit is None:
            if not units:
                raise _forbidden("Bạn không có hộp thư phản ánh.", "You have no feedback inbox.")
            return units[0]
        if unit not in units:
            raise _forbidden("Bạn chỉ xem được phản ánh của đơn vị mình.", "You can only see your own unit's feedback.")
        return unit

    def inbox(self, caller: Principal, query: InboxQuery) -> InboxPage:
        """The staff inbox: admin, office and culture see every item, a unit its own; with counts by status."""
        now = self._clock()
        unit = self._scope(caller, query.unit)
        items, cursor = self._store.inbox(
            caller.commune_id,
            unit=unit,
            status=query.status,
            field_code=query.field,
            hamlet_id=query.hamlet,
            overdue_at=now if query.overdue else None,
            cursor=query.cursor,
            limit=query.limit,
        )
        if query.overdue is False:
            items = [f for f in items if not is_overdue(f, now)]
        counts = self._store.status_counts(caller.commune_id, unit)
        return InboxPage(
            items=[self._inbox_item(f, now) for f in items],
            next_cursor=cursor,
            counts=InboxCounts(
                by_status={s: counts.get(s, 0) for s in STATUSES},
                overdue=self._store.overdue_count(caller.commune_id, unit, now),
            ),
        )

    def get_public(self, commune_id: str, feedback_id: str) -> Feedback:
        """An item for Open311's ``GET requests/{id}`` (any status; callers strip personal data)."""
        found = self._store.get(commune_id, feedback_id)
        if found is None:
            raise _not_found()
        return found

    def search_public(
        self,
        commune_id: str,
        *,
        service_code: str | None = None,
        status: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        ids: list[str] | None = None,
        limit: int = 50,
    ) -> list[Feedback]:
        """Items for Open311's ``GET requests`` (every status), newest first; ``service_code`` is a field code.

        ``status`` is a :data:`~smartcommune.feedback.contracts.FeedbackStatus` or Open311's ``open``/``closed``.
        """
        if ids:
            found = [self._store.get(commune_id, i) for i in ids[:limit]]
            items = [f for f in found if f is not None]
        else:
            items = self._store.between(commune_id, start, end, limit * 4 if (service_code or status) else limit)
        if service_code:
            items = [f for f in items if f.field_code == service_code]
        if status == "open":
            items = [f for f in items if f.status in OPEN_STATUSES]
        elif status == "closed":
            items = [f for f in items if f.status not in OPEN_STATUSES]
        elif status:
            items = [f for f in items if f.status == status]
        return items[:limit]

    def public_page(self, commune_id: str, query: PublicQuery) -> PublicPage:
        """Published items of a commune, for everyone; ``q`` ignores diacritics and needs every word."""
        self._commune(commune_id)
        words = list(dict.fromkeys(search_tokens(query.q or "")))
        items, cursor = self._store.public_page(
            commune_id,
            field_code=query.field,
            hamlet_id=query.hamlet,
            words=words,
            cursor=query.cursor,
            limit=query.limit,
        )
        return PublicPage(items=[self._public_with_urls(i) for i in items], next_cursor=cursor)

    def public_item(self, commune_id: str, feedback_id: str) -> PublicFeedback:
        found = self._store.get_public(commune_id, feedback_id)
        if found is None:
            raise _not_found()
        return self._public_with_urls(found)

    def stats(self, caller: Principal, start: date | None, end: date | None) -> FeedbackStats:
        """Statistics of the caller's commune over Vietnam days ``start``..``end`` (default: the last 30 days)."""
        today = vn_day(self._clock())
        end = end or today
        start = start or end - timedelta(days=29)
        if start > end or (end - start).days > 366:
            raise _invalid("from", "Khoảng thời gian không hợp lệ (tối đa 1 năm).", "Invalid range (1 year at most).")
        return stats_from(self._store.day_counters(caller.commune_id, start, end), start, end)

    # ------------------------------------------------------------ workflow

    def act(
        self, caller: Principal, feedback_id: str, request: ActionRequest, request_id: str | None = None
    ) -> FeedbackView:
        """Take one workflow step (see :data:`RULES`); 409 if the item changed or the step is not allowed now."""
        before, comments = self._load(caller, feedback_id)
        if caller.roles & ACTION_ROLES[request.action] and before.version != request.expected_version:
            raise ConflictError(
                "Phản ánh vừa được người khác cập nhật; vui lòng tải lại và thử lại.",
                "The feedback was changed by someone else; reload and try again.",
            )
        role = acting_role(before, request.action, caller.roles)
        after = self._apply(caller, role, before, request)
        audit = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=role,
            action=f"feedback.{request.action}",
            target=f"feedback/{before.id}",
            before={"status": before.status, "unit": before.unit.value, "version": before.version},
            after={
                "status": after.status,
                "unit": after.unit.value,
                "version": after.version,
                "note": request.note or request.result or request.reason or request.duplicate_of,
            },
            request_id=request_id,
        )
        public = self.public_view(after) if after.status == "published" else None
        self._store.update(
            before, after, counter_deltas(before, after), audit=audit, public=public, search=self._search(after)
        )
        if after.status != before.status:
            self._notify(self._commune(caller.commune_id), after)
        return self.view(after, comments, staff=True)

    def _apply(  # noqa: PLR0912 - one branch per action
        self, caller: Principal, role: Role, before: Feedback, request: ActionRequest
    ) -> Feedback:
        now = self._clock()
        action = request.action
        rule = RULES[action]
        changes: dict[str, Any] = {"status": rule.target, "updated_at": now, "version": before.version + 1}
        note = request.note
        if action in ("assign", "transfer"):
            if request.unit is None:
                raise _invalid("unit", "Cần chọn đơn vị xử lý.", "Choose the handling unit.")
            if action == "transfer" and request.unit == before.unit.value:
                raise _invalid("unit", "Phản ánh đang ở đơn vị này rồi.", "The feedback is already with this unit.")
            changes["unit"] = Role(request.unit)
        elif action == "progress":
            if not note:
                raise _invalid("note", "Cần ghi nội dung tiến độ.", "A progress note is required.")
        elif action == "resolve":
            if not request.result:
                raise _invalid("result", "Cần ghi kết quả xử lý.", "The result is required.")
            changes.update(
                result=request.result, resolved_at=now, resolved_by=caller.subject_id, resolved_role=role.value
            )
            note = request.result
        elif action == "approve":
            if before.resolved_by == caller.subject_id:
                raise _forbidden(
                    "Người đã xử lý không thể tự phê duyệt kết quả; cần một cán bộ khác.",
                    "The person who resolved it cannot approve it; another staff member must.",
                )
        elif action == "publish":
            changes["published_at"] = now
        elif action == "reject":
            if not request.reason:
                raise _invalid("reason", "Cần ghi lý do không tiếp nhận (công dân sẽ thấy).", "A reason is required.")
            changes["rejection_reason"] = request.reason
            note = request.reason
        elif action == "duplicate":
            if not request.duplicate_of:
                raise _invalid("duplicate_of", "Cần ghi mã phản ánh bị trùng.", "Name the original feedback.")
            original = self._store.get(before.commune_id, request.duplicate_of)
            if original is None or original.id == before.id:
                raise _invalid("duplicate_of", "Không tìm thấy phản ánh gốc này.", "No such original feedback.")
            changes["duplicate_of"] = original.tracking_code
            note = f"Trùng với {original.tracking_code}" + (f": {request.reason}" if request.reason else "")
        entry = TimelineEntry(at=now, status=rule.target, action=action, actor_role=role.value, note=note)
        changes["timeline"] = [*before.timeline, entry]
        return before.model_copy(update=changes)

    def _notify(self, commune: Commune, feedback: Feedback) -> None:
        """Queue the status SMS (the change is already stored; a queue failure must not undo it)."""
        phone = feedback.reporter_phone
        if feedback.citizen_id:
            citizen = self._citizens.get(feedback.commune_id, feedback.citizen_id)
            phone = citizen.phone if citizen else None
        if not phone:
            return
        try:
            self._sms.send(phone, status_sms(commune, feedback), "feedback_status")
        except Exception:
            from smartcommune.core.observability import logger

            logger.exception("feedback status SMS could not be queued", extra={"feedback_id": feedback.id})

    # ------------------------------------------------------------ comments and rating

    def comment(self, caller: Principal, feedback_id: str, body: str, request_id: str | None = None) -> CommentView:
        """The item's citizen or the commune's staff (who reply as "the commune") add a comment."""
        feedback, _ = self._load(caller, feedback_id)
        staff = caller.kind == "staff"
        now = self._clock()
        comment = Comment(
            id=f"{int(now.timestamp() * 1000):013d}{secrets.token_hex(4)}",
            feedback_id=feedback.id,
            commune_id=feedback.commune_id,
            author="staff" if staff else "citizen",
            author_id=caller.subject_id,
            body=body,
            created_at=now,
        )
        audit = (
            AuditRecord(
                actor_id=caller.subject_id,
                actor_role=caller.primary_role,
                action="feedback.comment",
                target=f"feedback/{feedback.id}",
                after={"comment_id": comment.id},
                request_id=request_id,
            )
            if staff
            else None
        )
        self._store.add_comment(comment, audit)
        return CommentView.of(comment)

    def set_comment_hidden(
        self, caller: Principal, feedback_id: str, comment_id: str, hidden: bool, request_id: str | None = None
    ) -> CommentView:
        """Moderation: hide a comment from the citizen (or show it again); audited."""
        comment = self._store.get_comment(caller.commune_id, feedback_id, comment_id)
        if comment is None:
            raise NotFoundError("Không tìm thấy bình luận này.", "No such comment.")
        after = comment.model_copy(update={"hidden": hidden})
        audit = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action="feedback.moderate",
            target=f"feedback/{feedback_id}/comment/{comment_id}",
            before={"hidden": comment.hidden},
            after={"hidden": hidden},
            request_id=request_id,
        )
        self._store.set_comment(after, audit)
        return CommentView.of(after)

    def rate(self, caller: Principal, feedback_id: str, stars: int, comment: str | None) -> FeedbackView:
        """The citizen rates the resolution once, 1–5, when it is resolved, approved or published."""
        before, comments = self._load(caller, feedback_id)
        if before.rating is not None:
            raise ConflictError("Bạn đã đánh giá phản ánh này rồi.", "You have already rated this feedback.")
        if before.status not in RATEABLE_STATUSES:
            raise ConflictError(
                f"Chỉ đánh giá được khi đã có kết quả xử lý (hiện tại: «{STATUS_LABELS_VI[before.status]}»).",
                "You can rate only once there is a result.",
            )
        now = self._clock()
        after = before.model_copy(
            update={
                "rating": Rating(stars=stars, comment=comment, at=now),
                "updated_at": now,
                "version": before.version + 1,
            }
        )
        public = self.public_view(after) if after.status == "published" else None
        self._store.update(
            before, after, counter_deltas(before, after), audit=None, public=public, search=self._search(after)
        )
        return self.view(after, comments)
