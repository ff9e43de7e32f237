"""Periods as the reports name them: ``YYYY-MM``, ``YYYY-Qn``, ``YYYY``; months in Vietnam time."""

from __future__ import annotations

from datetime import datetime

from smartcommune.core.contracts import VN_TZ
from smartcommune.reporting.contracts import period_type_of


def current_month(now: datetime) -> str:
    local = now.astimezone(VN_TZ)
    return f"{local.year:04d}-{local.month:02d}"


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def months_back(month: str, count: int) -> list[str]:
    """``count`` months ending with ``month``, oldest first."""
    out = [month]
    for _ in range(count - 1):
        out.append(previous_month(out[-1]))
    return list(reversed(out))


def last_month_of(period: str) -> str:
    """The last month a period covers: ``2026-Q3`` → ``2026-09``, ``2026`` → ``2026-12``."""
    kind = period_type_of(period)
    if kind == "monthly":
        return period
    if kind == "quarterly":
        return f"{period[:4]}-{int(period[-1]) * 3:02d}"
    return f"{period}-12"


def indicator_period(period: str, indicator_type: str) -> str:
    """The period of an indicator of ``indicator_type`` that a report for ``period`` reports.

    A yearly indicator in a monthly report is its year's value; a monthly indicator in a quarterly or yearly report
    is the value of the period's last month.
    """
    month = last_month_of(period)
    if indicator_type == "monthly":
        return month
    if indicator_type == "quarterly":
        if period_type_of(period) == "quarterly":
            return period
        return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
    return month[:4]


def previous_period(period: str) -> str:
    kind = period_type_of(period)
    if kind == "monthly":
        return previous_month(period)
    if kind == "quarterly":
        year, quarter = int(period[:4]), int(period[-1])
        return f"{year - 1:04d}-Q4" if quarter == 1 else f"{year:04d}-Q{quarter - 1}"
    return f"{int(period) - 1:04d}"


def period_label_vi(period: str) -> str:
    """``2026-11`` → ``tháng 11/2026``; ``2026-Q4`` → ``quý IV/2026``; ``2026`` → ``năm 2026``."""
    kind = period_type_of(period)
    if kind == "monthly":
        return f"tháng {int(period[5:7]):02d}/{period[:4]}"
    if kind == "quarterly":
        return f"quý {('I', 'II', 'III', 'IV')[int(period[-1]) - 1]}/{period[:4]}"
    return f"năm {period}"
