"""The cameras' contracts: registry records, MQTT messages shared with the edge agent (``devices/camera``), staff
zones and rules, events, and the dashboard's summary.

It imports only pydantic and the standard library (plus ``core.contracts``), so the agent can use it.

MQTT topics (same on AWS IoT Core and the local Mosquitto)::

    sc/<commune>/cameras/<thing>/cmd             platform -> camera, QoS 1, CameraCommand (acted on once per id)
    sc/<commune>/cameras/<thing>/ack             camera -> platform, QoS 1, CameraAck
    sc/<commune>/cameras/<thing>/health          camera -> platform, QoS 0, CameraHealth (to the thing shadow)
    sc/<commune>/cameras/<thing>/upload/request  camera -> platform, QoS 1, UploadRequest
    sc/<commune>/cameras/<thing>/upload/grant    platform -> camera, QoS 1, UploadGrant (a presigned POST)

S3 keys (the camera bucket)::

    frames/<commune>/<thing>/<yyyy-mm-dd>/<burst>/<nn>.jpg   raw frames: deleted after the retention setting
    frames/<commune>/<thing>/<yyyy-mm-dd>/<burst>/burst.json the burst's manifest, written last: it starts analysis
    events/<commune>/<thing>/<event>/raw.jpg | blurred.jpg   event snapshots (crops), kept longer

Long because: the whole wire contract between the platform and its cameras (topics, messages, keys), and the
staff-facing shapes (zones, rules, events, summary) are one reviewed document.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from smartcommune.core.contracts import CommuneId, Contract

TOPIC_ROOT = "sc"
CAMERA_THING_PATTERN = r"^[a-z0-9]{1,12}-cam-\d{2}$"
_THING = re.compile(CAMERA_THING_PATTERN)
COMMAND_ID_PATTERN = r"^[0-9a-f-]{36}$"
BURST_ID_PATTERN = r"^[0-9a-z-]{8,40}$"
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,29}$"

FRAME_PREFIX = "frames/"
EVENT_PREFIX = "events/"
MANIFEST_NAME = "burst.json"
MAX_FRAME_BYTES = 2 * 1024 * 1024
MAX_BURST_FRAMES = 16

CameraSite = Literal["main_road", "alley", "crossing", "market", "school_gate"]
SITE_LABELS_VI: dict[str, str] = {
    "main_road": "Đường trục chính",
    "alley": "Ngõ xóm",
    "crossing": "Ngã ba, ngã tư",
    "market": "Chợ",
    "school_gate": "Cổng trường",
}


# ---------------------------------------------------------------- topics


def camera_topic(commune_id: str, thing: str, kind: str) -> str:
    return f"{TOPIC_ROOT}/{commune_id}/cameras/{thing}/{kind}"


def parse_camera_topic(topic: str) -> tuple[str, str, str]:
    """``sc/<commune>/cameras/<thing>/<kind...>`` -> (commune, thing, kind); ValueError otherwise."""
    parts = topic.split("/")
    if len(parts) < 5 or parts[0] != TOPIC_ROOT or parts[2] != "cameras" or not _THING.match(parts[3]):
        raise ValueError(f"not a camera topic: {topic!r}")
    return parts[1], parts[3], "/".join(parts[4:])


def camera_thing_name(prefix: str, number: int) -> str:
    """``gp-cam-01``: commune prefix, camera 01-99."""
    return f"{prefix}-cam-{number:02d}"


def is_camera_thing(thing: str) -> bool:
    return bool(_THING.match(thing))


def frame_key(commune_id: str, thing: str, day: str, burst_id: str, index: int) -> str:
    return f"{FRAME_PREFIX}{commune_id}/{thing}/{day}/{burst_id}/{index:02d}.jpg"


def manifest_key(commune_id: str, thing: str, day: str, burst_id: str) -> str:
    return f"{FRAME_PREFIX}{commune_id}/{thing}/{day}/{burst_id}/{MANIFEST_NAME}"


def camera_prefix(commune_id: str, thing: str) -> str:
    """Everything one camera may upload: its presigned POST is bound to this prefix."""
    return f"{FRAME_PREFIX}{commune_id}/{thing}/"


def parse_frame_key(key: str) -> tuple[str, str]:
    """(commune, thing) of a key under ``frames/``; ValueError otherwise."""
    parts = key.split("/")
    if len(parts) != 6 or parts[0] != FRAME_PREFIX.rstrip("/") or not _THING.match(parts[2]):
        raise ValueError(f"not a camera frame key: {key!r}")
    return parts[1], parts[2]


# ---------------------------------------------------------------- time


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a timezone")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, Field(description="aware; normalised to UTC")]


class _Wire(Contract):
    """A message on the wire: timestamps normalised to UTC."""

    @field_validator("*", mode="after")
    @classmethod
    def _utc_fields(cls, value: Any) -> Any:
        return _utc(value) if isinstance(value, datetime) else value


# ---------------------------------------------------------------- zones (relative coordinates, 0..1)

Point = tuple[float, float]


def _check_point(p: Point) -> Point:
    x, y = p
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise ValueError("toạ độ phải nằm trong khung hình (0..1) / coordinates are ratios of the frame (0..1)")
    return (float(x), float(y))


class ZoneSpec(Contract):
    """A polygon drawn on the camera's picture, in ratios of its width and height (0,0 = top-left)."""

    zone_id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=80)
    polygon: list[Point] = Field(min_length=3, max_length=32)

    @field_validator("polygon")
    @classmethod
    def _points(cls, value: list[Point]) -> list[Point]:
        points = [_check_point(p) for p in value]
        if len(set(points)) < 3:
            raise ValueError("vùng cần ít nhất 3 điểm khác nhau / a zone needs three distinct points")
        area = 0.0
        for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
            area += x1 * y2 - x2 * y1
        if abs(area) / 2 < 1e-4:
            raise ValueError("vùng quá nhỏ hoặc thẳng hàng / the zone has no area")
        return points


