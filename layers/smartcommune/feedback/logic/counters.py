"""Statistics counters: what each change of an item adds to the per-day and current-total counter items, and the
statistics added up from them.

Its own room because the counters are written in the same transactions as the items (so statistics are a key-range
query, never a scan), and their names are shared with the storage adapter and the demo data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from smartcommune.feedback.contracts.records import STATUSES
from smartcommune.feedback.contracts.views import FeedbackStats, TrendPoint
from smartcommune.feedback.logic.rules import vn_day

if TYPE_CHECKING:
    from smartcommune.feedback.contracts.records import Feedback


SATISFIED_STARS = 4
"""A rating of this many stars or more counts as satisfied (the criterion 1.2 reading)."""


def _status_keys(feedback: Feedback) -> list[str]:
    return [f"s_{feedback.status}", f"us_{feedback.unit.value}__{feedback.status}"]


@dataclass
class CounterDeltas:
    """Additions to the counter items: per Vietnam day (``days``) and the commune's current totals (``totals``).

    Day items hold, for the items *received* that day: ``received``, ``rf_<field>``, ``rh_<hamlet>``,
    ``ru_<unit>``, ``s_<status>`` (their current status); and the events of that day: ``resolved``,
    ``resolved_on_time``, ``rating_sum``, ``rating_count``, and per field and per unit the ratings' star sum,
    count and satisfied count (``rsf_``/``rcf_``/``rpf_<field>``, ``rsu_``/``rcu_``/``rpu_<unit>``). Totals hold
    ``s_<status>`` and ``us_<unit>__<status>`` over every item, for the inbox counts.
    """

    days: dict[date, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def add_day(self, day: date, name: str, value: int) -> None:
        bucket = self.days.setdefault(day, {})
        bucket[name] = bucket.get(name, 0) + value

    def add_total(self, name: str, value: int) -> None:
        self.totals[name] = self.totals.get(name, 0) + value

    def pruned(self) -> CounterDeltas:
        days = {d: {k: v for k, v in c.items() if v} for d, c in self.days.items()}
        return CounterDeltas(
            days={d: c for d, c in days.items() if c}, totals={k: v for k, v in self.totals.items() if v}
        )


def counter_deltas(before: Feedback | None, after: Feedback) -> CounterDeltas:
    """What a change from ``before`` (``None``: a new item) to ``after`` adds to the counters."""
    out = CounterDeltas()
    created = vn_day(after.created_at)
    if before is None:
        out.add_day(created, "received", 1)
        out.add_day(created, f"rf_{after.field_code}", 1)
        if after.hamlet_id:
            out.add_day(created, f"rh_{after.hamlet_id}", 1)
    else:
        out.add_day(created, f"ru_{before.unit.value}", -1)
        out.add_day(created, f"s_{before.status}", -1)
        for key in _status_keys(before):
            out.add_total(key, -1)
    out.add_day(created, f"ru_{after.unit.value}", 1)
    out.add_day(created, f"s_{after.status}", 1)
    for key in _status_keys(after):
        out.add_total(key, 1)
    if after.resolved_at is not None and (before is None or before.resolved_at is None):
        day = vn_day(after.resolved_at)
        out.add_day(day, "resolved", 1)
        out.add_day(day, "resolved_on_time", 1 if after.resolved_at <= after.deadline_at else 0)
    if after.rating is not None and (before is None or before.rating is None):
        day = vn_day(after.rating.at)
        out.add_day(day, "rating_sum", after.rating.stars)
        out.add_day(day, "rating_count", 1)
        # Satisfaction by field and by handling unit (the dashboard's drill-down), without reading the items
        positive = 1 if after.rating.stars >= SATISFIED_STARS else 0
        for group, key in (("f", after.field_code), ("u", after.unit.value)):
            out.add_day(day, f"rs{group}_{key}", after.rating.stars)
            out.add_day(day, f"rc{group}_{key}", 1)
            out.add_day(day, f"rp{group}_{key}", positive)
    return out.pruned()


def stats_from(days: dict[date, dict[str, int]], start: date, end: date) -> FeedbackStats:
    """Add up the day counters between ``start`` and ``end`` (inclusive)."""

    def group(prefix: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for counters in days.values():
            for name, value in counters.items():
                if name.startswith(prefix):
                    out[name[len(prefix) :]] = out.get(name[len(prefix) :], 0) + value
        return {k: v for k, v in sorted(out.items()) if v}

    def total(name: str) -> int:
        return sum(c.get(name, 0) for c in days.values())

    resolved, on_time = total("resolved"), total("resolved_on_time")
    rating_sum, rating_count = total("rating_sum"), total("rating_count")
    trend = []
    day = start
    while day <= end:
        counters = days.get(day, {})
        trend.append(TrendPoint(day=day, received=counters.get("received", 0), resolved=counters.get("resolved", 0)))
        day += timedelta(days=1)
    by_status = group("s_")
    return FeedbackStats(
        from_=start,
        to=end,
        received=total("received"),
        by_field=group("rf_"),
        by_unit=group("ru_"),
        by_hamlet=group("rh_"),
        by_status={s: by_status.get(s, 0) for s in STATUSES},
        resolved=resolved,
        on_time_rate=round(on_time / resolved, 4) if resolved else None,
        average_rating=round(rating_sum / rating_count, 2) if rating_count else None,
        ratings_count=rating_count,
        trend=trend,
    )
