"""The rules of handling feedback: who sees which items (the inbox and one item alike), the workflow state machine
and who may take each step, and deadlines.

Its own room because these are the decisions a reviewer checks against ``docs/feedback-contract.md``: one table,
:data:`RULES`, says which action leads from which statuses to which, and which roles may take it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.errors import ConflictError
from smartcommune.feedback.contracts.records import OPEN_STATUSES, STATUS_LABELS_VI
from smartcommune.feedback.logic.messages import forbidden

if TYPE_CHECKING:
    from smartcommune.feedback.contracts.records import Feedback

# Who sees every item of the commune (culture publishes, so it must find approved items too).
SEE_ALL: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE})
UNIT_ROLES: frozenset[Role] = frozenset(
    {Role.OFFICE, Role.POLICE, Role.ENVIRONMENT, Role.INFRASTRUCTURE, Role.HEALTH, Role.SCHOOL, Role.CULTURE}
)
MODERATORS: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE})


def acting_unit(feedback: Feedback, roles: frozenset[Role]) -> Role | None:
    """The role a staff member acts as on ``feedback``, or ``None`` when it is not theirs to see.

    The inbox's rule, for one item: the unit the item is with sees it (and replies as that unit); admin, office
    and culture see every item (as the first of those roles they hold). Reading an item, commenting on it,
    moderating its comments and taking a workflow step all go through this, so a unit finds exactly what its
    inbox lists.
    """
    if feedback.unit in roles:
        return feedback.unit
    leading = sorted(roles & SEE_ALL, key=list(Role).index)
    return leading[0] if leading else None


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


def acting_role(feedback: Feedback, action: str, roles: frozenset[Role]) -> Role:
    """The role ``roles`` take ``action`` on ``feedback`` in, or :class:`ForbiddenError`/:class:`ConflictError`.

    Checks, in order: that one of the roles may take this action at all (403), that the item's status allows it
    (409, naming the current status), that a unit acts only on its own items (403), and the two-person rule of
    approval: the approver's role and person differ from the resolver's (checked by the caller for the person).
    """
    rule = RULES[action]
    if not roles & ACTION_ROLES[action]:
        raise forbidden(
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
            raise forbidden(
                "Kết quả phải được phê duyệt bởi một vai trò khác với vai trò đã xử lý.",
                "The result must be approved by a role other than the one that resolved it.",
            )
    if not candidates:
        raise forbidden(
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
