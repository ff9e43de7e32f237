"""Bulletin rules: priorities and what they mean on air and in CAP, and who may draft and approve.

Its own room because the rules are read by every other bulletin module (the service, publication, the scheduler,
CAP rendering, the storage's slot index) and are the first thing a reviewer of the two-person rule looks for.

* **Two-person rule.** An editor drafts; a *different person* holding an approving role approves. Someone who
  drafted or last edited a bulletin cannot approve it, whatever roles they hold.
* **Priorities** (``normal`` < ``priority`` < ``emergency``) order the plays that fall in the same minute and
  travel in the play command; emergencies play at once at the emergency volume, repeated as set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smartcommune.core.contracts import Role
from smartcommune.core.errors import ForbiddenError

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Bulletin, Category, Priority
    from smartcommune.core.principal import Principal

PRIORITY_RANK: dict[Priority, int] = {"emergency": 0, "priority": 1, "normal": 2}
"""Lower plays first among items due in the same minute."""

DEFAULT_VOLUME: dict[Priority, int] = {"normal": 70, "priority": 80, "emergency": 100}

# Start the loudspeakers a little in the future so every one starts together (docs/broadcast-contract.md).
START_IN_MS: dict[Priority, int] = {"normal": 3000, "priority": 3000, "emergency": 1500}
# A command that could not be delivered within this time is never played (a stale bulletin misleads).
COMMAND_EXPIRES_S: dict[Priority, int] = {"normal": 15 * 60, "priority": 15 * 60, "emergency": 10 * 60}


@dataclass(frozen=True)
class CapCodes:
    urgency: str
    severity: str
    certainty: str


CAP_CODES: dict[Priority, CapCodes] = {
    "normal": CapCodes("Future", "Minor", "Likely"),
    "priority": CapCodes("Expected", "Moderate", "Likely"),
    "emergency": CapCodes("Immediate", "Severe", "Observed"),
}
"""Priority → CAP 1.2 urgency / severity / certainty (the table in docs/broadcast.md)."""

EDITOR_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE, Role.POLICE, Role.HEALTH})
APPROVER_ROLES: frozenset[Role] = frozenset({Role.ADMIN})
# Roles that draft only within their domain; the others draft anything.
DOMAIN_CATEGORIES: dict[Role, frozenset[str]] = {
    Role.POLICE: frozenset({"Security", "Safety", "Rescue", "Fire", "Transport"}),
    Role.HEALTH: frozenset({"Health"}),
}
GENERAL_EDITORS: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE})

AUDIO_TICKETS_PER_HOUR = 20
"""Recording uploads one staff member may start in an hour (each ticket is a presigned PUT of up to 20 MB)."""

PRIORITY_LABEL_VI: dict[Priority, str] = {"normal": "Thông báo", "priority": "Ưu tiên", "emergency": "KHẨN CẤP"}


def may_draft(roles: Iterable[Role], category: Category) -> bool:
    """Whether someone with ``roles`` may write a bulletin of ``category``."""
    held = set(roles)
    if held & GENERAL_EDITORS:
        return True
    return any(category in DOMAIN_CATEGORIES.get(role, frozenset()) for role in held)


def check_two_person_rule(caller: Principal, bulletin: Bulletin) -> None:
    """Refuse an approval by someone without an approving role, or by the bulletin's drafter or last editor."""
    if not caller.roles & APPROVER_ROLES:
        raise ForbiddenError(
            "Chỉ lãnh đạo UBND xã mới được duyệt bản tin.", "Only the commune leadership may approve bulletins."
        )
    if caller.subject_id in (bulletin.created_by, bulletin.edited_by):
        raise ForbiddenError(
            "Người soạn hoặc sửa bản tin không được tự duyệt; cần một người khác duyệt (nguyên tắc hai người).",
            "Whoever drafted or edited a bulletin may not approve it; another person must (two-person rule).",
        )
