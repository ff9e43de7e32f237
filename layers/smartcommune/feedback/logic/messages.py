"""The refusals the parts of the feedback service share: no such item, invalid input naming the field, forbidden.

Its own room because the rules, submission, reading and the workflow all answer with these, in the same words.
"""

from __future__ import annotations

from smartcommune.core.errors import FieldProblem, ForbiddenError, InvalidInputError, NotFoundError


def forbidden(vi: str, en: str) -> ForbiddenError:
    return ForbiddenError(vi, en)


def not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy phản ánh này.", "No such feedback.")


def invalid(field_name: str, vi: str, en: str) -> InvalidInputError:
    return InvalidInputError(
        "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu.",
        "The input is not valid; please check the fields listed.",
        details=[FieldProblem(field_name, vi, en)],
    )
