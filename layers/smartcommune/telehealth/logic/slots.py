"""Slots from the weekly schedules and their exceptions, in the station's time (Asia/Ho_Chi_Minh); queue sessions
and reminder times.

A slot's id says what it is (``202612030730.bs-lan.general``: local start, practitioner, service), so a booking
names a slot that can be checked against the schedule again without storing every slot of every day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from smartcommune.core.contracts import VN_TZ
from smartcommune.telehealth.contracts import (
    HealthService,
    ScheduleException,
    Slot,
    StationSetup,
    WeeklyRule,
    hhmm_time,
)

DAY_BEFORE = "day_before"
HOUR_BEFORE = "hour_before"


@dataclass(frozen=True)
class Reminder:
    """One reminder of one booking, due in the UTC minute ``bucket``."""

    commune_id: str
    booking_id: str
    kind: str
    bucket: str


def minute_bucket(moment: datetime) -> str:
    """The UTC minute a reminder is due in, as the reminder job's index key: ``2026-12-02T00:30``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def local(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, hhmm_time(hhmm), tzinfo=VN_TZ)


def session_of(start: datetime) -> str:
    """The queue session of a start: ``2026-12-03-am`` (before noon) or ``-pm``."""
    moment = start.astimezone(VN_TZ)
    return f"{moment.date().isoformat()}-{'am' if moment.hour < 12 else 'pm'}"


def session_now(now: datetime) -> str:
    return session_of(now)


def slot_id(start: datetime, practitioner_id: str, service: str) -> str:
    return f"{start.astimezone(VN_TZ):%Y%m%d%H%M}.{practitioner_id}.{service}"


def slot_day(slot_id_: str) -> date:
    stamp = slot_id_.split(".", 1)[0]
    return date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))


def _valid_on(schedule_from: date | None, schedule_to: date | None, day: date) -> bool:
    return (schedule_from is None or schedule_from <= day) and (schedule_to is None or day <= schedule_to)


def _cut(day: date, rule_start: str, rule_end: str, service: HealthService) -> list[tuple[datetime, datetime]]:
    start, end = local(day, rule_start), local(day, rule_end)
    step = timedelta(minutes=service.duration_min)
    times: list[tuple[datetime, datetime]] = []
    while start + step <= end:
        times.append((start, start + step))
        start += step
    return times


def _blocks(
    practitioner_id: str, rules: list[WeeklyRule], exceptions: list[ScheduleException], day: date
) -> list[tuple[str, str, str]]:
    """(start, end, service) blocks of one practitioner on ``day``, exceptions applied."""
    own = [e for e in exceptions if e.practitioner_id == practitioner_id]
    campaign = [e for e in own if e.kind == "campaign"]
    if campaign:  # a campaign day replaces the week's blocks
        return [(e.start or "", e.end or "", e.service or "") for e in campaign]
    blocks = [(r.start, r.end, r.service) for r in rules if r.weekday == day.weekday()]
    for leave in (e for e in own if e.kind == "leave"):
        if leave.start is None or leave.end is None:
            return []
        blocks = [b for b in blocks if b[1] <= leave.start or b[0] >= leave.end]
    return blocks


def slots_on(setup: StationSetup, day: date) -> list[Slot]:
    """Every slot of ``day`` (places not yet counted), in start order."""
    exceptions = [e for e in setup.exceptions if e.day == day]
    if any(e.kind == "leave" and e.practitioner_id is None for e in exceptions):
        return []  # the station is closed (a holiday)
    slots: list[Slot] = []
    for schedule in setup.schedules:
        practitioner = setup.practitioner(schedule.practitioner_id)
        if practitioner is None or not practitioner.active:
            continue
        if not _valid_on(schedule.valid_from, schedule.valid_to, day):
            continue
        for start_hhmm, end_hhmm, code in _blocks(practitioner.id, schedule.rules, exceptions, day):
            service = setup.service(code)
            if service is None:
                continue
            for start, end in _cut(day, start_hhmm, end_hhmm, service):
                slots.append(
                    Slot(
                        id=slot_id(start, practitioner.id, service.code),
                        practitioner_id=practitioner.id,
                        practitioner_name=practitioner.name,
                        service=service.code,
                        service_name=service.name,
                        mode=service.mode,
                        start=start,
                        end=end,
                        capacity=service.capacity,
                    )
                )
    return sorted(slots, key=lambda s: (s.start, s.practitioner_id, s.service))


def find_slot(setup: StationSetup, slot_id_: str) -> Slot | None:
    """The slot ``slot_id_`` names, if the schedule (with its exceptions) has it."""
    return next((s for s in slots_on(setup, slot_day(slot_id_)) if s.id == slot_id_), None)


def reminders_for(commune_id: str, booking_id: str, start: datetime, now: datetime) -> list[Reminder]:
    """The day-before and hour-before reminders still ahead of ``now`` (a booking made an hour ahead gets none)."""
    due = {DAY_BEFORE: start - timedelta(days=1), HOUR_BEFORE: start - timedelta(hours=1)}
    return [
        Reminder(commune_id, booking_id, kind, minute_bucket(moment))
        for kind, moment in due.items()
        if moment > now + timedelta(minutes=1)
    ]
