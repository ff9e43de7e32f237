"""Citizen feedback (phản ánh, kiến nghị): the stored record, what citizens and staff send, and what they see.

``docs/feedback-contract.md`` is the contract these models implement; Open311 and the pages build on it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from smartcommune.core.contracts import Contract, Role

FeedbackStatus = Literal[
    "received", "assigned", "in_progress", "resolved", "approved", "published", "rejected", "duplicate"
]
STATUSES: tuple[FeedbackStatus, ...] = (
    "received",
    "assigned",
    "in_progress",
    "resolved",
    "approved",
    "published",
    "rejected",
    "duplicate",
)
OPEN_STATUSES: frozenset[str] = frozenset({"received", "assigned", "in_progress"})
RATEABLE_STATUSES: frozenset[str] = frozenset({"resolved", "approved", "published"})

STATUS_LABELS_VI: dict[str, str] = {
    "received": "Đã tiếp nhận",
    "assigned": "Đã chuyển đơn vị xử lý",
    "in_progress": "Đang xử lý",
    "resolved": "Đã có kết quả xử lý",
    "approved": "Kết quả đã được phê duyệt",
    "published": "Đã công khai kết quả",
    "rejected": "Không tiếp nhận",
    "duplicate": "Trùng với phản ánh khác",
}

ActionName = Literal["assign", "transfer", "start", "progress", "resolve", "approve", "publish", "reject", "duplicate"]
Channel = Literal["web", "open311"]
# The roles a feedback item can be handled by (admin leads; it is not a handling unit).
UnitName = Literal["office", "police", "environment", "infrastructure", "health", "school", "culture"]

FIELD_CODE = r"^[a-z][a-z0-9_]{1,39}$"
HAMLET_ID = r"^[a-z0-9-]{1,40}$"
FEEDBACK_ID = r"^[0-9a-f]{32}$"
IDEMPOTENCY_KEY = r"^[A-Za-z0-9._:-]{8,64}$"
UPLOAD_ID = r"^[0-9a-f]{40}$"

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PhotoType = Literal["image/jpeg", "image/png", "image/webp"]


class FeedbackField(BaseModel):
    """A field (lĩnh vực) of feedback, per commune: who handles it and how long they have."""

    code: str = Field(pattern=FIELD_CODE)
    name: str = Field(min_length=2, max_length=80)
    name_en: str = Field(min_length=2, max_length=80)
    unit: Role
    deadline_hours: int = Field(ge=1, le=24 * 90)
    active: bool = True
    open311_code: str = Field(pattern=r"^[A-Za-z0-9._-]{1,40}$")


def _field(code: str, name: str, name_en: str, unit: Role, hours: int) -> FeedbackField:
    return FeedbackField(code=code, name=name, name_en=name_en, unit=unit, deadline_hours=hours, open311_code=code)


DEFAULT_FIELDS: tuple[FeedbackField, ...] = (
    _field("security", "An ninh, trật tự", "Security and order", Role.POLICE, 72),
    _field("environment", "Môi trường, rác thải", "Environment and waste", Role.ENVIRONMENT, 120),
    _field("roads", "Đường giao thông", "Roads and traffic", Role.INFRASTRUCTURE, 168),
    _field("irrigation", "Thủy lợi, kênh mương", "Irrigation", Role.INFRASTRUCTURE, 168),
    _field("electricity", "Điện, chiếu sáng", "Electricity and lighting", Role.INFRASTRUCTURE, 120),
    _field("public_services", "Dịch vụ công, thủ tục hành chính", "Public services", Role.OFFICE, 120),
    _field("health", "Y tế", "Health", Role.HEALTH, 72),
    _field("education", "Giáo dục", "Education", Role.SCHOOL, 168),
    _field("other", "Khác", "Other", Role.OFFICE, 168),
)


class GeoPoint(Contract):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Photo(BaseModel):
    key: str
    content_type: str
    size_bytes: int


class TimelineEntry(BaseModel):
    """One step of an item's history as the citizen sees it (a role, never a staff member's name)."""

    at: datetime
    status: FeedbackStatus
    action: str
    actor_role: str
    note: str | None = None


class Rating(BaseModel):
    stars: int = Field(ge=1, le=5)
    comment: str | None = None
    at: datetime


class Feedback(BaseModel):
    """A feedback item as stored (personal data: ``citizen_id`` and the Open311 reporter fields)."""

    id: str
    tracking_code: str
    commune_id: str
    citizen_id: str | None
    field_code: str
    title: str
    description: str
    hamlet_id: str | None
    location: GeoPoint | None = None
    address: str | None = None
    photos: list[Photo] = Field(default_factory=list)
    media_url: str | None = None
    anonymous_public: bool = False
    status: FeedbackStatus = "received"
    unit: Role
    deadline_at: datetime
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    published_at: datetime | None = None
    result: str | None = None
    rejection_reason: str | None = None
    duplicate_of: str | None = None
    rating: Rating | None = None
    version: int = 1
    channel: Channel = "web"
    timeline: list[TimelineEntry] = Field(default_factory=list)
    # Who recorded the result, for the two-person rule of approval (never shown).
    resolved_by: str | None = None
    resolved_role: str | None = None
    # Open311 reporters without a citizen account (never shown publicly).
    reporter_name: str | None = None
    reporter_email: str | None = None
    reporter_phone: str | None = None


class Comment(BaseModel):
    id: str
    feedback_id: str
    commune_id: str
    author: Literal["citizen", "staff", "commune"]
    author_id: str
    body: str
    hidden: bool = False
    created_at: datetime


# ---------------------------------------------------------------- requests


class UploadRequest(Contract):
    """A citizen asks where to upload one photo."""

    content_type: PhotoType
    size_bytes: int = Field(ge=1, le=MAX_PHOTO_BYTES)


class NewFeedback(Contract):
    """``POST /feedback`` (with an ``Idempotency-Key`` header)."""

    field_code: str = Field(pattern=FIELD_CODE)
    title: str = Field(min_length=5, max_length=150)
    description: str = Field(min_length=10, max_length=4000)
    hamlet_id: str = Field(pattern=HAMLET_ID)
    location: GeoPoint | None = None
    upload_ids: list[str] = Field(default_factory=list, max_length=MAX_PHOTOS)
    anonymous_public: bool = False


class ActionRequest(Contract):
    """``POST /feedback/{id}/actions``: one workflow step, on the version the staff member saw."""

    action: ActionName
    expected_version: int = Field(ge=1)
    unit: UnitName | None = None
    note: str | None = Field(default=None, min_length=1, max_length=2000)
    result: str | None = Field(default=None, min_length=5, max_length=4000)
    reason: str | None = Field(default=None, min_length=5, max_length=1000)
    duplicate_of: str | None = Field(default=None, pattern=FEEDBACK_ID, description="id of the original item")


class CommentRequest(Contract):
    body: str = Field(min_length=1, max_length=2000)


class RatingRequest(Contract):
    stars: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)


class VisibilityRequest(Contract):
    hidden: bool


class FieldUpdate(Contract):
    """``PUT /communes/me/feedback-fields/{code}``: create or change one field."""

    name: str = Field(min_length=2, max_length=80)
    name_en: str = Field(min_length=2, max_length=80)
    unit: UnitName
    deadline_hours: int = Field(ge=1, le=24 * 90)
    active: bool = True
    open311_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{1,40}$")


class MyFeedbackQuery(Contract):
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=20, ge=1, le=50)


class InboxQuery(Contract):
    status: FeedbackStatus | None = None
    field: str | None = Field(default=None, pattern=FIELD_CODE)
    hamlet: str | None = Field(default=None, pattern=HAMLET_ID)
    unit: UnitName | None = None
    overdue: bool | None = None
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=20, ge=1, le=100)


class PublicQuery(Contract):
    field: str | None = Field(default=None, pattern=FIELD_CODE)
    hamlet: str | None = Field(default=None, pattern=HAMLET_ID)
    q: str | None = Field(default=None, max_length=100)
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=20, ge=1, le=50)


class StatsQuery(Contract):
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None


# ---------------------------------------------------------------- responses


class UploadTicket(BaseModel):
    """Where and how to PUT the photo: a presigned S3 URL on the site's own origin (``/media/…``)."""

    upload_id: str
    url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    expires_at: datetime


