"""A replayed camera sequence through the whole pipeline: a person crossing the line is one event, in the right
direction; the static street before they arrive skips inference; the committed text graph is what the tool makes."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2

from smartcommune.vision.engine import textgraph
from smartcommune.vision.engine.local import LocalDetector
from smartcommune.vision.engine.models import SSDLITE_TEXT_GRAPH, ssdlite_graph
from smartcommune.vision.engine.pipeline import CameraPipeline, PipelineState
from smartcommune.vision.engine.sequences import Composer, Scene, Walker, write_sequence
from smartcommune.vision.logic.rules import Line, LineCrossingRule, RuleEngine
from smartcommune.vision.logic.tracking import Tracker

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def test_a_person_crossing_right_to_left_is_one_a_to_b_event():
    # Given a street where, after 3 quiet seconds, a person walks from the right edge to the left edge
    walker = Walker("FudanPed00011", ((3.0, 1.05, 0.9), (9.0, -0.05, 0.9)), height=0.55)
    scene = Scene(background="FudanPed00068", walkers=(walker,), duration_s=10.0, fps=5.0)
    line = Line(start=(0.5, 0.5), end=(0.5, 1.0))  # drawn downward: A is the right side
    rules = [
        LineCrossingRule(rule_id="ra", name="Ra", line=line, direction="a_to_b"),
        LineCrossingRule(rule_id="vao", name="Vào", line=line, direction="b_to_a"),
    ]
    pipeline = CameraPipeline("cam-1", LocalDetector(), RuleEngine([], rules))
    outcomes = []
    # When every frame goes through the pipeline (as JPEG, the way a camera sends it)
    for frame in Composer().frames(scene):
        outcomes.append(pipeline.process(T0 + timedelta(seconds=frame.offset_s), frame.jpeg()))
    # Then the quiet street was skipped after its first frame
    quiet = outcomes[1:15]
    assert not any(o.analysed for o in quiet)
    # and the crossing is exactly one confirmed A→B match, at about the middle of the walk
    matches = [m for o in outcomes for m in o.matches]
    assert [(m.rule_id, m.direction) for m in matches] == [("ra", "a_to_b")]
    assert 5.0 <= (matches[0].at - T0).total_seconds() <= 7.5
    assert any(o.confirmation is not None for o in outcomes)
    # and the state a Lambda would save is plain JSON
    saved = PipelineState.model_validate_json(pipeline.state().model_dump_json())
    assert Tracker.from_state(saved.tracker).to_state() == saved.tracker


def test_a_written_sequence_plays_through_video_capture(tmp_path: Path):
    walker = Walker("FudanPed00020", ((0.0, 0.1, 0.9), (2.0, 0.6, 0.9)))
    frames = list(Composer().frames(Scene(background="FudanPed00013", walkers=(walker,), duration_s=2.0, fps=5.0)))
    pattern = write_sequence(frames, tmp_path)
    capture = cv2.VideoCapture(pattern)
    read = 0
    while True:
        ok, pixels = capture.read()
        if not ok:
            break
        assert pixels.shape == (480, 640, 3)
        read += 1
    assert read == len(frames) == 10
    assert all(f.truth for f in frames[1:])  # the walker is in every frame after the first


def test_the_committed_text_graph_is_what_the_generator_writes():
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "dump.pbtxt"
        cv2.dnn.writeTextGraph(str(ssdlite_graph()), str(dump))
        assert textgraph.build(dump.read_text(encoding="utf-8")) == SSDLITE_TEXT_GRAPH.read_text(encoding="utf-8")


def test_a_far_walker_is_found_on_the_moving_region():
    # Given a walker far from the camera: about 80 pixels tall in a 640×480 frame
    walker = Walker("FudanPed00030", ((0.0, 0.3, 0.75), (2.0, 0.55, 0.75)), height=0.18 / (0.45 + 0.55 * 0.75))
    scene = Scene(background="FudanPed00068", walkers=(walker,), duration_s=2.0, fps=4.0)
    found = {}
    for crop in (True, False):
        pipeline = CameraPipeline("cam-far", LocalDetector(), RuleEngine([], []), motion_crop=crop)
        outcomes = [pipeline.process(T0 + timedelta(seconds=f.offset_s), f.pixels) for f in Composer().frames(scene)]
        found[crop] = sum(bool(o.labels and o.labels.instances("Person")) for o in outcomes[1:])
    # Then looking at what moved finds them in every moving frame, the whole frame at 300×300 mostly does not
    assert found[True] == 7
    assert found[False] < found[True]


def test_someone_standing_still_by_the_gate_is_loitering_though_nothing_moves():
    from smartcommune.vision.logic.rules import LoiteringRule, Zone

    # Given a person who walks to the gate and then stands perfectly still for 30 s
    walker = Walker("FudanPed00030", ((0.0, 1.05, 0.9), (2.0, 0.8, 0.9), (32.0, 0.8, 0.9)), height=0.55)
    scene = Scene(background="FudanPed00068", walkers=(walker,), duration_s=32.0, fps=2.0)
    gate = Zone(zone_id="cong", name="Cổng", polygon=[(0.6, 0.6), (1.0, 0.6), (1.0, 1.0), (0.6, 1.0)])
    rule = LoiteringRule(rule_id="lang-vang", name="Lảng vảng", zone_id="cong", seconds=20)
    pipeline = CameraPipeline("cam-gate", LocalDetector(), RuleEngine([gate], [rule]))
    outcomes = [pipeline.process(T0 + timedelta(seconds=f.offset_s), f.jpeg()) for f in Composer().frames(scene)]
    # Then most frames skipped inference, and the loitering was still matched once, about 20 s after arriving
    assert sum(not o.analysed for o in outcomes) > len(outcomes) / 2
    matches = [m for o in outcomes for m in o.matches]
    assert [m.rule_id for m in matches] == ["lang-vang"]
    assert 20 <= (matches[0].at - T0).total_seconds() <= 25
