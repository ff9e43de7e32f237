"""Staff rules are validated before they are stored, map onto the vision engine, and replaying a burst from the
saved scene gives the same de-duplication key (so a retry records nothing twice); retention counts days as S3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from smartcommune.cameras.contracts import RuleSpec, StoredCameraConfig, ZoneSpec
from smartcommune.cameras.logic.retention import expired, expiry_rules
from smartcommune.cameras.logic.scene import VisionScene
from smartcommune.vision.contracts import BoundingBox, Detection

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def test_a_zone_must_lie_in_the_picture_and_have_an_area():
    with pytest.raises(ValidationError, match="khung hình"):
        ZoneSpec(zone_id="z", name="Cổng", polygon=[(0.1, 0.1), (1.2, 0.1), (0.5, 0.9)])
    with pytest.raises(ValidationError, match="no area"):
        ZoneSpec(zone_id="z", name="Cổng", polygon=[(0.1, 0.1), (0.2, 0.2), (0.3, 0.3)])


def test_each_rule_kind_needs_its_own_fields():
    with pytest.raises(ValidationError, match="more_than"):
        RuleSpec(rule_id="c", name="Đông người", kind="crowding", zone_id="z")
    with pytest.raises(ValidationError, match="min_seconds"):
        RuleSpec(rule_id="l", name="Lảng vảng", kind="loitering", zone_id="z")
    with pytest.raises(ValidationError, match="nhãn không hỗ trợ"):
        RuleSpec(rule_id="p", name="Chó", kind="zone_presence", zone_id="z", labels=["Dog"])


def _walker(x: float) -> list[Detection]:
    return [Detection(Name="Person", Confidence=95.0, BoundingBox=BoundingBox(Left=x, Top=0.3, Width=0.1, Height=0.5))]


def _config() -> StoredCameraConfig:
    return StoredCameraConfig(
        rules=[
            RuleSpec(
                rule_id="cross", name="Qua vạch", kind="line_crossing", line=((0.5, 0.0), (0.5, 1.0)), direction="any"
            )
        ]
    )


def test_a_walker_crossing_the_line_matches_once_and_a_replay_from_the_saved_scene_gives_the_same_key():
    scene = VisionScene("gp-cam-01", _config(), None)
    steps = [scene.observe(T0 + timedelta(seconds=i), _walker(0.2 + 0.1 * i)) for i in range(6)]
    matches = [m for s in steps for m in s.matches]
    assert len(matches) == 1 and matches[0].labels == ["Person"] and matches[0].boxes
    # a burst analysed from the scene saved after the first two frames, twice (a retry): the same key both times
    start = VisionScene("gp-cam-01", _config(), None)
    for i in range(2):
        start.observe(T0 + timedelta(seconds=i), _walker(0.2 + 0.1 * i))
    saved = start.to_state()
    keys = []
    for _ in range(2):
        replay = VisionScene("gp-cam-01", _config(), saved)
        found = [
            m for i in range(2, 6) for m in replay.observe(T0 + timedelta(seconds=i), _walker(0.2 + 0.1 * i)).matches
        ]
        keys.append([m.object_key for m in found])
    assert keys == [[matches[0].object_key]] * 2


def test_retention_counts_days_from_upload_rounded_up_to_midnight_utc():
    uploaded = datetime(2026, 11, 1, 10, 30, tzinfo=UTC)
    assert not expired(uploaded, 7, datetime(2026, 11, 8, 23, 59, tzinfo=UTC))
    assert expired(uploaded, 7, datetime(2026, 11, 9, 0, 0, tzinfo=UTC))
    rules = expiry_rules(
        {
            "Rules": [
                {"ID": "RawFrames", "Status": "Enabled", "Filter": {"Prefix": "frames/"}, "Expiration": {"Days": 7}},
                {"ID": "Off", "Status": "Disabled", "Filter": {"Prefix": "x/"}, "Expiration": {"Days": 1}},
            ]
        }
    )
    assert [(r.rule_id, r.prefix, r.days) for r in rules] == [("RawFrames", "frames/", 7)]
