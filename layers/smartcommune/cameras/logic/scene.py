"""A camera's scene on the vision engine: its tracker and rule engine, built from the staff's zones and rules.

The cameras' rule specs (``contracts.RuleSpec``) map one to one onto the engine's rules; ``camera_health`` rules
are evaluated on health reports instead (``logic.health``), so they are left out here. The state kept between
bursts (DynamoDB, per camera) is the tracker's and the engine's own serialisable state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from smartcommune.cameras.contracts import CameraHealth, EventBox, RuleSpec, StoredCameraConfig
from smartcommune.cameras.logic.ports import Match, SceneStep
from smartcommune.vision.logic.rules import (
    ClassInZoneRule,
    CrowdingRule,
    Line,
    LineCrossingRule,
    LoiteringRule,
    Rule,
    RuleEngine,
    RuleEngineState,
    TimeWindow,
    Zone,
)
from smartcommune.vision.logic.tracking import Tracker, TrackerState

TRACK_GAP_S = 8.0
"""A track survives this long unseen: bursts of a moving scene follow each other within a few seconds."""

_SEVERITY = {"minor": "info", "moderate": "warning", "severe": "critical", "extreme": "critical"}


def engine_rule(spec: RuleSpec) -> Rule | None:
    """The vision engine's rule for a staff rule (None for health rules, evaluated on health reports)."""
    common: dict[str, Any] = {
        "rule_id": spec.rule_id,
        "name": spec.name,
        "severity": _SEVERITY[spec.severity],
        "window": TimeWindow(start=spec.window.start, end=spec.window.end) if spec.window else None,
        "cooldown_s": float(spec.cooldown_s),
    }
    if spec.kind == "zone_presence":
        return ClassInZoneRule(**common, labels=spec.labels, zone_id=str(spec.zone_id))
    if spec.kind == "loitering":
        return LoiteringRule(
            **common, labels=spec.labels, zone_id=str(spec.zone_id), seconds=float(spec.min_seconds or 0)
        )
    if spec.kind == "line_crossing":
        assert spec.line is not None
        return LineCrossingRule(
            **common, labels=spec.labels, line=Line(start=spec.line[0], end=spec.line[1]), direction=spec.direction
        )
    if spec.kind == "crowding":
        common["cooldown_s"] = float(spec.cooldown_s or 300)
        return CrowdingRule(
            **common, zone_id=str(spec.zone_id), label=spec.labels[0], more_than=int(spec.more_than or 0)
        )
    return None


class VisionScene:
    def __init__(self, thing: str, config: StoredCameraConfig, state: dict[str, Any] | None) -> None:
        self.thing = thing
        zones = [Zone(zone_id=z.zone_id, name=z.name, polygon=z.polygon) for z in config.zones]
        rules = [r for r in (engine_rule(s) for s in config.rules if s.enabled) if r is not None]
        tracker_state = TrackerState.model_validate(state["tracker"]) if state else None
        engine_state = RuleEngineState.model_validate(state["rules"]) if state else None
        self.tracker = Tracker(max_age_s=TRACK_GAP_S, state=tracker_state)
        self.engine = RuleEngine(zones, rules, state=engine_state)

    def observe(self, at: datetime, labels: Any, health: CameraHealth | None = None) -> SceneStep:
        tracks = self.tracker.update(at, labels)
        by_id = {t.track_id: t for t in tracks}
        step = SceneStep(
            boxes=[
                EventBox(
                    label=t.name,
                    confidence=round(t.confidence, 1),
                    left=t.box.Left,
                    top=t.box.Top,
                    width=t.box.Width,
                    height=t.box.Height,
                    track_id=str(t.track_id),
                )
                for t in tracks
            ]
        )
        for m in self.engine.evaluate(self.thing, at, tracks):
            boxes = []
            for i, box in enumerate(m.boxes):
                track_id = m.track_ids[i] if i < len(m.track_ids) else None
                track = by_id.get(track_id) if track_id is not None else None
                boxes.append(
                    EventBox(
                        label=track.name if track else (m.labels[0] if m.labels else ""),
                        confidence=round(track.confidence, 1) if track else 0.0,
                        left=box.Left,
                        top=box.Top,
                        width=box.Width,
                        height=box.Height,
                        track_id=str(track_id) if track_id is not None else None,
                    )
                )
            step.matches.append(
                Match(rule_id=m.rule_id, at=m.at, object_key=m.dedup_key, labels=m.labels, boxes=boxes, detail=m.detail)
            )
        return step

    def to_state(self) -> dict[str, Any]:
        return {
            "tracker": self.tracker.to_state().model_dump(mode="json"),
            "rules": self.engine.to_state().model_dump(mode="json"),
        }


class VisionScenes:
    """The :class:`~smartcommune.cameras.logic.ports.SceneFactory` on the vision engine."""

    def __call__(self, thing: str, config: StoredCameraConfig, state: dict[str, Any] | None) -> VisionScene:
        return VisionScene(thing, config, state)
