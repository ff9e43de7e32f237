"""SORT-style tracking: each object keeps an identity (``track_id``) across the frames of one camera.

Tracks are predicted forward with their velocity, then matched to the frame's detections of the same label by
IoU (greedy, best overlap first), or by distance when a fast object's boxes no longer overlap. A detection nothing
matched starts a track; a track unseen for ``max_age_s`` ends. The whole state is a pydantic model, so a Lambda
can keep it per camera between bursts (``to_state`` / ``from_state``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, Field

from smartcommune.vision.contracts import BoundingBox, Detection, DetectLabelsResult, detections_of

Box = BoundingBox


class Track(BaseModel):
    track_id: int
    name: str
    box: Box
    confidence: float
    first_seen: datetime
    last_seen: datetime
    hits: int = 1
    vx: float = 0.0
    """Velocity of the box centre, image widths per second."""
    vy: float = 0.0

    @property
    def age_s(self) -> float:
        return (self.last_seen - self.first_seen).total_seconds()

    def predicted(self, at: datetime) -> BoundingBox:
        dt = max((at - self.last_seen).total_seconds(), 0.0)
        b = self.box
        return BoundingBox.from_corners(
            b.Left + self.vx * dt,
            b.Top + self.vy * dt,
            b.Left + b.Width + self.vx * dt,
            b.Top + b.Height + self.vy * dt,
        )


class TrackerState(BaseModel):
    next_id: int = 1
    tracks: list[Track] = Field(default_factory=list)


class Tracker:
    def __init__(
        self,
        *,
        iou_threshold: float = 0.25,
        max_age_s: float = 3.0,
        min_hits: int = 2,
        max_jump: float = 0.6,
        state: TrackerState | None = None,
    ) -> None:
        """``max_jump``: the farthest (in box sizes) a centre may move between frames and still be matched when
        the boxes no longer overlap. ``min_hits``: a track is reported once seen this many times (a lone false
        detection never becomes an object)."""
        self.iou_threshold = iou_threshold
        self.max_age_s = max_age_s
        self.min_hits = min_hits
        self.max_jump = max_jump
        self._state = state.model_copy(deep=True) if state else TrackerState()

    def to_state(self) -> TrackerState:
        return self._state.model_copy(deep=True)

    @classmethod
    def from_state(cls, state: TrackerState, **options: float) -> Tracker:
        return cls(state=state, **options)  # type: ignore[arg-type]

    @property
    def tracks(self) -> list[Track]:
        return list(self._state.tracks)

    def update(self, at: datetime, detections: Iterable[Detection] | DetectLabelsResult) -> list[Track]:
        """The confirmed tracks seen in this frame, after matching ``detections`` (taken at ``at``)."""
        found = detections_of(detections) if isinstance(detections, DetectLabelsResult) else list(detections)
        state = self._state
        state.tracks = [t for t in state.tracks if (at - t.last_seen).total_seconds() <= self.max_age_s]
        predicted = [t.predicted(at) for t in state.tracks]
        pairs: list[tuple[float, int, int]] = []
        for ti, (track, box) in enumerate(zip(state.tracks, predicted, strict=True)):
            for di, det in enumerate(found):
                if det.Name != track.name:
                    continue
                overlap = box.iou(det.BoundingBox)
                if overlap >= self.iou_threshold:
                    pairs.append((1.0 + overlap, ti, di))
                    continue
                (cx, cy), (dx, dy) = box.centre, det.BoundingBox.centre
                size = max(box.Width, box.Height, det.BoundingBox.Width, det.BoundingBox.Height, 1e-6)
                jump = ((cx - dx) ** 2 + (cy - dy) ** 2) ** 0.5 / size
                if jump <= self.max_jump:
                    pairs.append((1.0 - jump, ti, di))  # always ranked below any overlap
        pairs.sort(reverse=True)
        used_tracks: set[int] = set()
        used_dets: set[int] = set()
        for _score, ti, di in pairs:
            if ti in used_tracks or di in used_dets:
                continue
            used_tracks.add(ti)
            used_dets.add(di)
            self._advance(state.tracks[ti], found[di], at)
        for di, det in enumerate(found):
            if di not in used_dets:
                state.tracks.append(
                    Track(
                        track_id=state.next_id,
                        name=det.Name,
                        box=det.BoundingBox,
                        confidence=det.Confidence,
                        first_seen=at,
                        last_seen=at,
                    )
                )
                state.next_id += 1
        return [t.model_copy() for t in state.tracks if t.last_seen == at and t.hits >= self.min_hits]

    @staticmethod
    def _advance(track: Track, det: Detection, at: datetime) -> None:
        dt = (at - track.last_seen).total_seconds()
        if dt > 0:
            (ox, oy), (nx, ny) = track.box.centre, det.BoundingBox.centre
            vx, vy = (nx - ox) / dt, (ny - oy) / dt
            smoothing = 0.5 if track.hits > 1 else 1.0
            track.vx = (1 - smoothing) * track.vx + smoothing * vx
            track.vy = (1 - smoothing) * track.vy + smoothing * vy
        track.box = det.BoundingBox
        track.confidence = det.Confidence
        track.last_seen = at
        track.hits += 1
