"""The state and shared helpers of :class:`~smartcommune.feedback.logic.feedback.FeedbackService`: its ports, the
briefly cached reference data (communes, fields), the views of an item, loading an item for a caller, its search
words and the status SMS.

Its own room because every part of the service builds on these: the parts (:mod:`.submission`, :mod:`.reading`,
:mod:`.workflow`, :mod:`.comments`) are mixins on :class:`FeedbackBase`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import Role
from smartcommune.core.errors import NotFoundError
from smartcommune.feedback.contracts.records import DEFAULT_FIELDS, STATUS_LABELS_VI, FeedbackField
from smartcommune.feedback.contracts.views import CommentView, FeedbackView, InboxItem, PhotoView, PublicFeedback
from smartcommune.feedback.logic.codes import public_search_text, status_sms, texted
from smartcommune.feedback.logic.messages import invalid, not_found
from smartcommune.feedback.logic.photos import DOWNLOAD_TTL_S
from smartcommune.feedback.logic.rules import acting_unit, is_overdue, remaining_hours

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.feedback.contracts.records import Comment, Feedback
    from smartcommune.feedback.contracts.requests import FieldUpdate
    from smartcommune.feedback.logic.ports import Citizens, CommuneStore, FeedbackStore, MediaStore, Signer, SmsGateway

CACHE_TTL_S = 60.0


class FeedbackBase:
    """What every part of the feedback service shares; :class:`FeedbackService` joins the parts (mixins on this)."""

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
            raise invalid("field_code", f"Lĩnh vực không hợp lệ. Chọn một trong: {names}.", "Unknown field.")
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

    # ------------------------------------------------------------ used by every part

    def _load(self, caller: Principal, feedback_id: str) -> tuple[Feedback, list[Comment]]:
        """The item and its comments, if the caller may see it; else 404, exactly as for an id that does not exist.

        A citizen sees their own items; staff see what their inbox lists (:func:`~.rules.acting_unit`).
        """
        found = self._store.get_with_comments(caller.commune_id, feedback_id)
        if found is None:
            raise not_found()
        feedback, comments = found
        if caller.kind == "citizen" and feedback.citizen_id != caller.subject_id:
            raise not_found()  # another citizen's feedback does not exist for this caller
        if caller.kind == "staff" and acting_unit(feedback, caller.roles) is None:
            raise not_found()  # nor does another unit's: a 403 would confirm the id
        return feedback, comments

    def _search(self, feedback: Feedback) -> str:
        return public_search_text(feedback, self._field_name(feedback.commune_id, feedback.field_code))

    def _notify(self, commune: Commune, feedback: Feedback, action: str = "submit") -> None:
        """Queue the status SMS to the citizen's own verified phone (the change is already stored; a queue failure
        must not undo it). A contact stated through Open311 is never texted: its owner never proved it.

        Only the steps a citizen waits for are texted (:func:`texted`), never to a citizen who chose the portal
        only, and one item's news queued close together reach them as one SMS, the newest (the SMS thread of the
        item, ordered by its version).
        """
        if not feedback.citizen_id or not texted(feedback, action):
            return
        citizen = self._citizens.get(feedback.commune_id, feedback.citizen_id)
        if citizen is None or not citizen.phone or citizen.status_updates == "portal":
            return
        try:
            self._sms.send(
                citizen.phone,
                status_sms(commune, feedback, action),
                "feedback_status",
                thread=f"feedback:{feedback.id}",
                order=feedback.version,
            )
        except Exception:
            from smartcommune.core.observability import logger

            logger.exception("feedback status SMS could not be queued", extra={"feedback_id": feedback.id})
