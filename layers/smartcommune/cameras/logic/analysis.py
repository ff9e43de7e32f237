"""Analysing one burst: detector -> tracker -> rules -> de-duplicated events with a snapshot crop.

A burst is the unit of work (one SQS message: its manifest landed in S3). The camera's scene (tracker and rule
state) is loaded once, fed the burst's frames in order and saved with its version: two invocations racing on one
camera make the second fail and come again (its message is reported in ``batchItemFailures``), never a tracker
fed out of order. A burst that is not newer than the scene's last frame (a redelivery of a burst already
analysed, or one overtaken by a later burst) is skipped: its events were recorded the first time, and tracking it
would move objects backwards in time; its frames stay in S3 for review until the retention setting.

A failure part-way (events recorded for the first frames, then the model fails) leaves the scene unsaved: the
retry replays the burst from the same saved scene, the tracker gives the same track ids, the rule engine the same
de-duplication keys, and the events already recorded are not recorded again (their ids derive from those keys).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from smartcommune.cameras.contracts import (
    RULE_LABELS_VI,
    Camera,
    CameraEvent,
    RuleSpec,
    frame_key,
)
from smartcommune.core.errors import NotFoundError

if TYPE_CHECKING:
    from smartcommune.cameras.logic.ports import (
        CameraDirectory,
        Cropper,
        Detector,
        EventSink,
        FrameStore,
        Match,
        SceneFactory,
        SceneStateStore,
    )


def event_id_for(thing: str, rule_id: str, object_key: str) -> str:
    """Deterministic: the same match analysed twice (a retried burst) names the same event."""
    raw = f"{thing}|{rule_id}|{object_key}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


@dataclass
class BurstOutcome:
    commune_id: str
    thing: str
    frames: int
    analysed: int
    events: list[CameraEvent] = field(default_factory=list)
    stale: bool = False


class BurstAnalyser:
    """Runs one burst through the camera's scene and records what its rules matched."""

    def __init__(
        self,
        *,
        frames: FrameStore,
        detector: Detector,
        scenes: SceneFactory,
        states: SceneStateStore,
        events: EventSink,
        directory: CameraDirectory,
        cropper: Cropper,
        clock: Callable[[], datetime],
        min_confidence: float | None = None,
    ) -> None:
        self._frames = frames
        self._detector = detector
        self._scenes = scenes
        self._states = states
        self._events = events
        self._directory = directory
        self._cropper = cropper
        self._clock = clock
        self._min_confidence = min_confidence

    def analyse(self, manifest_key: str) -> BurstOutcome:
        manifest = self._frames.manifest(manifest_key)
        camera = self._directory.camera(manifest.commune_id, manifest.thing)
        if camera is None:
            raise NotFoundError("Không tìm thấy camera.", "Camera not found.")
        config = self._directory.config(manifest.commune_id, manifest.thing)
        rules = {r.rule_id: r for r in config.rules if r.enabled}
        state, version, last_at = self._states.load(manifest.commune_id, manifest.thing)
        first_at = min(f.at for f in manifest.frames)
        stale = last_at is not None and first_at <= last_at
        outcome = BurstOutcome(
            commune_id=manifest.commune_id, thing=manifest.thing, frames=len(manifest.frames), analysed=0, stale=stale
        )
        if stale:
            return outcome
        scene = self._scenes(manifest.thing, config, state)
        newest = last_at
        for frame in sorted(manifest.frames, key=lambda f: f.at):
            key = frame_key(manifest.commune_id, manifest.thing, manifest.day, manifest.burst_id, frame.index)
            image = self._frames.frame(key)
            labels = self._detector.detect_labels(image, self._min_confidence)
            step = scene.observe(frame.at, labels)
            outcome.analysed += 1
            newest = frame.at if newest is None or frame.at > newest else newest
            for match in step.matches:
                rule = rules.get(match.rule_id)
                if rule is None:
                    continue
                event = self._event(camera, rule, match)
                if self._events.record(event, match.object_key, 0):  # the engine folds by cooldown; this is idempotency
                    self._snapshot(event, image, match)
                    outcome.events.append(event)
        if newest is not None:
            self._states.save(manifest.commune_id, manifest.thing, scene.to_state(), version, newest)
        return outcome

    def _event(self, camera: Camera, rule: RuleSpec, match: Match) -> CameraEvent:
        thing = camera.thing
        camera_name, hamlet_id = camera.name, camera.hamlet_id
        return CameraEvent(
            event_id=event_id_for(thing, rule.rule_id, match.object_key),
            commune_id=camera.commune_id,
            thing=thing,
            camera_name=camera_name,
            hamlet_id=hamlet_id,
            rule_id=rule.rule_id,
            rule_name=rule.name,
            rule_kind=rule.kind,
            severity=rule.severity,
            at=match.at,
            labels=sorted(set(match.labels)),
            boxes=match.boxes,
            detail=match.detail or RULE_LABELS_VI[rule.kind],
            snapshot=True,
        )

    def _snapshot(self, event: CameraEvent, image: bytes, match: Match) -> None:
        crop = self._cropper.crop(image, match.boxes)
        self._frames.put_snapshot(event.commune_id, event.thing, event.event_id, crop, self._detector.blur_faces(crop))
