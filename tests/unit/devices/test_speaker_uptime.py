"""Uptime bucketing: heartbeats -> 30 s slots -> Vietnamese days and months -> percentages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from smartcommune.devices.logic import (
    HEARTBEAT_SLOT_S,
    elapsed_s,
    heartbeat_slot,
    month_days,
    slot_periods,
    speaker_stats,
    uptime_pct,
)

T0 = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam


def test_heartbeats_every_30_s_fall_in_consecutive_slots_even_when_arrival_jitters():
    slots = [heartbeat_slot(T0 + timedelta(seconds=30 * n), T0 + timedelta(seconds=30 * n + j)) for n, j in
             enumerate([0.9, 0.01, 1.5, 0.2])]  # fmt: skip
    assert slots == [slots[0] + n for n in range(4)]
    # Two heartbeats in one slot share it: they count once
    assert heartbeat_slot(T0 + timedelta(seconds=3), T0) == heartbeat_slot(T0 + timedelta(seconds=29), T0)


def test_a_device_clock_far_off_is_replaced_by_the_arrival_time():
    wrong = T0 + timedelta(hours=5)
    assert heartbeat_slot(wrong, T0) == int(T0.timestamp()) // HEARTBEAT_SLOT_S
    assert heartbeat_slot(T0 + timedelta(seconds=59), T0) == int(T0.timestamp() + 59) // HEARTBEAT_SLOT_S


def test_slots_count_on_the_vietnamese_day_and_month():
    # 23:59:30 on 30/11 in Vietnam is 16:59:30 UTC; the next slot is already 01/12
    last = heartbeat_slot(
        datetime(2026, 11, 30, 16, 59, 30, tzinfo=UTC), datetime(2026, 11, 30, 16, 59, 30, tzinfo=UTC)
    )
    assert slot_periods(last) == ("2026-11-30", "2026-11")
    assert slot_periods(last + 1) == ("2026-12-01", "2026-12")
    # A day holds exactly 2,880 slots
    first_of_day = last - 2879
    assert slot_periods(first_of_day) == ("2026-11-30", "2026-11")
    assert slot_periods(first_of_day - 1)[0] == "2026-11-29"


def test_month_days_and_elapsed_time():
    assert len(month_days("2026-02")) == 28 and len(month_days("2028-02")) == 29
    assert month_days("2026-12")[-1] == date(2026, 12, 31)
    # At 08:00 Vietnam time on 29/11: 8 h of the day have passed, the next day none, an earlier day all of it
    assert elapsed_s(date(2026, 11, 29), date(2026, 11, 29), T0) == 8 * 3600
    assert elapsed_s(date(2026, 11, 30), date(2026, 11, 30), T0) == 0
    assert elapsed_s(date(2026, 11, 1), date(2026, 11, 1), T0) == 86400


def test_uptime_percentage():
    assert uptime_pct(43200, 86400) == 50.0
    assert uptime_pct(1, 3) == 33.3
    assert uptime_pct(90000, 86400) == 100.0  # never above 100 (a slot straddling "now")
    assert uptime_pct(0, 0) is None


def test_month_report_from_counters():
    stats = speaker_stats("gp-spk-01a", "2026-11", {"2026-11-01": 43200, "2026-11-29": 1800}, {"2026-11-01": 3}, T0)
    days = {d.day: d for d in stats.days}
    assert days["2026-11-01"].uptime_pct == 50.0 and days["2026-11-01"].failed == 3
    assert days["2026-11-29"].uptime_pct == 6.2  # 30 min of the 8 h elapsed
    assert days["2026-11-30"].uptime_pct is None
    assert stats.month.uptime_s == 45000 and stats.month.failed == 3
    # The month's own counters, when present, are what the month shows
    assert speaker_stats("gp-spk-01a", "2026-11", {}, {}, T0, month_up_s=60, month_failed=1).month.failed == 1
