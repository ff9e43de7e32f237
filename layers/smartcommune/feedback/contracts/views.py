"""What citizens, staff and everyone see of feedback: the item with its timeline, the inbox, the public listing,
statistics and the upload ticket.

Its own room because these are the responses (and the OpenAPI schemas) of the feedback routes; they are built from
the record (:mod:`.records`) and leave out what a reader may not see.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from smartcommune.core.contracts import ROLE_LABELS_VI, Role
from smartcommune.feedback.contracts.records import (
    Channel,
    Comment,
    FeedbackField,
    FeedbackStatus,
    GeoPoint,
    Rating,
    TimelineEntry,
)


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


CITIZEN_LABEL = "Người dân"
COMMUNE_LABEL = "UBND xã"  # a staff comment stored before the writer's unit was recorded


class CommentView(BaseModel):
    """A comment as the citizen and staff see it: which side wrote it and, for the commune, which unit (the
    person's id is never shown)."""

    id: str
    author: Literal["citizen", "staff", "commune"]
    author_unit: Role | None = Field(description="The unit (role) a staff member wrote as; null for the citizen")
    author_label: str = Field(description="Who wrote it, in Vietnamese: the unit's name (e.g. «Công an xã»)")
    body: str
    hidden: bool
    created_at: datetime

    @classmethod
    def of(cls, comment: Comment) -> CommentView:
        staff = comment.author != "citizen"
        unit = comment.author_unit if staff else None
        label = ROLE_LABELS_VI[unit] if unit is not None else (COMMUNE_LABEL if staff else CITIZEN_LABEL)
        return cls(
            id=comment.id,
            author="commune" if staff else "citizen",
            author_unit=unit,
            author_label=label,
            body=comment.body,
            hidden=comment.hidden,
            created_at=comment.created_at,
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