RuleKind = Literal["zone_presence", "crowding", "loitering", "line_crossing", "camera_health"]
Severity = Literal["minor", "moderate", "severe", "extreme"]
RULE_LABELS_VI: dict[str, str] = {
    "zone_presence": "Có đối tượng trong vùng",
    "crowding": "Tụ tập đông người",
    "loitering": "Lảng vảng lâu",
    "line_crossing": "Vượt vạch",
    "camera_health": "Camera mất kết nối / bị che",
}
LABELS = ("Person", "Car", "Motorcycle", "Bicycle", "Bus", "Vehicle")


class TimeWindow(Contract):
    """Local time of day (Asia/Ho_Chi_Minh); ``start > end`` spans midnight (22:00-05:00)."""

    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> TimeWindow:
        if self.start == self.end:
            raise ValueError("giờ bắt đầu và kết thúc phải khác nhau / start and end must differ")
        return self


class RuleSpec(Contract):
    """A staff-defined rule on one camera; which fields matter depends on ``kind``."""

    rule_id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=80)
    kind: RuleKind
    severity: Severity = "moderate"
    labels: list[str] = Field(default_factory=lambda: ["Person"], max_length=6)
    zone_id: str | None = Field(default=None, pattern=ID_PATTERN)
    window: TimeWindow | None = None
    more_than: int | None = Field(default=None, ge=1, le=500, description="crowding: more than this many")
    min_seconds: int | None = Field(default=None, ge=5, le=24 * 3600, description="loitering: longer than this")
    line: tuple[Point, Point] | None = Field(default=None, description="line crossing: from A to B")
    direction: Literal["a_to_b", "b_to_a", "any"] = Field(
        default="any",
        description="side A is left of the line drawn from its first point to its second (above a line drawn "
        "left to right); a_to_b: crossing from side A to side B",
    )
    condition: Literal["offline", "covered"] | None = Field(default=None, description="camera health rules")
    cooldown_s: int = Field(
        default=0, ge=0, le=24 * 3600, description="objects matching within this time after a match fold into it"
    )
    enabled: bool = True

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in LABELS]
        if unknown:
            raise ValueError(f"nhãn không hỗ trợ: {', '.join(unknown)} / unsupported labels")
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _fields_of_kind(self) -> RuleSpec:
        need: dict[str, tuple[str, ...]] = {
            "zone_presence": ("zone_id",),
            "crowding": ("zone_id", "more_than"),
            "loitering": ("zone_id", "min_seconds"),
            "line_crossing": ("line",),
            "camera_health": ("condition",),
        }
        missing = [f for f in need[self.kind] if not getattr(self, f)]
        if missing:
            raise ValueError(f"luật loại {self.kind} cần: {', '.join(missing)} / rule {self.kind} needs {missing}")
        if self.line is not None:
            a, b = (_check_point(p) for p in self.line)
            if a == b:
                raise ValueError("vạch cần hai điểm khác nhau / a line needs two distinct points")
        return self