class PhotoView(BaseModel):
    key: str
    content_type: str
    size_bytes: int
    url: str


class CommentView(BaseModel):
    id: str
    author: Literal["citizen", "staff", "commune"]
    body: str
    hidden: bool
    created_at: datetime

    @classmethod
    def of(cls, comment: Comment) -> CommentView:
        author = "commune" if comment.author == "staff" else comment.author
        return cls(
            id=comment.id, author=author, body=comment.body, hidden=comment.hidden, created_at=comment.created_at
        )


class FeedbackView(BaseModel):
    """An item as its citizen and the commune's staff see it (comments only in ``GET /feedback/{id}``)."""

    id: str
    tracking_code: str
    commune_id: str
    citizen_id: str | None
    field_code: str
    field_name: str
    title: str
    description: str
    hamlet_id: str | None
    location: GeoPoint | None
    photos: list[PhotoView]
    anonymous_public: bool
    status: FeedbackStatus
    status_label: str
    unit: Role
    deadline_at: datetime
    remaining_hours: float | None
    overdue: bool
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    published_at: datetime | None
    result: str | None
    rejection_reason: str | None
    duplicate_of: str | None
    rating: Rating | None
    version: int
    channel: Channel
    timeline: list[TimelineEntry]
    comments: list[CommentView] = Field(default_factory=list)


