"""One camera's analysis, frame by frame: decode, motion gate, per-frame detection, tracking, rules, confirmation.

The cascade: the fast person detector runs on every frame the gate lets through (on the moving region, enlarged,
when that region is small: far walkers become detectable); when a rule matches, the frame is confirmed by the fused
models, and a match on an object the fused models do not see there (IoU < 0.3 with a confirmed instance of its
label) is dropped. ``state()`` is what to save between bursts; a Lambda handling one burst per invocation carries
on with ``CameraPipeline(camera, detector, RuleEngine.from_state(zones, rules, saved.rules),
tracker=Tracker.from_state(saved.tracker))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from smartcommune.vision.contracts import (
    CONFIRM_MIN_CONFIDENCE,
    OPERATING_MIN_CONFIDENCE,
    BoundingBox,
    DetectLabelsResult,
)
from smartcommune.vision.engine.local import (
    CONFIRM_MODEL_VERSION,
    FRAME_MODEL_VERSION,
    LocalDetector,
    decode,
    labels_of,
)
from smartcommune.vision.logic.motion import MotionGate, looks_covered
from smartcommune.vision.logic.rules import CameraHealth, RuleEngine, RuleEngineState, RuleMatch
from smartcommune.vision.logic.tracking import Tracker, TrackerState

if TYPE_CHECKING:
    from datetime import datetime

    from numpy.typing import NDArray

OBJECT_RULES = frozenset({"class_in_zone", "loitering", "line_crossing"})


class PipelineState(BaseModel):
    tracker: TrackerState
    rules: RuleEngineState


@dataclass
class FrameOutcome:
    at: datetime
    analysed: bool
    labels: DetectLabelsResult | None = None
    matches: list[RuleMatch] = field(default_factory=list)
    """Confirmed matches: what becomes an event."""
    rejected: list[RuleMatch] = field(default_factory=list)
    """Candidates the fused models did not confirm."""
    confirmation: DetectLabelsResult | None = None
    covered: bool = False


class CameraPipeline:
    def __init__(
        self,
        camera_id: str,
        detector: LocalDetector,
        rules: RuleEngine,
        *,
        gate: MotionGate | None = None,
        tracker: Tracker | None = None,
        confirm: bool = True,
        motion_crop: bool = True,
    ) -> None:
        self.camera_id = camera_id
        self.detector = detector
        self.rules = rules
        self.gate = gate if gate is not None else MotionGate()
        self.tracker = tracker if tracker is not None else Tracker()
        self.confirm = confirm
        self.motion_crop = motion_crop
        self.confirmations = 0

    def state(self) -> PipelineState:
        return PipelineState(tracker=self.tracker.to_state(), rules=self.rules.to_state())

    def process(self, at: datetime, image: bytes | NDArray[Any], health: CameraHealth | None = None) -> FrameOutcome:
        pixels = decode(image) if isinstance(image, bytes) else image
        analyse = self.gate.should_analyse(pixels)
        covered = self.gate.last is not None and looks_covered(self.gate.last)
        if health is None:
            health = CameraHealth(last_frame_at=at, covered=covered)
        if analyse:
            region = self.gate.last.region if self.gate.last is not None and self.motion_crop else None
            found = self.detector.frame_boxes(pixels, region)
            labels = labels_of(found, OPERATING_MIN_CONFIDENCE, FRAME_MODEL_VERSION)
            tracks = self.tracker.update(at, labels)
            outcome = FrameOutcome(at, True, labels, covered=covered)
        else:
            # nothing moved: the objects seen last stand where they were (a loitering clock runs on)
            tracks = self.tracker.hold(at)
            outcome = FrameOutcome(at, False, covered=covered)
        candidates = self.rules.evaluate(self.camera_id, at, tracks, health)
        objects = [m for m in candidates if m.kind in OBJECT_RULES]
        outcome.matches = [m for m in candidates if m.kind not in OBJECT_RULES]
        if not objects:
            return outcome
        if not self.confirm:
            outcome.matches += objects
            return outcome
        self.confirmations += 1
        boxes = [b.corners for m in objects for b in m.boxes]
        around = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        fused = self.detector.confirm_boxes(pixels, around if self.motion_crop and boxes else None)
        confirmed = labels_of(fused, CONFIRM_MIN_CONFIDENCE, CONFIRM_MODEL_VERSION)
        outcome.confirmation = confirmed
        for match in objects:
            if all(any(_seen(confirmed, name, box) for name in match.labels) for box in match.boxes):
                outcome.matches.append(match)
            else:
                outcome.rejected.append(match)
        return outcome


def _seen(confirmed: DetectLabelsResult, name: str, box: BoundingBox) -> bool:
    return any(box.iou(i.BoundingBox) >= 0.3 for i in confirmed.instances(name))
