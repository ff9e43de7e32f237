"""The editorial workflow of news articles, pure: who may take which step from which status.

Authors (culture, office) write drafts and send them for review; the reviewer (the chairman's office, admin)
publishes, sends back with a note, unpublishes or archives. Nobody publishes their own article.

    draft ──submit──► in_review ──publish──► published ──unpublish──► unpublished ──reopen──► draft
      ▲                  │                                                 │
      └─────return───────┘                     archive: from draft, published or unpublished (final)
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, FieldProblem, ForbiddenError, InvalidInputError

AUTHORS: frozenset[Role] = frozenset({Role.CULTURE, Role.OFFICE})
REVIEWERS: frozenset[Role] = frozenset({Role.ADMIN})
EDITABLE = frozenset({"draft"})

STATUS_VI = {
    "draft": "bản nháp",
    "in_review": "chờ duyệt",
    "published": "đã đăng",
    "unpublished": "đã gỡ",
    "archived": "đã lưu trữ",
}


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str
    roles: frozenset[Role]
    needs_note: bool = False


STEPS: dict[str, Step] = {
    "submit": Step(frozenset({"draft"}), "in_review", AUTHORS),
    "return": Step(frozenset({"in_review"}), "draft", REVIEWERS, needs_note=True),
    "publish": Step(frozenset({"in_review", "unpublished"}), "published", REVIEWERS),
    "unpublish": Step(frozenset({"published"}), "unpublished", REVIEWERS, needs_note=True),
    "reopen": Step(frozenset({"unpublished"}), "draft", AUTHORS),
    "archive": Step(frozenset({"draft", "published", "unpublished"}), "archived", REVIEWERS),
}


def check_step(action: str, status: str, roles: frozenset[Role], note: str | None, *, own_article: bool) -> str:
    """The status ``action`` leads to, or the error that refuses it (Vietnamese first)."""
    step = STEPS[action]
    if not roles & step.roles:
        who = "người duyệt (lãnh đạo UBND xã)" if step.roles == REVIEWERS else "người viết bài (văn hóa, văn phòng)"
        raise ForbiddenError(
            f"Chỉ {who} được thực hiện bước này.",
            f"Only the {'reviewer' if step.roles == REVIEWERS else 'author'} may take this step.",
        )
    if status not in step.sources:
        raise ConflictError(
            f"Bài viết đang ở trạng thái {STATUS_VI.get(status, status)}, không thể thực hiện bước này.",
            f"The article is {status}; this step is not possible now.",
        )
    if action == "publish" and own_article:
        raise ForbiddenError(
            "Không được tự duyệt đăng bài của chính mình; cần một người khác duyệt.",
            "Nobody may publish their own article; another person must review it.",
        )
    if step.needs_note and not (note and note.strip()):
        raise InvalidInputError(
            "Vui lòng ghi lý do.",
            "Please give a reason.",
            details=[FieldProblem("note", "Vui lòng ghi lý do.", "A reason is required.")],
        )
    return step.target


def check_edit(status: str, roles: frozenset[Role]) -> None:
    """Only authors edit, and only drafts (a published article is unpublished and reopened first)."""
    if not roles & AUTHORS:
        raise ForbiddenError("Chỉ người viết bài được sửa bài.", "Only authors edit articles.")
    if status not in EDITABLE:
        raise ConflictError(
            f"Bài viết đang ở trạng thái {STATUS_VI.get(status, status)}; chỉ sửa được bản nháp.",
            f"The article is {status}; only drafts can be edited.",
        )
