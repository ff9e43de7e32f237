"""Ports the camera services use (implemented in ``cameras.storage`` and by the vision engine)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from smartcommune.cameras.contracts import (
        BurstManifest,
        Camera,
        CameraEvent,
        CameraHealth,
        EventBox,
        StoredCameraConfig,
    )


@dataclass(frozen=True)
class Match:
    """One rule match, in the cameras' own terms (the vision engine's ``RuleMatch`` mapped by the scene)."""

    rule_id: str
    at: datetime
    object_key: str  # the track (or "" for a camera-wide match): what de-duplication is keyed on
    labels: list[str]
    boxes: list[EventBox]
    detail: str = ""


@dataclass
class SceneStep:
    matches: list[Match] = field(default_factory=list)
    boxes: list[EventBox] = field(default_factory=list)


class Scene(Protocol):
    """A camera's tracker and rule engine with their state: fed one analysed frame at a time."""

    def observe(self, at: datetime, labels: Any, health: CameraHealth | None = None) -> SceneStep: ...

    def to_state(self) -> dict[str, Any]: ...


class SceneFactory(Protocol):
    def __call__(self, thing: str, config: StoredCameraConfig, state: dict[str, Any] | None) -> Scene: ...


class Detector(Protocol):
    """``smartcommune.vision.wiring.detector``: Rekognition-shaped results from JPEG bytes."""

    def detect_labels(self, image: bytes, min_confidence: float | None = None) -> Any: ...

    def blur_faces(self, image: bytes) -> bytes: ...


class FrameStore(Protocol):
    def manifest(self, key: str) -> BurstManifest: ...

    def frame(self, key: str) -> bytes: ...

    def put_snapshot(self, commune_id: str, thing: str, event_id: str, raw: bytes, blurred: bytes) -> None: ...


class Cropper(Protocol):
    def crop(self, image: bytes, boxes: Sequence[EventBox]) -> bytes: ...


class SceneStateStore(Protocol):
    def load(self, commune_id: str, thing: str) -> tuple[dict[str, Any] | None, int | None, datetime | None]:
        """(state, version, last frame time)."""
        ...

    def save(self, commune_id: str, thing: str, state: dict[str, Any], version: int | None, last_at: datetime) -> None:
        """Raises ConflictError when another invocation saved since ``version``."""
        ...


class EventSink(Protocol):
    def record(self, event: CameraEvent, object_key: str, cooldown_s: int) -> bool:
        """Store the event unless one for the same rule and object is within the cooldown; True if stored."""
        ...


class CameraDirectory(Protocol):
    def camera(self, commune_id: str, thing: str) -> Camera | None: ...

    def config(self, commune_id: str, thing: str) -> StoredCameraConfig: ...
