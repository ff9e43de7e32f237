"""Checks on a value staff enter: within the indicator's range, of its kind, and explained when it moved a lot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.errors import FieldProblem, InvalidInputError

if TYPE_CHECKING:
    from smartcommune.reporting.contracts import Indicator, IndicatorValue


def problems(
    indicator: Indicator, value: float, last: IndicatorValue | None, explanation: str | None
) -> list[tuple[str, str]]:
    """What is wrong with ``value`` (Vietnamese, English), empty if it may be saved."""
    out: list[tuple[str, str]] = []
    if indicator.unit == "dat" and value not in (0, 1):
        out.append(("Chỉ tiêu Đạt/Chưa đạt: nhập 1 (Đạt) hoặc 0 (Chưa đạt).", "Met/not met: enter 1 or 0."))
    if indicator.unit == "count" and value != int(value):
        out.append(("Chỉ tiêu đếm: nhập số nguyên.", "A count: enter a whole number."))
    if value < indicator.min_value:
        out.append((f"Giá trị không được nhỏ hơn {indicator.min_value:g}.", f"At least {indicator.min_value:g}."))
    if indicator.max_value is not None and value > indicator.max_value:
        out.append((f"Giá trị không được lớn hơn {indicator.max_value:g}.", f"At most {indicator.max_value:g}."))
    if (
        not out
        and indicator.max_change is not None
        and last is not None
        and last.value is not None
        and abs(value - last.value) > indicator.max_change
        and not (explanation and explanation.strip())
    ):
        change = value - last.value
        out.append(
            (
                f"Thay đổi {change:+g} so với kỳ {last.period} ({last.value:g}) vượt mức {indicator.max_change:g}: "
                "hãy ghi giải thích.",
                f"A change of {change:+g} since {last.period} ({last.value:g}) exceeds {indicator.max_change:g}: "
                "add an explanation.",
            )
        )
    return out


def refuse(found: list[tuple[str, tuple[str, str]]]) -> InvalidInputError:
    """The error for entries that break a rule: (field, (Vietnamese, English)) each."""
    return InvalidInputError(
        "Giá trị nhập chưa hợp lệ, vui lòng kiểm tra các chỉ tiêu được nêu.",
        "Some entered values are not valid; please check the indicators listed.",
        details=[FieldProblem(field, vi, en) for field, (vi, en) in found],
    )
