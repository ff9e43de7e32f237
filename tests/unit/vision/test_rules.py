"""Rules over tracks: line crossing by direction, loitering, crowding, night windows across midnight, health, de-dup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from smartcommune.vision.contracts import BoundingBox
from smartcommune.vision.logic.rules import (
    CameraHealth,
    CameraHealthRule,
    ClassInZoneRule,
    CrowdingRule,
    Line,
    LineCrossingRule,
    LoiteringRule,
    RuleEngine,
    RuleEngineState,
    TimeWindow,
    Zone,
)
from smartcommune.vision.logic.tracking import Track

T0 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội
WHOLE = Zone(zone_id="all", name="Toàn cảnh", polygon=[(0, 0), (1, 0), (1, 1), (0, 1)])
GATE = Zone(zone_id="gate", name="Cổng trường", polygon=[(0.6, 0.5), (1.0, 0.5), (1.0, 1.0), (0.6, 1.0)])
# drawn top to bottom in the middle of the picture: side A is its right half, side B its left half
MIDDLE = Line(start=(0.5, 0.0), end=(0.5, 1.0))


def track(track_id: int, foot_x: float, foot_y: float = 0.9, name: str = "Person", at: datetime = T0) -> Track:
    box = BoundingBox.from_corners(foot_x - 0.05, foot_y - 0.4, foot_x + 0.05, foot_y)
    return Track(track_id=track_id, name=name, box=box, confidence=90.0, first_seen=T0, last_seen=at)


def walk(engine: RuleEngine, track_id: int, xs: list[float], start: datetime = T0, step_s: float = 0.5) -> list:
    matches = []
    for i, x in enumerate(xs):
        at = start + timedelta(seconds=i * step_s)
        matches += engine.evaluate("cam-1", at, [track(track_id, x, at=at)])
    return matches


def test_line_crossing_counts_only_the_chosen_direction():
    rule = LineCrossingRule(rule_id="vao", name="Vào cổng", line=MIDDLE, direction="b_to_a")
    engine = RuleEngine([], [rule])
    rightward = walk(engine, 1, [0.2, 0.35, 0.45, 0.55, 0.7])  # B (left) → A (right)
    leftward = walk(engine, 2, [0.8, 0.6, 0.4, 0.2])  # A → B
    assert [(m.track_ids, m.direction) for m in rightward] == [([1], "b_to_a")]
    assert leftward == []


def test_line_crossing_both_directions_and_one_match_per_person():
    engine = RuleEngine([], [LineCrossingRule(rule_id="vach", name="Vạch", line=MIDDLE, direction="any")])
    # a person crosses, turns back and crosses again: still one match for that person and rule
    matches = walk(engine, 7, [0.3, 0.45, 0.55, 0.6, 0.52, 0.48, 0.4])
    assert [m.direction for m in matches] == ["b_to_a"]
    other = walk(engine, 8, [0.7, 0.4])
    assert [m.direction for m in other] == ["a_to_b"]


def test_a_move_past_the_end_of_the_line_is_not_a_crossing():
    short = Line(start=(0.5, 0.0), end=(0.5, 0.5))  # only the upper half of the picture
    engine = RuleEngine([], [LineCrossingRule(rule_id="vach", name="Vạch", line=short)])
    assert walk(engine, 1, [0.3, 0.7]) == []  # the feet are at y = 0.9, below the line's end


def test_loitering_matches_once_after_the_time_in_the_zone():
    engine = RuleEngine([GATE], [LoiteringRule(rule_id="lang-vang", name="Lảng vảng", zone_id="gate", seconds=20)])
    matches = []
    for second in range(0, 60, 2):  # pacing inside the gate zone for a minute
        at = T0 + timedelta(seconds=second)
        matches += engine.evaluate("cam-1", at, [track(3, 0.7 + 0.05 * (second % 4 == 0), at=at)])
    assert len(matches) == 1
    assert matches[0].at == T0 + timedelta(seconds=20)
    assert "Cổng trường" in matches[0].detail


def test_leaving_the_zone_restarts_the_loitering_clock():
    engine = RuleEngine([GATE], [LoiteringRule(rule_id="lv", name="Lảng vảng", zone_id="gate", seconds=10)])
    positions = [0.7] * 5 + [0.3] + [0.7] * 5  # 8 s in, out, 8 s in (2 s apart)
    matches = walk(engine, 4, positions, step_s=2)
    assert matches == []


def test_crowding_more_than_n_people_with_cooldown():
    rule = CrowdingRule(rule_id="dong", name="Tụ tập", zone_id="all", more_than=3, cooldown_s=300)
    engine = RuleEngine([WHOLE], [rule])
    three = [track(i, 0.1 * i) for i in range(1, 4)]
    assert engine.evaluate("cam-1", T0, three) == []
    five = [track(i, 0.1 * i) for i in range(1, 6)]
    (match,) = engine.evaluate("cam-1", T0 + timedelta(seconds=1), five)
    assert match.count == 5 and len(match.boxes) == 5
    # still crowded a minute later: within the cooldown, no new match
    assert engine.evaluate("cam-1", T0 + timedelta(seconds=60), five) == []
    assert len(engine.evaluate("cam-1", T0 + timedelta(seconds=302), five)) == 1


def test_a_person_at_the_school_gate_at_night_across_midnight():
    night = TimeWindow(start="22:00", end="05:00")
    rule = ClassInZoneRule(rule_id="dem", name="Người ở cổng ban đêm", zone_id="gate", window=night)
    engine = RuleEngine([GATE], [rule])
    # 23:30 and 04:30 Hà Nội time are inside; 05:30 and 21:00 are not
    local = {"23:30": (16, 30), "04:30": (21, 30), "05:30": (22, 30), "21:00": (14, 0)}
    found = {}
    for number, (name, (hour, minute)) in enumerate(local.items(), start=10):
        at = datetime(2026, 12, 3, hour, minute, tzinfo=UTC)
        found[name] = bool(engine.evaluate("cam-1", at, [track(number, 0.8, at=at)]))
    assert found == {"23:30": True, "04:30": True, "05:30": False, "21:00": False}


def test_a_night_window_on_chosen_days_belongs_to_the_day_it_starts():
    friday_night = TimeWindow(start="22:00", end="05:00", days=[5])
    # 02:00 on Saturday 05/12/2026 (Hà Nội) is still Friday night's window
    assert friday_night.contains(datetime(2026, 12, 4, 19, 0, tzinfo=UTC))
    # 02:00 on Friday 04/12/2026 belongs to Thursday night
    assert not friday_night.contains(datetime(2026, 12, 3, 19, 0, tzinfo=UTC))


def test_class_in_zone_matches_each_person_once_and_ignores_other_labels():
    engine = RuleEngine([GATE], [ClassInZoneRule(rule_id="cong", name="Cổng", zone_id="gate", labels=["Person"])])
    first = engine.evaluate("cam-1", T0, [track(1, 0.8), track(2, 0.9, name="Car")])
    again = engine.evaluate("cam-1", T0 + timedelta(seconds=1), [track(1, 0.82)])
    assert [m.track_ids for m in first] == [[1]] and again == []
    assert first[0].dedup_key == "cam-1:cong:1"


def test_camera_offline_and_covered_match_on_the_change_and_again_after_recovery():
    offline = CameraHealthRule(rule_id="mat", name="Mất tín hiệu", condition="offline", offline_after_s=120)
    covered = CameraHealthRule(rule_id="che", name="Bị che", condition="covered")
    engine = RuleEngine([], [offline, covered])
    fresh = CameraHealth(last_frame_at=T0, covered=False)
    assert engine.evaluate("cam-1", T0 + timedelta(seconds=10), [], fresh) == []
    (lost,) = engine.evaluate("cam-1", T0 + timedelta(seconds=200), [], fresh)
    assert lost.rule_id == "mat"
    assert engine.evaluate("cam-1", T0 + timedelta(seconds=300), [], fresh) == []  # still offline: no repeat
    back = CameraHealth(last_frame_at=T0 + timedelta(seconds=400), covered=True)
    (blind,) = engine.evaluate("cam-1", T0 + timedelta(seconds=401), [], back)
    assert blind.rule_id == "che"
    assert engine.evaluate("cam-1", T0 + timedelta(seconds=900), [], fresh.model_copy(update={"last_frame_at": None}))


def test_state_round_trip_keeps_de_duplication_between_invocations():
    rule = LineCrossingRule(rule_id="vach", name="Vạch", line=MIDDLE)
    engine = RuleEngine([], [rule])
    assert walk(engine, 1, [0.3, 0.45]) == []
    saved = engine.to_state().model_dump_json()
    resumed = RuleEngine.from_state([], [rule], RuleEngineState.model_validate_json(saved))
    crossed = resumed.evaluate("cam-1", T0 + timedelta(seconds=1), [track(1, 0.6)])
    assert len(crossed) == 1
    replay = RuleEngine.from_state([], [rule], resumed.to_state())
    assert replay.evaluate("cam-1", T0 + timedelta(seconds=1.5), [track(1, 0.4)]) == []


def test_zones_are_validated():
    with pytest.raises(ValidationError):
        Zone(zone_id="x", name="x", polygon=[(0, 0), (1, 1)])
    with pytest.raises(ValidationError):
        Zone(zone_id="x", name="x", polygon=[(0, 0), (1.5, 0), (1, 1)])
    with pytest.raises(ValueError, match="unknown zone"):
        RuleEngine([], [LoiteringRule(rule_id="a", name="a", zone_id="nowhere", seconds=5)])
