"""EventBridge schedule expressions as the template writes them: ``rate(...)`` and six-field ``cron(...)``, in UTC.

The local stack's scheduler (``triggers.py``) fires each function's ``Schedule`` event at the moments these give.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, start=1)}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}  # AWS numbers Sunday 1
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_RATE_UNIT = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(ValueError):
    """A schedule expression EventBridge would refuse."""


def _upper(token: str) -> str:
    return token.strip().upper()


def _value(token: str, names: dict[str, int]) -> int:
    token = _upper(token)
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ScheduleError(f"not a number: {token}")
    return int(token)


def _field(spec: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """``*``, ``5``, ``1-5``, ``MON-FRI``, ``0/15``, ``10-50/10`` and lists of these."""
    names = names or {}
    out: set[int] = set()
    for item in spec.split(","):
        part, step = item, 1
        if "/" in item:
            part, step_text = item.split("/", 1)
            step = int(step_text)
            if step <= 0:
                raise ScheduleError("step must be positive")
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step != 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleError(f"{part} is out of {low}-{high}")
        out.update(range(start, end + 1, step))
    return out


@dataclass(frozen=True)
class Cron:
    """An AWS cron expression: minutes hours day-of-month month day-of-week year (UTC)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    dom: str
    months: frozenset[int]
    dow: str
    years: frozenset[int] | None

    @classmethod
    def parse(cls, text: str) -> Cron:
        parts = text.split()
        if len(parts) != 6:
            raise ScheduleError("cron needs six fields: minutes hours day-of-month month day-of-week year")
        minutes, hours, dom, month, dow, year = parts
        if (dom == "?") == (dow == "?"):
            raise ScheduleError("exactly one of day-of-month and day-of-week must be '?'")
        cron = cls(
            frozenset(_field(minutes, 0, 59)),
            frozenset(_field(hours, 0, 23)),
            _upper(dom),
            frozenset(_field(month, 1, 12, _MONTHS)),
            _upper(dow),
            None if year == "*" else frozenset(_field(year, 1970, 2199)),
        )
        cron._day_matches(datetime(2024, 1, 1).date())  # refuse malformed day fields now, not at fire time
        return cron

    def _day_matches(self, day: Any) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        if self.dow == "?":
            return _dom_matches(self.dom, day, last)
        return _dow_matches(self.dow, day, last)

    def next_after(self, moment: datetime) -> datetime:
        """The first firing time strictly after ``moment`` (aware, UTC)."""
        start = (moment.astimezone(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = start.date()
        for _ in range(366 * 30):
            if (self.years is None or day.year in self.years) and day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        raise ScheduleError("the expression never fires")


def _dom_matches(spec: str, day: Any, last: int) -> bool:
    if spec == "*":
        return True
    if spec == "L":
        return day.day == last
    if spec.endswith("W"):  # the weekday nearest to the given day, within the month
        target = min(int(spec[:-1]), last)
        weekday = calendar.weekday(day.year, day.month, target)  # Monday 0
        if weekday == 5:
            target = target - 1 if target > 1 else target + 2
        elif weekday == 6:
            target = target + 1 if target < last else target - 2
        return day.day == target
    return day.day in _field(spec, 1, 31)


def _dow_matches(spec: str, day: Any, last: int) -> bool:
    aws_dow = (day.weekday() + 1) % 7 + 1  # Monday 0 → 2, Sunday 6 → 1
    if "#" in spec:  # the n-th such weekday of the month
        weekday, nth = spec.split("#", 1)
        return aws_dow == _value(weekday, _DAYS) and (day.day - 1) // 7 + 1 == int(nth)
    if spec.endswith("L") and spec != "L":  # the last such weekday of the month
        return aws_dow == _value(spec[:-1], _DAYS) and day.day + 7 > last
    if spec == "L":
        return aws_dow == 7
    return aws_dow in _field(spec, 1, 7, _DAYS)


@dataclass(frozen=True)
class Schedule:
    """A parsed ``rate(...)`` or ``cron(...)`` expression."""

    expression: str
    interval: timedelta | None = None
    cron: Cron | None = None

    @classmethod
    def parse(cls, expression: str) -> Schedule:
        text = expression.strip()
        rate = _RATE.match(text)
        if rate:
            amount, unit = int(rate.group(1)), rate.group(2).rstrip("s")
            if amount <= 0 or (amount == 1) != (not rate.group(2).endswith("s")):
                raise ScheduleError("rate needs a positive amount, singular unit for 1 and plural otherwise")
            return cls(text, interval=timedelta(seconds=amount * _RATE_UNIT[unit]))
        if text.startswith("cron(") and text.endswith(")"):
            return cls(text, cron=Cron.parse(text[5:-1]))
        raise ScheduleError(f"not a schedule expression: {expression}")

    def next_after(self, moment: datetime, started: datetime | None = None) -> datetime:
        """The next firing after ``moment``; a rate counts from ``started`` (the rule's creation)."""
        if self.cron is not None:
            return self.cron.next_after(moment)
        assert self.interval is not None
        origin = started or moment
        periods = int((moment - origin) / self.interval) + 1
        return origin + periods * self.interval
