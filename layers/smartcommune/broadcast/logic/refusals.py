"""The wording of the refusals several bulletin modules share: changed meanwhile, and invalid input.

Its own room so one wording serves drafting, approval, statistics, the public feed and alert subscriptions.
"""

from __future__ import annotations

from smartcommune.core.errors import FieldProblem, InvalidInputError

STALE = (
    "Bản tin vừa được người khác thay đổi, vui lòng tải lại và thử lại.",
    "The bulletin was changed by someone else; reload and try again.",
)
"""An optimistic-lock refusal: the caller's version of the bulletin is out of date."""


def invalid(field: str, vi: str, en: str) -> InvalidInputError:
    """An invalid-input refusal naming one field (Vietnamese and English)."""
    return InvalidInputError(
        "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu.",
        "The input is not valid; please check the fields listed.",
        details=[FieldProblem(field, vi, en)],
    )
