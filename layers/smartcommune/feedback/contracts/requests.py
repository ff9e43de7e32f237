"""What citizens and staff send about feedback: bodies and query strings of the feedback routes.

Its own room because these are the inputs the routes validate (their limits are part of the contract), while the
record (:mod:`.records`) and what callers see (:mod:`.views`) change for other reasons.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from smartcommune.core.contracts import CommuneId, Contract
from smartcommune.feedback.contracts.records import (
    FEEDBACK_ID,
    FIELD_CODE,
    HAMLET_ID,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    ActionName,
    FeedbackStatus,
    GeoPoint,
    PhotoType,
    UnitName,
)


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
    sort: Literal["newest", "deadline"] = Field(
        default="newest",
        description="newest: newest first; deadline: open items only, the nearest deadline first (overdue first)",
    )
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
    former: CommuneId | None = Field(
        default=None, description="only this former commune's figures (one merged into the caller's commune)"
    )
