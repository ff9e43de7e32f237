"""The ports the feedback service is given: its store, the media bucket, communes, citizens, SMS and the signer.

Its own room because the storage adapters (``smartcommune.feedback.storage``) and the unit tests' in-memory fakes
implement these protocols, and they read more easily side by side than between the service's methods.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.citizens.contracts import Citizen
    from smartcommune.communes.contracts import Commune
    from smartcommune.feedback.contracts.records import Comment, Feedback, FeedbackField
    from smartcommune.feedback.contracts.views import PublicFeedback
    from smartcommune.feedback.logic.codes import IdempotencyRecord
    from smartcommune.feedback.logic.counters import CounterDeltas
    from smartcommune.feedback.logic.photos import UploadInfo


class FeedbackStore(Protocol):
    """Where feedback is kept (``feedback.storage.feedback.FeedbackRepository``; in memory in unit tests)."""

    def fields(self, commune_id: str) -> list[FeedbackField] | None: ...

    def save_fields(self, commune_id: str, fields: list[FeedbackField], audit: AuditRecord) -> None: ...

    def idempotent(self, commune_id: str, owner: str, key: str) -> IdempotencyRecord | None: ...

    def next_number(self, commune_id: str, year: int) -> int: ...

    def create(
        self,
        feedback: Feedback,
        deltas: CounterDeltas,
        idempotency: IdempotencyRecord | None,
        search: str,
        audit: AuditRecord | None = None,
    ) -> bool:
        """Store a new item with its counters, idempotency record and audit entry (one transaction); ``False`` if
        that key was taken meanwhile."""

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
        by_deadline: bool = False,
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

    def read(self, key: str) -> UploadInfo | None:
        """What is stored under ``key`` (its bytes up to ``MAX_PHOTO_BYTES + 1``); ``None`` if nothing is there."""

    def write(self, key: str, data: bytes, content_type: str) -> None:
        """Replace what is stored under ``key`` (the photo stripped of its metadata)."""


class CommuneStore(Protocol):
    def get(self, commune_id: str) -> Commune | None: ...


class Citizens(Protocol):
    def get(self, commune_id: str, citizen_id: str) -> Citizen | None: ...

    def find_by_phone(self, commune_id: str, phone: str) -> Citizen | None: ...

    def create(self, citizen: Citizen, audit: AuditRecord | None = None) -> Citizen: ...


class SmsGateway(Protocol):
    def send(
        self, phone_e164: str, text: str, purpose: str, thread: str | None = None, order: int | None = None
    ) -> None: ...


class Signer(Protocol):
    def hash(self, value: str) -> str: ...
