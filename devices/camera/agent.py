"""The camera agent: reads its stream, gates motion at the edge, uploads short bursts to S3, obeys commands.

- **Stream**: :class:`~devices.camera.source.FrameSource` (OpenCV ``VideoCapture``: RTSP in the field, a file or
  an image sequence locally), read at the configured frame rate and resized to the configured resolution.
- **Motion gate**: the vision engine's ``MotionGate`` decides which frames may matter (``should_analyse``); only
  those are kept, inside the detection zones when some are set (the rest of the picture is masked). Moving frames
  are batched into bursts of ``burst_frames`` (or fewer, when motion stops): a burst is uploaded as JPEG frames and
  then its manifest (``burst.json``), whose arrival in S3 starts the analysis. Static scenes upload nothing.
- **Uploads**: an :class:`~smartcommune.cameras.contracts.UploadGrant` (a presigned POST bound to the camera's own
  key prefix, an hour long) is asked for on ``upload/request`` and arrives on ``upload/grant``; it is reused for
  every burst until shortly before it expires. No AWS credentials live on the camera.
- **Commands** on ``cmd``: ``snapshot`` (upload the current frame now), ``settings`` (frame rate, resolution),
  ``zones`` (detection zones), ``reboot`` (reopen the stream, reset the gate). Each ``command_id`` is acted on
  once: the ids handled are kept in a state file, and a redelivery is acked ``duplicate``.
- **Health** every ``health_s`` on ``health`` (QoS 0): measured fps, last frame time, lens covered (a frame too
  dark and flat several times running), whether the stream reads; the platform writes it to the thing shadow.

Connection: mutual TLS with the device certificate (CN = thing name) through awsiotsdk, as the speakers.

Long because: this is the whole firmware-side behaviour of one camera (stream, gate, bursts, grants, commands,
health), which a device maker reads as one file; the stream and the uploads are already apart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from devices.camera.source import FrameSource
from devices.camera.uploads import UploadError, post_file
from smartcommune.cameras.contracts import (
    BurstManifest,
    CameraAck,
    CameraAckState,
    CameraCommand,
    CameraHealth,
    ManifestFrame,
    UploadGrant,
    UploadRequest,
    ZoneSpec,
    camera_topic,
    frame_key,
    manifest_key,
)
from smartcommune.devices.storage.mqtt import MqttClient, TlsFiles

log = logging.getLogger("devices.camera")

Gate = Callable[[Any], bool]
Uploader = Callable[[UploadGrant, str, bytes, str], None]


@dataclass(frozen=True)
class CameraAgentConfig:
    thing: str
    commune_id: str
    host: str
    port: int
    tls: TlsFiles
    stream_url: str
    state_dir: Path
    fps: float = 2.0
    width: int = 640
    height: int = 360
    health_s: float = 30.0
    burst_frames: int = 4
    jpeg_quality: int = 80
    covered_frames: int = 3


@dataclass
class _State:
    seen: dict[str, str] = field(default_factory=dict)  # command_id -> when handled (ISO), pruned after a day
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    zones: list[dict[str, Any]] = field(default_factory=list)


def default_gate() -> Gate:
    from smartcommune.vision.logic.motion import MotionGate

    gate = MotionGate()
    return gate.should_analyse


class CameraAgent:
    """One camera. ``start()`` connects and starts reading; ``stop()`` disconnects and stops."""

    def __init__(
        self,
        config: CameraAgentConfig,
        *,
        gate_factory: Callable[[], Gate] = default_gate,
        uploader: Uploader = post_file,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self._gate_factory = gate_factory
        self._gate = gate_factory()
        self._upload = uploader
        self._clock = clock
        self._lock = threading.Lock()
        self._state_path = config.state_dir / f"{config.thing}.json"
        self._state = self._load_state()
        self.source = FrameSource(config.stream_url)
        self.client: MqttClient | None = None
        self._running = False
        self._thread: threading.Thread | None = None
        self._grant: UploadGrant | None = None
        self._grant_ready = threading.Event()
        self._snapshot_requests: list[str] = []
        self._burst: list[tuple[datetime, bytes]] = []
        self._dark_run = 0
        self._frame_times: list[float] = []
        self.last_frame_at: datetime | None = None
        self.covered = False
        self.frames_read = 0
        self.bursts_sent = 0
        self.acks: list[CameraAck] = []
        self.reboots = 0

    # -- settings in force

    @property
    def fps(self) -> float:
        return self._state.fps or self.config.fps

    @property
    def resolution(self) -> tuple[int, int]:
        return (self._state.width or self.config.width, self._state.height or self.config.height)

    @property
    def zones(self) -> list[ZoneSpec]:
        return [ZoneSpec.model_validate(z) for z in self._state.zones]

    # -- lifecycle

    def connect(self, timeout_s: float = 10.0) -> None:
        c = self.config
        self.client = MqttClient(
            c.host, c.port, client_id=c.thing, tls=c.tls, clean_session=False, on_message=self.handle_message
        )
        session_present = self.client.connect(timeout_s)
        if not session_present:
            self.client.subscribe(camera_topic(c.commune_id, c.thing, "cmd"), 1, timeout_s)
            self.client.subscribe(camera_topic(c.commune_id, c.thing, "upload/grant"), 1, timeout_s)

    def start(self) -> None:
        self.connect()
        self._running = True
        self._thread = threading.Thread(target=self._run, name=f"camera-{self.config.thing}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        if self.client is not None:
            self.client.disconnect()
            self.client = None
        self.source.close()

    def _run(self) -> None:
        next_health = 0.0
        while self._running:
            started = time.monotonic()
            try:
                self.tick()
                if started >= next_health:
                    self.send_health()
                    next_health = started + self.config.health_s
            except Exception:
                log.exception("%s: frame loop step failed", self.config.thing)
            time.sleep(max(0.0, 1.0 / self.fps - (time.monotonic() - started)))

    # -- frames

    def tick(self) -> None:
        """Read one frame; keep it if it moved (or a snapshot was asked for); upload a burst when it is due."""
        import cv2

        frame = self.source.read()
        if frame is None:
            return
        width, height = self.resolution
        if frame.shape[1] != width or frame.shape[0] != height:
            frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
        now = self._clock()
        self.frames_read += 1
        self.last_frame_at = now
        self._frame_times = [*self._frame_times[-29:], time.monotonic()]
        self._check_covered(frame)
        ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.config.jpeg_quality])
        if not ok:
            return
        jpeg = bytes(encoded)
        with self._lock:
            snapshots, self._snapshot_requests = self._snapshot_requests, []
        for command_id in snapshots:
            self._send_burst([(now, jpeg)], "snapshot", command_id)
        if self._gate(self._masked(frame)):
            self._burst.append((now, jpeg))
            if len(self._burst) >= self.config.burst_frames:
                self.flush()
        elif self._burst:
            self.flush()

    def flush(self) -> None:
        burst, self._burst = self._burst, []
        if burst:
            self._send_burst(burst, "motion", None)

    def _masked(self, frame: Any) -> Any:
        zones = self.zones
        if not zones:
            return frame
        import cv2
        import numpy as np

        h, w = frame.shape[:2]
        mask = np.zeros((h, w), dtype=np.uint8)
        for zone in zones:
            points = np.array([[int(x * w), int(y * h)] for x, y in zone.polygon], dtype=np.int32)
            cv2.fillPoly(mask, [points], 255)
        return cv2.bitwise_and(frame, frame, mask=mask)

    def _check_covered(self, frame: Any) -> None:
        import cv2

        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        flat = float(gray.std()) < 6.0 and float(gray.mean()) < 60.0
        self._dark_run = self._dark_run + 1 if flat else 0
        self.covered = self._dark_run >= self.config.covered_frames

    # -- uploads

    def _grant_for(self, timeout_s: float = 10.0) -> UploadGrant | None:
        grant = self._grant
        if grant is not None and grant.expires_at - timedelta(seconds=60) > self._clock():
            return grant
        client = self.client
        if client is None:
            return None
        self._grant_ready.clear()
        request = UploadRequest(thing=self.config.thing, at=self._clock(), request_id=uuid.uuid4().hex)
        client.publish(self._topic("upload/request"), request.model_dump_json().encode(), 1)
        if not self._grant_ready.wait(timeout_s):
            log.warning("%s: no upload grant within %ss", self.config.thing, timeout_s)
            return None
        return self._grant

    def _send_burst(self, frames: list[tuple[datetime, bytes]], reason: str, command_id: str | None) -> bool:
        grant = self._grant_for()
        if grant is None:
            if command_id:
                self._ack(command_id, "failed", "no upload grant")
            return False
        c = self.config
        first = frames[0][0]
        day = first.strftime("%Y-%m-%d")
        burst_id = f"{first.strftime('%H%M%S')}-{uuid.uuid4().hex[:8]}"
        width, height = self.resolution
        try:
            for index, (_, jpeg) in enumerate(frames):
                self._upload(grant, frame_key(c.commune_id, c.thing, day, burst_id, index), jpeg, "image/jpeg")
            manifest = BurstManifest(
                thing=c.thing,
                commune_id=c.commune_id,
                burst_id=burst_id,
                day=day,
                reason="snapshot" if reason == "snapshot" else "motion",
                command_id=command_id,
                width=width,
                height=height,
                frames=[ManifestFrame(index=i, at=at) for i, (at, _) in enumerate(frames)],
            )
            body = manifest.model_dump_json().encode()
            self._upload(grant, manifest_key(c.commune_id, c.thing, day, burst_id), body, "application/json")
        except UploadError as exc:
            log.warning("%s: burst upload failed: %s", c.thing, exc)
            self._grant = None  # ask for a fresh grant next time
            if command_id:
                self._ack(command_id, "failed", "upload failed")
            return False
        self.bursts_sent += 1
        if command_id:
            self._ack(command_id, "done", f"burst {burst_id}")
        return True

    # -- messages

    def handle_message(self, topic: str, payload: bytes) -> None:
        try:
            if topic.endswith("/upload/grant"):
                self._grant = UploadGrant.model_validate_json(payload)
                self._grant_ready.set()
            elif topic.endswith("/cmd"):
                self.handle_command(payload)
        except Exception:
            log.exception("%s: message on %s failed", self.config.thing, topic)

    def handle_command(self, payload: bytes) -> None:
        try:
            command = CameraCommand.model_validate_json(payload)
        except ValidationError:
            log.warning("%s: malformed command dropped", self.config.thing)
            return
        if command.thing != self.config.thing:
            return
        with self._lock:
            if command.command_id in self._state.seen:
                duplicate = True
            else:
                duplicate = False
                self._state.seen[command.command_id] = self._clock().isoformat()
                self._save_state()
        if duplicate:
            self._ack(command.command_id, "duplicate", "already handled")
            return
        self._act(command)

    def _act(self, command: CameraCommand) -> None:
        if command.kind == "snapshot":
            with self._lock:
                self._snapshot_requests.append(command.command_id)  # the next frame; acked when uploaded
            return
        if command.kind == "settings":
            with self._lock:
                if command.fps is not None:
                    self._state.fps = command.fps
                if command.width is not None and command.height is not None:
                    self._state.width, self._state.height = command.width, command.height
                self._save_state()
        elif command.kind == "zones":
            with self._lock:
                self._state.zones = [z.model_dump(mode="json") for z in command.zones or []]
                self._save_state()
        elif command.kind == "reboot":
            self.reboots += 1
            self.source.close()
            self._gate = self._gate_factory()
            self._burst = []
            self._grant = None
        self._ack(command.command_id, "done", command.kind)

    def _ack(self, command_id: str, state: CameraAckState, detail: str = "") -> None:
        ack = CameraAck(command_id=command_id, thing=self.config.thing, state=state, at=self._clock(), detail=detail)
        self.acks.append(ack)
        client = self.client
        if client is not None:
            client.publish(self._topic("ack"), ack.model_dump_json().encode(), 1)

    def health(self) -> CameraHealth:
        times = self._frame_times
        fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) >= 2 and times[-1] > times[0] else 0.0
        width, height = self.resolution
        return CameraHealth(
            thing=self.config.thing,
            at=self._clock(),
            fps=round(min(fps, 60.0), 2),
            last_frame_at=self.last_frame_at,
            covered=self.covered,
            stream_ok=self.source.failures < 3,
            frames_read=self.frames_read,
            bursts_sent=self.bursts_sent,
            width=width,
            height=height,
        )

    def send_health(self) -> None:
        client = self.client
        if client is not None:
            client.publish(self._topic("health"), self.health().model_dump_json().encode(), 0)

    def _topic(self, kind: str) -> str:
        return camera_topic(self.config.commune_id, self.config.thing, kind)

    # -- state

    def _load_state(self) -> _State:
        try:
            data = json.loads(self._state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return _State()
        return _State(
            seen=dict(data.get("seen", {})),
            fps=data.get("fps"),
            width=data.get("width"),
            height=data.get("height"),
            zones=list(data.get("zones", [])),
        )

    def _save_state(self) -> None:
        cutoff = (self._clock() - timedelta(days=1)).isoformat()
        self._state.seen = {k: v for k, v in self._state.seen.items() if v >= cutoff}
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._state_path.with_suffix(".tmp")
        data = {
            "seen": self._state.seen,
            "fps": self._state.fps,
            "width": self._state.width,
            "height": self._state.height,
            "zones": self._state.zones,
        }
        tmp.write_text(json.dumps(data), encoding="utf-8")
        with contextlib.suppress(OSError):
            tmp.replace(self._state_path)
