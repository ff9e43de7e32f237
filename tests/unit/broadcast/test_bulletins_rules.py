"""Priorities → CAP codes, who may draft and approve, and schedule expansion in Vietnam time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from smartcommune.broadcast.contracts import Bulletin, Channels, Schedule, Target
from smartcommune.broadcast.logic.rules import CAP_CODES, PRIORITY_RANK, check_two_person_rule, may_draft
from smartcommune.broadcast.logic.schedules import expand, minute_bucket, next_occurrence
from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.errors import ForbiddenError
from smartcommune.core.principal import Principal

NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


def _principal(subject: str, *roles: Role) -> Principal:
    return Principal(
        subject_id=subject,
        kind="staff",
        roles=frozenset(roles),
        commune_id="giao-phong",
        display_name=subject,
        session_id="s",
        expires_at=NOW + timedelta(hours=1),
    )


def _bulletin(created_by: str = "drafter", edited_by: str | None = None) -> Bulletin:
    return Bulletin(
        id="a" * 32,
        commune_id="giao-phong",
        target_communes=["giao-phong"],
        priority="emergency",
        target=Target(),
        schedule=Schedule(),
        channels=Channels(),
        repeat=1,
        volume=100,
        valid_hours=24,
        created_by=created_by,
        created_by_name=created_by,
        created_at=NOW,
        edited_by=edited_by or created_by,
        updated_at=NOW,
        headline="Bão số 3",
        text="Nội dung",
    )


def test_priorities_map_to_cap_urgency_and_severity_in_order():
    assert [CAP_CODES[p].urgency for p in ("normal", "priority", "emergency")] == ["Future", "Expected", "Immediate"]
    assert [CAP_CODES[p].severity for p in ("normal", "priority", "emergency")] == ["Minor", "Moderate", "Severe"]
    assert PRIORITY_RANK["emergency"] < PRIORITY_RANK["priority"] < PRIORITY_RANK["normal"]


def test_another_admin_may_approve():
    check_two_person_rule(_principal("chairman", Role.ADMIN), _bulletin())


@pytest.mark.parametrize(
    ("approver", "bulletin"),
    [
        (_principal("drafter", Role.ADMIN), _bulletin()),  # drafted it
        (_principal("drafter", Role.ADMIN, Role.CULTURE), _bulletin()),  # same person holding two roles
        (_principal("editor", Role.ADMIN), _bulletin(edited_by="editor")),  # last edited it
        (_principal("clerk", Role.OFFICE), _bulletin()),  # no approving role
    ],
)
def test_two_person_rule_refuses(approver, bulletin):
    with pytest.raises(ForbiddenError):
        check_two_person_rule(approver, bulletin)


def test_police_and_health_draft_only_in_their_field():
    assert may_draft({Role.POLICE}, "Security") and not may_draft({Role.POLICE}, "Health")
    assert may_draft({Role.HEALTH}, "Health") and not may_draft({Role.HEALTH}, "Met")
    assert may_draft({Role.CULTURE}, "Health") and not may_draft({Role.SCHOOL}, "Other")


def test_daily_slots_expand_across_days_at_fixed_utc_offset():
    schedule = Schedule(
        kind="recurring", times=["17:00", "06:00"], start_date=date(2026, 12, 30), end_date=date(2027, 1, 1)
    )
    plays = expand(schedule, NOW, NOW + timedelta(days=60))
    assert [p.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M") for p in plays] == [
        "30/12/2026 06:00",
        "30/12/2026 17:00",
        "31/12/2026 06:00",
        "31/12/2026 17:00",
        "01/01/2027 06:00",
        "01/01/2027 17:00",
    ]
    # Vietnam keeps UTC+7 all year: 06:00 is always 23:00 UTC the day before
    assert {p.astimezone(UTC).strftime("%H:%M") for p in plays} == {"23:00", "10:00"}
    assert minute_bucket(plays[0]) == "2026-12-29T23:00"


def test_weekdays_and_past_slots_are_skipped():
    schedule = Schedule(
        kind="recurring", times=["06:00"], start_date=date(2026, 11, 1), end_date=date(2026, 12, 6), weekdays=[1]
    )  # Mondays
    first = next_occurrence(schedule, NOW)
    assert first is not None and first.astimezone(VN_TZ).date() == date(2026, 11, 30)
    assert next_occurrence(schedule, datetime(2026, 12, 1, tzinfo=UTC)) is None


def test_one_off_and_now():
    at = NOW + timedelta(hours=3)
    assert next_occurrence(Schedule(kind="once", at=at), NOW) == at
    assert next_occurrence(Schedule(kind="once", at=at), at) is None
    assert next_occurrence(Schedule(), NOW) is None


@pytest.mark.parametrize(
    "raw",
    [
        {"kind": "recurring", "times": ["25:00"], "start_date": "2026-12-01", "end_date": "2026-12-02"},
        {"kind": "recurring", "times": ["06:00"], "start_date": "2026-12-02", "end_date": "2026-12-01"},
        {"kind": "once"},
        {"kind": "once", "at": "2026-12-01T06:00:00"},  # no time zone
        {"kind": "now", "times": ["06:00"]},
    ],
)
def test_bad_schedules_are_refused(raw):
    with pytest.raises(ValidationError):
        Schedule.model_validate(raw)


def test_targets_must_be_consistent():
    with pytest.raises(ValidationError):
        Target(scope="hamlets")
    with pytest.raises(ValidationError):
        Target(scope="commune", hamlets=["xom-1"])
