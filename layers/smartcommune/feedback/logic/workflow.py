"""The handling workflow: one step of the state machine (:data:`~smartcommune.feedback.logic.rules.RULES`) taken
on the version the staff member saw, audited, with an SMS to the citizen on every change of status.

Its own room because each action has its own checks and changes (:meth:`WorkflowMixin._apply`), and a step is one
conditional write together with its audit entry and counters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError
from smartcommune.feedback.contracts.records import TimelineEntry
from smartcommune.feedback.logic.base import FeedbackBase
from smartcommune.feedback.logic.counters import counter_deltas
from smartcommune.feedback.logic.messages import forbidden, invalid
from smartcommune.feedback.logic.rules import ACTION_ROLES, RULES, acting_role

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.feedback.contracts.records import Feedback
    from smartcommune.feedback.contracts.requests import ActionRequest
    from smartcommune.feedback.contracts.views import FeedbackView


class WorkflowMixin(FeedbackBase):
    """The workflow part of :class:`~smartcommune.feedback.logic.feedback.FeedbackService`."""

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
                "tracking_code": after.tracking_code,  # what the audit log shows staff, not the raw id
            },
            request_id=request_id,
        )
        public = self.public_view(after) if after.status == "published" else None
        self._store.update(
            before, after, counter_deltas(before, after), audit=audit, public=public, search=self._search(after)
        )
        if after.status != before.status or after.unit != before.unit:
            self._notify(self._commune(caller.commune_id), after, request.action)
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
                raise invalid("unit", "Cần chọn đơn vị xử lý.", "Choose the handling unit.")
            if action == "transfer" and request.unit == before.unit.value:
                raise invalid("unit", "Phản ánh đang ở đơn vị này rồi.", "The feedback is already with this unit.")
            changes["unit"] = Role(request.unit)
        elif action == "progress":
            if not note:
                raise invalid("note", "Cần ghi nội dung tiến độ.", "A progress note is required.")
        elif action == "resolve":
            if not request.result:
                raise invalid("result", "Cần ghi kết quả xử lý.", "The result is required.")
            changes.update(
                result=request.result, resolved_at=now, resolved_by=caller.subject_id, resolved_role=role.value
            )
            note = request.result
        elif action == "approve":
            if before.resolved_by == caller.subject_id:
                raise forbidden(
                    "Người đã xử lý không thể tự phê duyệt kết quả; cần một cán bộ khác.",
                    "The person who resolved it cannot approve it; another staff member must.",
                )
        elif action == "publish":
            changes["published_at"] = now
        elif action == "reject":
            if not request.reason:
                raise invalid("reason", "Cần ghi lý do không tiếp nhận (công dân sẽ thấy).", "A reason is required.")
            changes["rejection_reason"] = request.reason
            note = request.reason
        elif action == "duplicate":
            if not request.duplicate_of:
                raise invalid("duplicate_of", "Cần ghi mã phản ánh bị trùng.", "Name the original feedback.")
            original = self._store.get(before.commune_id, request.duplicate_of)
            if original is None or original.id == before.id:
                raise invalid("duplicate_of", "Không tìm thấy phản ánh gốc này.", "No such original feedback.")
            changes["duplicate_of"] = original.tracking_code
            note = f"Trùng với {original.tracking_code}" + (f": {request.reason}" if request.reason else "")
        entry = TimelineEntry(at=now, status=rule.target, action=action, actor_role=role.value, note=note)
        changes["timeline"] = [*before.timeline, entry]
        return before.model_copy(update=changes)
