"""Trend warnings: the last 30 days against the mean of the three 30-day windows before, with a floor, in words."""

from __future__ import annotations

from datetime import date, timedelta

from smartcommune.operations.logic.trends import rising, rising_all, window_sums

END = date(2026, 12, 3)


def _daily(per_window: list[int]) -> dict[date, int]:
    """Counts put on the first day of each 30-day window, oldest window first."""
    out = {}
    for k, n in enumerate(reversed(per_window)):
        out[END - timedelta(days=30 * k)] = n
    return out


def test_window_sums_cover_consecutive_30_day_windows():
    daily = {END: 1, END - timedelta(days=29): 2, END - timedelta(days=30): 4, END - timedelta(days=119): 8}
    assert window_sums(daily, END) == [8, 0, 4, 3]


def test_a_field_rising_by_half_and_three_more_warns_with_its_method():
    warning = rising("roads", "Đường giao thông", _daily([4, 6, 5, 12]), END)
    assert warning is not None
    assert (warning.current, warning.baseline_mean, warning.change_pct) == (12, 5.0, 140.0)
    assert "30 ngày gần nhất (đến 03/12/2026): 12" in warning.method_vi
    assert "trung bình 3 kỳ 30 ngày trước đó: 5,0" in warning.method_vi


def test_small_or_steady_numbers_do_not_warn():
    assert rising("a", "A", _daily([1, 1, 1, 3]), END) is None  # tripled, but only 2 more
    assert rising("b", "B", _daily([10, 10, 10, 14]), END) is None  # 4 more, but under +50%
    assert rising("c", "C", {}, END) is None


def test_the_steepest_rise_comes_first():
    found = rising_all(
        {"x": ("X", _daily([4, 4, 4, 8])), "y": ("Y", _daily([0, 0, 0, 5])), "z": ("Z", _daily([5, 5, 5, 5]))},
        END,
    )
    assert [w.indicator for w in found] == ["y", "x"]