class FeedbackPage(BaseModel):
    items: list[FeedbackView]
    next_cursor: str | None = None


class InboxItem(BaseModel):
    """One row of the staff inbox."""

    id: str
    tracking_code: str
    title: str
    field_code: str
    hamlet_id: str | None
    status: FeedbackStatus
    unit: Role
    channel: Channel
    created_at: datetime
    deadline_at: datetime
    remaining_hours: float | None
    overdue: bool
    version: int


class InboxCounts(BaseModel):
    by_status: dict[str, int]
    overdue: int


class InboxPage(BaseModel):
    """A page of the inbox; a page may hold fewer than ``limit`` items when filters are set (follow the cursor)."""

    items: list[InboxItem]
    next_cursor: str | None = None
    counts: InboxCounts


class PublicFeedback(BaseModel):
    """A published item for everyone: no citizen id, name, phone or CCCD; photos only if not anonymous."""

    id: str
    tracking_code: str
    field_code: str
    field_name: str
    hamlet_id: str | None
    title: str
    description: str
    status: FeedbackStatus
    result: str | None
    created_at: datetime
    resolved_at: datetime | None
    published_at: datetime | None
    rating_stars: int | None
    photos: list[str] = Field(default_factory=list)


class PublicPage(BaseModel):
    items: list[PublicFeedback]
    next_cursor: str | None = None


class FieldList(BaseModel):
    items: list[FeedbackField]


class TrendPoint(BaseModel):
    day: date
    received: int
    resolved: int


class FeedbackStats(BaseModel):
    """Statistics of the feedback received between ``from`` and ``to`` (Vietnam dates, inclusive)."""

    from_: date = Field(serialization_alias="from")
    to: date
    received: int
    by_field: dict[str, int]
    by_unit: dict[str, int]
    by_hamlet: dict[str, int]
    by_status: dict[str, int]
    resolved: int
    on_time_rate: float | None
    average_rating: float | None
    ratings_count: int
    trend: list[TrendPoint]
