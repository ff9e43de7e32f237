"""The scripted sequence of ``vision_rules``: who crosses the line which way, who loiters, and what is found.

A line stands across the pavement in the middle of the picture (side B on its left, A on its right). People walk
across it both ways (two of them at the same time, passing each other), two walk up to it and turn back, one
paces inside the zone by the gate for 40 s (loitering: the rule's limit is 20 s), one stops there for 8 s and goes.
Every match the pipeline yields is attributed to the walker whose true box it overlaps most at that moment; a match
on no walker, on a walker who did not do that, or a second match for the same thing is a false event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
FPS = 10.0
LINE_X = 0.5
LOITER_S = 20.0


PACING = ((52.0, 1.08, 0.86), (54.0, 0.86, 0.86), (64.0, 0.78, 0.88), (74.0, 0.9, 0.86), (84.0, 0.8, 0.88),
          (94.0, 0.86, 0.86), (96.0, 1.08, 0.86))  # fmt: skip


def _script() -> tuple[Any, set[tuple[str, int]]]:
    from smartcommune.vision.engine.sequences import Scene, Walker

    def across(sprite: str, t: float, rightward: bool, y: float, seconds: float = 7.0) -> Walker:
        start, end = (-0.08, 1.08) if rightward else (1.08, -0.08)
        return Walker(sprite=sprite, keyframes=((t, start, y), (t + seconds, end, y + 0.02)), height=0.55)

    walkers = [
        across("FudanPed00002", 1.0, True, 0.86),  # 0: B→A
        across("FudanPed00011", 11.0, False, 0.9),  # 1: A→B
        across("FudanPed00015", 21.0, True, 0.84),  # 2: B→A, while 3 comes the other way
        across("FudanPed00027", 21.5, False, 0.95),  # 3: A→B
        # 4: walks up to the line from the left and turns back: no crossing
        Walker("FudanPed00035", ((33.0, -0.08, 0.88), (36.0, 0.36, 0.88), (37.0, 0.38, 0.88), (40.0, -0.08, 0.9))),
        # 5: comes from the right, hesitates short of the line, goes back
        Walker("FudanPed00069", ((42.0, 1.08, 0.9), (45.0, 0.66, 0.9), (46.0, 0.64, 0.9), (49.0, 1.08, 0.92))),
        # 6: loiters in the gate zone (right quarter) for 40 s, pacing
        Walker(
            "FudanPed00020",
            (
                (52.0, 1.08, 0.86),
                (54.0, 0.86, 0.86),
                (64.0, 0.78, 0.88),
                (74.0, 0.9, 0.86),
                (84.0, 0.8, 0.88),
                (94.0, 0.86, 0.86),
                (96.0, 1.08, 0.86),
            ),
        ),
        # 7: stops by the gate for 8 s then leaves: not loitering
        Walker("FudanPed00067", ((100.0, 1.08, 0.9), (102.0, 0.85, 0.9), (110.0, 0.84, 0.9), (112.0, 1.08, 0.9))),
        across("FudanPed00033", 115.0, False, 0.88),  # 8: A→B
    ]
    expected = {("vao", 0), ("ra", 1), ("vao", 2), ("ra", 3), ("lang-vang", 6), ("ra", 8)}
    return Scene(background="FudanPed00068", walkers=tuple(walkers), duration_s=125.0, fps=FPS), expected


def run_script() -> dict[str, Any]:
    from smartcommune.vision.contracts import BoundingBox
    from smartcommune.vision.engine.local import LocalDetector
    from smartcommune.vision.engine.pipeline import CameraPipeline
    from smartcommune.vision.engine.sequences import Composer
    from smartcommune.vision.logic.rules import Line, LineCrossingRule, LoiteringRule, Rule, RuleEngine, Zone

    scene, expected = _script()
    line = Line(start=(LINE_X, 0.55), end=(LINE_X, 1.0))  # drawn downward: A is the right side, B the left
    gate = Zone(zone_id="cong", name="Cổng", polygon=[(0.72, 0.7), (1.0, 0.7), (1.0, 1.0), (0.72, 1.0)])
    rules: list[Rule] = [
        LineCrossingRule(rule_id="vao", name="Vào (B→A)", line=line, direction="b_to_a"),
        LineCrossingRule(rule_id="ra", name="Ra (A→B)", line=line, direction="a_to_b"),
        LoiteringRule(rule_id="lang-vang", name="Lảng vảng ở cổng", zone_id="cong", seconds=LOITER_S),
    ]
    pipeline = CameraPipeline("script-cam", LocalDetector(), RuleEngine([gate], rules))
    found: list[tuple[str, int | None, str]] = []
    rejected = 0
    for frame in Composer().frames(scene):
        at = T0 + timedelta(seconds=frame.offset_s)
        outcome = pipeline.process(at, frame.jpeg())
        rejected += len(outcome.rejected)
        for match in outcome.matches:
            walker = None
            best = 0.3
            for number, corners in frame.truth:
                overlap = match.boxes[0].iou(BoundingBox.from_corners(*corners)) if match.boxes else 0.0
                if overlap > best:
                    walker, best = number, overlap
            found.append((match.rule_id, walker, at.isoformat()))
    hits = {(rule, walker) for rule, walker, _ in found if walker is not None and (rule, walker) in expected}
    false_events = len(found) - len(hits)
    return {
        "events_expected": len(expected),
        "events_found": len(hits),
        "false_events": false_events,
        "missed": sorted(f"{rule}:walker{w}" for rule, w in expected - hits),
        "matches": [{"rule": r, "walker": w, "at": at} for r, w, at in found],
        "rejected_by_confirmation": rejected,
        "confirmations": pipeline.confirmations,
        "frames": int(scene.duration_s * scene.fps),
        "loitering_limit_s": LOITER_S,
    }
