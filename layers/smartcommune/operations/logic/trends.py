"""Trend warnings on indicators: the latest window against the mean of the windows before it, stated in words.

Pure. An indicator is a daily series (e.g. feedback received in one field); its last ``window`` days are compared
with the mean of the ``baseline`` windows of the same length just before. It warns when the latest window is at
least ``ratio`` times that mean *and* at least ``min_increase`` more (so 1 → 2 in a quiet field is no alarm).
"""

from __future__ import annotations

from datetime import date, timedelta

from smartcommune.operations.contracts import TrendWarning

WINDOW_DAYS = 30
BASELINE_WINDOWS = 3
RISE_RATIO = 1.5
MIN_INCREASE = 3


def window_sums(daily: dict[date, int], end: date, window: int = WINDOW_DAYS, count: int = 4) -> list[int]:
    """Sums of ``count`` consecutive ``window``-day windows ending on ``end``, oldest first."""
    sums = []
    for k in range(count - 1, -1, -1):
        last = end - timedelta(days=k * window)
        sums.append(sum(daily.get(last - timedelta(days=i), 0) for i in range(window)))
    return sums


def rising(
    indicator: str,
    label_vi: str,
    daily: dict[date, int],
    end: date,
    *,
    window: int = WINDOW_DAYS,
    baseline: int = BASELINE_WINDOWS,
    ratio: float = RISE_RATIO,
    min_increase: int = MIN_INCREASE,
) -> TrendWarning | None:
    """A warning if ``indicator`` rose in the latest window, else ``None``."""
    sums = window_sums(daily, end, window, baseline + 1)
    current, before = sums[-1], sums[:-1]
    mean = sum(before) / len(before)
    if current < mean * ratio or current - mean < min_increase:
        return None
    change = round((current - mean) / mean * 100, 1) if mean else None
    pct = f"{ratio * 100 - 100:g}".replace(".", ",")
    return TrendWarning(
        indicator=indicator,
        label_vi=label_vi,
        current=current,
        baseline_mean=round(mean, 1),
        change_pct=change,
        method_vi=(
            f"{window} ngày gần nhất (đến {end:%d/%m/%Y}): {current}; trung bình {baseline} kỳ {window} ngày trước đó: "
            f"{str(round(mean, 1)).replace('.', ',')}. Cảnh báo khi tăng từ {pct}% và thêm ít nhất {min_increase}."
        ),
    )


def rising_all(
    series: dict[str, tuple[str, dict[date, int]]],
    end: date,
    *,
    ratio: float = RISE_RATIO,
    min_increase: int = MIN_INCREASE,
) -> list[TrendWarning]:
    """Every indicator of ``series`` (indicator → (label, daily counts)) that is rising, the steepest first."""
    out = []
    for indicator, (label, daily) in series.items():
        found = rising(indicator, label, daily, end, ratio=ratio, min_increase=min_increase)
        if found is not None:
            out.append(found)
    return sorted(out, key=lambda w: (-(w.change_pct or 1e9), w.indicator))
