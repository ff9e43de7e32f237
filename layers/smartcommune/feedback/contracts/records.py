"""Citizen feedback as stored: statuses, field codes and limits, the fields (lĩnh vực) and the record itself.

Its own room because everything else (requests, views, logic, storage, Open311) builds on these names; the record
is what ``docs/feedback-contract.md`` calls the feedback item.
"""

from __future__ import annotations

from datetime import datetime
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


class ReporterContact(BaseModel):
    """The contact an Open311 client stated for the reporter. Nobody proved it: it never finds or makes a citizen
    account and is never texted; it is kept on the item for the staff (masked in any view), never shown publicly.
    """

    name: str | None = Field(default=None, max_length=121)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20, description="E.164, as stated")
    via: str = Field(description="the Open311 key (its id) that stated it")
    verified: Literal[False] = False


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
    # Open311: the reporter's stated contact (unverified; never an account, never texted, never shown publicly).
    reporter_contact: ReporterContact | None = None
    # Older Open311 records only (no longer written).
    reporter_name: str | None = None
    reporter_email: str | None = None
    reporter_phone: str | None = None


class Comment(BaseModel):
    """A comment as stored; ``author_id`` (the person) is never shown, ``author_unit`` (the role a staff member
    wrote as on this item) is; comments stored before units were recorded have none."""

    id: str
    feedback_id: str
    commune_id: str
    author: Literal["citizen", "staff", "commune"]
    author_id: str
    author_unit: Role | None = None
    body: str
    hidden: bool = False
    created_at: datetime
