"""Slots from weekly schedules and exceptions, in Vietnam's time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from smartcommune.core.contracts import VN_TZ
from smartcommune.telehealth.contracts import ScheduleException
from smartcommune.telehealth.logic.slots import find_slot, reminders_for, session_of, slots_on
from smartcommune_local.health_demo import demo_station

MONDAY = date(2026, 11, 30)


def _of(slots, practitioner, service=None):
    return [s for s in slots if s.practitioner_id == practitioner and (service is None or s.service == service)]


def test_a_weekday_has_the_weekly_blocks_cut_into_service_durations():
    slots = slots_on(demo_station(MONDAY), MONDAY)
    general = _of(slots, "bs-lan", "general")
    # 07:30-11:30 in 15-minute general check-ups: 16 slots of 2 places, local times
    assert len(general) == 16
    assert general[0].start == datetime(2026, 11, 30, 7, 30, tzinfo=VN_TZ)
    assert general[0].start.astimezone(UTC).hour == 0  # 07:30 in Hà Nội is 00:30 UTC
    assert general[-1].end == datetime(2026, 11, 30, 11, 30, tzinfo=VN_TZ)
    assert {s.capacity for s in general} == {2}
    assert general[0].id == "202611300730.bs-lan.general"
    remote = _of(slots, "bs-lan", "remote")
    assert [s.start.strftime("%H:%M") for s in remote] == ["15:30", "15:50", "16:10"] and remote[0].mode == "remote"
    # the nurse vaccinates on Wednesdays only
    assert _of(slots, "dd-mai") == []
    assert len(_of(slots_on(demo_station(MONDAY), date(2026, 12, 2)), "dd-mai")) == 7


def test_sunday_is_closed():
    assert slots_on(demo_station(MONDAY), date(2026, 12, 6)) == []


def test_a_leave_removes_the_practitioners_blocks_whole_day_or_part():
    setup = demo_station(MONDAY)
    setup.exceptions.append(
        ScheduleException(id="nghi-lan", day=MONDAY, kind="leave", practitioner_id="bs-lan", reason="Nghỉ phép")
    )
    setup.exceptions.append(
        ScheduleException(
            id="hop-hung",
            day=MONDAY,
            kind="leave",
            practitioner_id="bs-hung",
            start="07:30",
            end="11:30",
            reason="Họp tại trung tâm y tế",
        )
    )
    slots = slots_on(setup, MONDAY)
    assert _of(slots, "bs-lan") == []
    assert _of(slots, "bs-hung", "chronic") == [] and len(_of(slots, "bs-hung", "general")) == 12
    assert len(_of(slots_on(setup, date(2026, 12, 1)), "bs-lan", "general")) == 16  # only that day


def test_a_station_holiday_closes_everything():
    setup = demo_station(MONDAY)
    setup.exceptions.append(ScheduleException(id="le", day=MONDAY, kind="leave", reason="Nghỉ lễ"))
    assert slots_on(setup, MONDAY) == []


def test_a_campaign_day_replaces_the_week_with_vaccination_for_the_whole_day():
    setup = demo_station(MONDAY)
    friday = date(2026, 12, 25)  # the monthly vaccination day falls on a Friday
    vaccination = _of(slots_on(setup, friday), "dd-mai")
    assert len(vaccination) == 18 and {s.service for s in vaccination} == {"vaccination"}
    assert {s.capacity for s in vaccination} == {10}


def test_a_slot_id_is_found_only_if_the_schedule_has_it():
    setup = demo_station(MONDAY)
    assert find_slot(setup, "202611300745.bs-lan.general") is not None
    assert find_slot(setup, "202611300740.bs-lan.general") is None  # not on the 15-minute grid
    assert find_slot(setup, "202612060730.bs-lan.general") is None  # a Sunday


def test_sessions_and_reminders():
    start = datetime(2026, 12, 2, 7, 30, tzinfo=VN_TZ)
    assert session_of(start) == "2026-12-02-am"
    assert session_of(datetime(2026, 12, 2, 13, 30, tzinfo=VN_TZ)) == "2026-12-02-pm"
    two_days_ahead = reminders_for("giao-phong", "b1", start, datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    assert [(r.kind, r.bucket) for r in two_days_ahead] == [
        ("day_before", "2026-12-01T00:30"),
        ("hour_before", "2026-12-01T23:30"),
    ]
    three_hours = reminders_for("giao-phong", "b1", start, datetime(2026, 12, 1, 21, 30, tzinfo=UTC))
    assert [r.kind for r in three_hours] == ["hour_before"]
    assert reminders_for("giao-phong", "b1", start, datetime(2026, 12, 2, 0, 0, tzinfo=UTC)) == []