class CameraConfig(Contract):
    """A camera's zones and rules (what staff edit), with its version for optimistic locking."""

    zones: list[ZoneSpec] = Field(default_factory=list, max_length=20)
    rules: list[RuleSpec] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _references(self) -> CameraConfig:
        zone_ids = [z.zone_id for z in self.zones]
        if len(set(zone_ids)) != len(zone_ids):
            raise ValueError("mã vùng bị trùng / duplicate zone ids")
        rule_ids = [r.rule_id for r in self.rules]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError("mã luật bị trùng / duplicate rule ids")
        for rule in self.rules:
            if rule.zone_id is not None and rule.zone_id not in zone_ids:
                raise ValueError(f"luật {rule.rule_id} dùng vùng không tồn tại / unknown zone {rule.zone_id}")
        return self


class CameraConfigUpdate(CameraConfig):
    version: int = Field(ge=0, description="the version read; 0 for a camera never configured")


class StoredCameraConfig(CameraConfig):
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None


# ---------------------------------------------------------------- registry


class GeoPoint(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Camera(BaseModel):
    """A camera registered as an IoT thing."""

    model_config = ConfigDict(extra="forbid")

    thing: str = Field(pattern=CAMERA_THING_PATTERN)
    commune_id: CommuneId
    hamlet_id: str
    site: CameraSite
    name: str = Field(max_length=120)
    location: GeoPoint
    stream_url: str = Field(max_length=500, description="rtsp://… in the field; a file or image folder locally")
    fps: float = Field(default=2.0, gt=0, le=30)
    width: int = Field(default=640, ge=160, le=3840)
    height: int = Field(default=360, ge=120, le=2160)


class CameraState(Camera):
    """A camera with its live health, as the police and the admin site see it."""

    online: bool = False
    last_seen_at: datetime | None = None
    last_frame_at: datetime | None = None
    measured_fps: float | None = None
    covered: bool = False
    uploads_today: int = 0


class CameraList(BaseModel):
    items: list[CameraState]
    online: int
    total: int


class CameraSummary(BaseModel):
    """What the operations dashboard shows about a commune's cameras (counts, no images)."""

    commune_id: str
    total: int
    online: int
    events_today_by_rule: dict[str, int] = Field(default_factory=dict)
    last_event_at: datetime | None = None


# ---------------------------------------------------------------- commands and acks

CommandKind = Literal["snapshot", "settings", "zones", "reboot"]


class CameraCommand(_Wire):
    """What staff ask a camera to do; the agent acts once per ``command_id`` (a redelivery is acked duplicate)."""

    command_id: str = Field(pattern=COMMAND_ID_PATTERN)
    thing: str = Field(pattern=CAMERA_THING_PATTERN)
    kind: CommandKind
    issued_at: datetime
    fps: float | None = Field(default=None, gt=0, le=30)
    width: int | None = Field(default=None, ge=160, le=3840)
    height: int | None = Field(default=None, ge=120, le=2160)
    zones: list[ZoneSpec] | None = Field(default=None, description="motion zones the agent gates on")


class CommandRequest(Contract):
    """A staff request for a command (the platform adds the id and the time)."""

    kind: CommandKind
    fps: float | None = Field(default=None, gt=0, le=30)
    width: int | None = Field(default=None, ge=160, le=3840)
    height: int | None = Field(default=None, ge=120, le=2160)
    zones: list[ZoneSpec] | None = None

    @model_validator(mode="after")
    def _settings(self) -> CommandRequest:
        if self.kind == "settings" and self.fps is None and self.width is None:
            raise ValueError("lệnh cài đặt cần fps hoặc độ phân giải / a settings command needs fps or resolution")
        if (self.width is None) != (self.height is None):
            raise ValueError("cần cả chiều rộng và chiều cao / give both width and height")
        if self.kind == "zones" and self.zones is None:
            raise ValueError("lệnh vùng cần danh sách vùng / a zones command needs zones")
        return self


CameraAckState = Literal["done", "failed", "duplicate"]


class CameraAck(_Wire):
    command_id: str = Field(pattern=COMMAND_ID_PATTERN)
    thing: str = Field(pattern=CAMERA_THING_PATTERN)
    state: CameraAckState
    at: datetime
    detail: str = Field(default="", max_length=300)


class CommandRecord(BaseModel):
    """A command as the platform keeps it: sent, then what the camera answered."""

    command_id: str
    thing: str
    kind: CommandKind
    issued_at: datetime
    issued_by: str
    state: Literal["sent", "done", "failed", "duplicate"] = "sent"
    acked_at: datetime | None = None
    detail: str = ""


class CameraHealth(_Wire):
    """Every ``health_s`` (QoS 0): frames read, the rate, whether the lens looks covered."""

    thing: str = Field(pattern=CAMERA_THING_PATTERN)
    at: datetime
    fps: float = Field(ge=0, le=60)
    last_frame_at: datetime | None = None
    covered: bool = False
    stream_ok: bool = True
    frames_read: int = Field(default=0, ge=0)
    bursts_sent: int = Field(default=0, ge=0)
    width: int = Field(default=0, ge=0)
    height: int = Field(default=0, ge=0)


# ---------------------------------------------------------------- uploads


class UploadRequest(_Wire):
    thing: str = Field(pattern=CAMERA_THING_PATTERN)
    at: datetime
    request_id: str = Field(pattern=r"^[0-9a-f]{8,40}$")


class UploadGrant(_Wire):
    """A presigned S3 POST bound to the camera's own prefix (``key`` must start with ``prefix``), JPEG only, at
    most ``max_bytes`` a file, until ``expires_at``: the camera uploads many bursts on one grant."""

    request_id: str
    url: str
    fields: dict[str, str]
    prefix: str
    expires_at: datetime
    max_bytes: int = MAX_FRAME_BYTES


class ManifestFrame(_Wire):
    index: int = Field(ge=0, lt=MAX_BURST_FRAMES)
    at: datetime
    motion: float = Field(default=0.0, ge=0, le=1)


class BurstManifest(_Wire):
    """Written after the burst's frames: the frames in order, with the time each was taken."""

    thing: str = Field(pattern=CAMERA_THING_PATTERN)
    commune_id: CommuneId
    burst_id: str = Field(pattern=BURST_ID_PATTERN)
    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    reason: Literal["motion", "snapshot"] = "motion"
    command_id: str | None = None
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    frames: list[ManifestFrame] = Field(min_length=1, max_length=MAX_BURST_FRAMES)


# ---------------------------------------------------------------- events


class EventBox(BaseModel):
    label: str
    confidence: float
    left: float
    top: float
    width: float
    height: float
    track_id: str | None = None


class CameraEvent(BaseModel):
    """A rule's match, once per object and cooldown: what the police see and acknowledge."""

    event_id: str
    commune_id: str
    thing: str
    camera_name: str = ""
    hamlet_id: str = ""
    rule_id: str
    rule_name: str = ""
    rule_kind: RuleKind
    severity: Severity
    at: datetime
    labels: list[str] = Field(default_factory=list)
    boxes: list[EventBox] = Field(default_factory=list)
    detail: str = ""
    snapshot: bool = False
    acknowledged_by: str | None = None
    acknowledged_by_name: str | None = None
    acknowledged_at: datetime | None = None
    note: str | None = None
    feedback_id: str | None = None
    bulletin_id: str | None = None


class EventPage(BaseModel):
    items: list[CameraEvent]
    next_cursor: str | None = None


class EventsQuery(Contract):
    thing: str | None = Field(default=None, pattern=CAMERA_THING_PATTERN)
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=20, ge=1, le=100)


class Acknowledge(Contract):
    note: str = Field(min_length=1, max_length=1000)


class SnapshotQuery(Contract):
    raw: bool = Field(default=False, description="police only: the unblurred crop (the view is audited)")


class SnapshotLink(BaseModel):
    url: str
    blurred: bool
    expires_in_s: int


class BulletinDraftRequest(Contract):
    headline: str | None = Field(default=None, min_length=3, max_length=160)
    text: str | None = Field(default=None, min_length=3, max_length=4000)


class EventOutcome(BaseModel):
    event: CameraEvent
    feedback_id: str | None = None
    tracking_code: str | None = None
    bulletin_id: str | None = None


class SecurityReport(BaseModel):
    """A citizen's security feedback item, as the police view lists it beside camera events."""

    feedback_id: str
    tracking_code: str
    title: str
    status: str
    hamlet_id: str | None = None
    created_at: datetime


class PoliceView(BaseModel):
    events: list[CameraEvent]
    reports: list[SecurityReport]
    cameras_online: int
    cameras_total: int
