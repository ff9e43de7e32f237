"""When a bulletin plays: a schedule's occurrences in Vietnam time and the scheduler's minute buckets.

Its own room because schedule arithmetic is pure calendar code with no bulletin state: the service checks and
advances schedules with it, the storage indexes pending plays by ``minute_bucket`` and the scheduler Lambda asks
for the buckets to fire.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from smartcommune.core.contracts import VN_TZ

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Schedule


def _vn(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=VN_TZ)


def next_occurrence(schedule: Schedule, after: datetime) -> datetime | None:
    """The first play strictly after ``after`` (``None`` when the schedule has no more, or plays 'now').

    Vietnam keeps UTC+7 all year (no daylight saving), so a slot is the same UTC time every day.
    """
    if schedule.kind == "once":
        assert schedule.at is not None
        return schedule.at if schedule.at > after else None
    if schedule.kind != "recurring":
        return None
    assert schedule.start_date is not None and schedule.end_date is not None
    day = max(schedule.start_date, after.astimezone(VN_TZ).date())
    while day <= schedule.end_date:
        if not schedule.weekdays or day.isoweekday() in schedule.weekdays:
            for hhmm in schedule.times:
                moment = _vn(day, hhmm)
                if moment > after:
                    return moment
        day += timedelta(days=1)
    return None


def expand(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Every play in ``(start, end]`` (previews and tests)."""
    out: list[datetime] = []
    cursor = start
    while (moment := next_occurrence(schedule, cursor)) is not None and moment <= end:
        out.append(moment)
        cursor = moment
    return out


def minute_bucket(moment: datetime) -> str:
    """The UTC minute a play is due in, as the scheduler's index key: ``2026-11-29T06:00``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
