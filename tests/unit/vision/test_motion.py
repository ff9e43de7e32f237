"""Static frames skip inference; a person entering the picture does not; a covered lens is recognised."""

from __future__ import annotations

import numpy as np

from smartcommune.vision.logic.motion import MotionGate, looks_covered


def street(rng: np.random.Generator) -> np.ndarray:
    base = np.tile(np.linspace(40, 200, 320, dtype=np.float32), (240, 1))
    base[150:, :] = 110  # the road
    frame = np.stack([base, base * 0.9, base * 0.8], axis=2) + rng.normal(0, 2.0, (240, 320, 3))
    return np.clip(frame, 0, 255).astype(np.uint8)


def test_a_static_noisy_scene_is_skipped_after_the_first_frame():
    rng = np.random.default_rng(1)
    gate = MotionGate(keyframe_every=1000)
    decisions = [gate.should_analyse(street(rng)) for _ in range(100)]
    assert decisions[0] is True
    assert not any(decisions[1:])
    assert gate.skipped_ratio > 0.98


def test_a_person_walking_in_is_analysed():
    rng = np.random.default_rng(2)
    gate = MotionGate(keyframe_every=1000)
    for _ in range(10):
        gate.should_analyse(street(rng))
    analysed = []
    for step in range(10):
        frame = street(rng)
        x = 50 + step * 15
        frame[125:210, x : x + 25] = (20, 30, 160)  # a person in a red shirt, 25×85 px
        analysed.append(gate.should_analyse(frame))
        assert gate.reason == "motion"
        assert gate.last is not None and gate.last.region is not None
        left, top, right, bottom = gate.last.region  # what moved: around the shirt, not the whole frame
        assert left <= (x + 12) / 320 <= right and top <= 0.7 <= bottom and right - left < 0.3
    assert all(analysed)


def test_a_keyframe_refreshes_tracks_of_people_standing_still():
    rng = np.random.default_rng(3)
    gate = MotionGate(keyframe_every=25)
    decisions, reasons = [], []
    for _ in range(100):
        decisions.append(gate.should_analyse(street(rng)))
        reasons.append(gate.reason)
    assert sum(decisions) == 4  # the first frame, then one every 25
    assert [r for r in reasons if r] == ["first", "keyframe", "keyframe", "keyframe"]


def test_a_covered_lens_looks_flat():
    gate = MotionGate()
    gate.should_analyse(np.full((240, 320, 3), 12, np.uint8))
    assert gate.last is not None and looks_covered(gate.last)
    gate.should_analyse(street(np.random.default_rng(4)))
    assert gate.last is not None and not looks_covered(gate.last)
