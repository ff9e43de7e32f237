"""Comments, their moderation (staff hide a comment from the citizen or show it again), and the citizen's one
rating of the result.

Its own room because these are what the citizen and the commune say about an item beside the workflow: neither a
comment nor a rating changes the item's status.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.errors import ConflictError, NotFoundError
from smartcommune.feedback.contracts.records import RATEABLE_STATUSES, STATUS_LABELS_VI, Comment, Rating
from smartcommune.feedback.contracts.views import CommentView
from smartcommune.feedback.logic.base import FeedbackBase
from smartcommune.feedback.logic.counters import counter_deltas
from smartcommune.feedback.logic.rules import acting_unit

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.feedback.contracts.views import FeedbackView


class CommentsMixin(FeedbackBase):
    """The comments, moderation and rating part of :class:`~smartcommune.feedback.logic.feedback.FeedbackService`."""

    def comment(self, caller: Principal, feedback_id: str, body: str, request_id: str | None = None) -> CommentView:
        """The item's citizen, or staff who may see it, add a comment.

        A staff comment records the unit its writer acts as on this item (:func:`~.rules.acting_unit`: the handling
        unit if they are in it, else admin, office or culture); that unit's name is what the citizen sees.
        """
        feedback, _ = self._load(caller, feedback_id)
        unit = acting_unit(feedback, caller.roles) if caller.kind == "staff" else None
        now = self._clock()
        comment = Comment(
            id=f"{int(now.timestamp() * 1000):013d}{secrets.token_hex(4)}",
            feedback_id=feedback.id,
            commune_id=feedback.commune_id,
            author="citizen" if unit is None else "staff",
            author_id=caller.subject_id,
            author_unit=unit,
            body=body,
            created_at=now,
        )
        audit = (
            AuditRecord(
                actor_id=caller.subject_id,
                actor_role=unit,
                action="feedback.comment",
                target=f"feedback/{feedback.id}",
                after={"comment_id": comment.id},
                request_id=request_id,
            )
            if unit is not None
            else None
        )
        self._store.add_comment(comment, audit)
        return CommentView.of(comment)

    def set_comment_hidden(
        self, caller: Principal, feedback_id: str, comment_id: str, hidden: bool, request_id: str | None = None
    ) -> CommentView:
        """Moderation: hide a comment from the citizen (or show it again); audited. Only on an item the moderator
        may see (404 otherwise, as for reading it)."""
        feedback, comments = self._load(caller, feedback_id)
        comment = next((c for c in comments if c.id == comment_id), None)
        if comment is None:
            raise NotFoundError("Không tìm thấy bình luận này.", "No such comment.")
        after = comment.model_copy(update={"hidden": hidden})
        audit = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=acting_unit(feedback, caller.roles) or caller.primary_role,
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
