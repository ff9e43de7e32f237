"""Turn pydantic validation errors into messages a person can act on, Vietnamese first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.core.errors import FieldProblem, InvalidInputError

if TYPE_CHECKING:
    from pydantic import ValidationError

# Our own value errors (raised inside validators) carry a short key; pydantic's carry an error type.
_CUSTOM: dict[str, tuple[str, str]] = {
    "phone": (
        "Số điện thoại di động Việt Nam không hợp lệ (ví dụ 0912 345 678 hoặc +84912345678).",
        "Not a valid Vietnamese mobile number (e.g. 0912 345 678 or +84912345678).",
    ),
    "cccd": (
        "Số CCCD phải gồm đúng 12 chữ số, bắt đầu bằng mã tỉnh hợp lệ.",
        "A citizen ID (CCCD) has exactly 12 digits and starts with a valid province code.",
    ),
    "work_phone": (
        "Số điện thoại công vụ không hợp lệ: số di động hoặc số máy bàn có mã vùng (ví dụ 0228 3877 123).",
        "Not a valid work phone: a mobile number or a landline with its area code (e.g. 0228 3877 123).",
    ),
    "email": ("Địa chỉ thư điện tử không hợp lệ.", "Not a valid e-mail address."),
    "school_year": (
        "Năm học viết dạng 2026-2027 (hai năm liền nhau).",
        "A school year is written 2026-2027 (two consecutive years).",
    ),
    "classes_exceed_pupils": ("Số lớp không được lớn hơn số học sinh.", "There cannot be more classes than pupils."),
    "classes_required": ("Trường có học sinh thì có ít nhất 1 lớp.", "Pupils need at least one class."),
}


def _message(error: Any) -> tuple[str, str]:
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    if kind == "value_error":
        original = str(ctx.get("error", ""))
        if original in _CUSTOM:
            return _CUSTOM[original]
        return (f"Giá trị không hợp lệ: {original}.", f"Invalid value: {original}.")
    table: dict[str, tuple[str, str]] = {
        "missing": ("Thiếu thông tin bắt buộc.", "This field is required."),
        "extra_forbidden": ("Trường này không được phép.", "This field is not allowed."),
        "string_too_short": (
            f"Cần ít nhất {ctx.get('min_length')} ký tự.",
            f"Needs at least {ctx.get('min_length')} characters.",
        ),
        "string_too_long": (
            f"Tối đa {ctx.get('max_length')} ký tự.",
            f"At most {ctx.get('max_length')} characters.",
        ),
        "string_pattern_mismatch": ("Sai định dạng.", "Wrong format."),
        "string_type": ("Phải là chuỗi ký tự.", "Must be text."),
        "int_parsing": ("Phải là số nguyên.", "Must be a whole number."),
        "int_type": ("Phải là số nguyên.", "Must be a whole number."),
        "float_parsing": ("Phải là số.", "Must be a number."),
        "bool_parsing": ("Phải là đúng/sai (true/false).", "Must be true or false."),
        "greater_than_equal": (f"Phải từ {ctx.get('ge')} trở lên.", f"Must be at least {ctx.get('ge')}."),
        "less_than_equal": (f"Không được vượt quá {ctx.get('le')}.", f"Must be at most {ctx.get('le')}."),
        "greater_than": (f"Phải lớn hơn {ctx.get('gt')}.", f"Must be greater than {ctx.get('gt')}."),
        "less_than": (f"Phải nhỏ hơn {ctx.get('lt')}.", f"Must be less than {ctx.get('lt')}."),
        "enum": (
            f"Chỉ nhận một trong các giá trị: {ctx.get('expected')}.",
            f"Must be one of: {ctx.get('expected')}.",
        ),
        "literal_error": (
            f"Chỉ nhận một trong các giá trị: {ctx.get('expected')}.",
            f"Must be one of: {ctx.get('expected')}.",
        ),
        "too_long": (
            f"Tối đa {ctx.get('max_length')} mục.",
            f"At most {ctx.get('max_length')} items.",
        ),
        "too_short": (
            f"Cần ít nhất {ctx.get('min_length')} mục.",
            f"Needs at least {ctx.get('min_length')} items.",
        ),
        "model_type": ("Phải là một đối tượng JSON.", "Must be a JSON object."),
        "dict_type": ("Phải là một đối tượng JSON.", "Must be a JSON object."),
        "list_type": ("Phải là một danh sách.", "Must be a list."),
        "date_from_datetime_parsing": ("Ngày không hợp lệ (yyyy-mm-dd).", "Invalid date (yyyy-mm-dd)."),
        "date_parsing": ("Ngày không hợp lệ (yyyy-mm-dd).", "Invalid date (yyyy-mm-dd)."),
        "datetime_parsing": ("Thời điểm không hợp lệ (ISO 8601).", "Invalid date-time (ISO 8601)."),
        "datetime_from_date_parsing": ("Thời điểm không hợp lệ (ISO 8601).", "Invalid date-time (ISO 8601)."),
        "uuid_parsing": ("Mã định danh không hợp lệ.", "Invalid identifier."),
    }
    return table.get(kind, ("Giá trị không hợp lệ.", f"Invalid value ({error.get('msg', kind)})."))


def problems_from(exc: ValidationError) -> list[FieldProblem]:
    """One :class:`FieldProblem` per pydantic error, with a dotted field path."""
    problems = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "body"
        vi, en = _message(error)
        problems.append(FieldProblem(field=field, message=vi, message_en=en))
    return problems


def invalid_input(exc: ValidationError) -> InvalidInputError:
    """The domain error for a failed validation, listing every field at fault."""
    return InvalidInputError(
        "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu.",
        "The input is not valid; please check the fields listed.",
        details=problems_from(exc),
    )
