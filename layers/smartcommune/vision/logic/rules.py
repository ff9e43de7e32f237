"""Rules over tracked objects: zones, time windows, crowding, loitering, line crossing, camera health.

Staff draw zones (polygons) and lines in coordinates relative to the picture (0..1 from the top-left corner, as
Rekognition's boxes). An object is *in* a zone when the middle of its box's bottom edge (where it stands) is. Time
windows are read in Asia/Ho_Chi_Minh; a window whose end is not after its start runs across midnight
(22:00–05:00).

:meth:`RuleEngine.evaluate` gives each match once: a per-object rule (class in zone, loitering, line crossing)
matches an object (track) at most once; crowding and health matches are spaced by the rule's cooldown, and a
health rule matches again only after the camera has recovered. The engine's memory is a pydantic model
(``to_state`` / ``from_state``) like the tracker's, kept per camera.

Long because: the rule kinds share their zones, windows, memory and de-duplication; split, each would import the
others' halves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from smartcommune.vision.contracts import PERSON, BoundingBox

if TYPE_CHECKING:
    from smartcommune.vision.logic.tracking import Track

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Point = tuple[Annotated[float, Field(ge=0.0, le=1.0)], Annotated[float, Field(ge=0.0, le=1.0)]]
Severity = Literal["info", "warning", "critical"]
Box = BoundingBox


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Zone(_Model):
    zone_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    name: str = Field(min_length=1, max_length=80)
    polygon: list[Point] = Field(min_length=3, max_length=32)

    def contains(self, point: tuple[float, float]) -> bool:
        """Even-odd ray casting; a point on an edge may fall either way."""
        x, y = point
        inside = False
        pts = self.polygon
        for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True):
            if (y1 > y) != (y2 > y):
                cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
                if x < cross:
                    inside = not inside
        return inside


class Line(_Model):
    """A directed line from ``start`` to ``end``. Side A is to the left of start→end as seen on the picture (for a
    line drawn left to right, A is above it; drawn top to bottom, A is to its right), side B the other."""

    start: Point
    end: Point

    @model_validator(mode="after")
    def _has_length(self) -> Line:
        if self.start == self.end:
            raise ValueError("Đường kẻ cần hai điểm khác nhau / a line needs two different points")
        return self

    def side(self, point: tuple[float, float]) -> float:
        """< 0 on side A, > 0 on side B (0 on the line)."""
        (sx, sy), (ex, ey) = self.start, self.end
        return (ex - sx) * (point[1] - sy) - (ey - sy) * (point[0] - sx)

    def crossed(self, before: tuple[float, float], after: tuple[float, float]) -> Literal["a_to_b", "b_to_a"] | None:
        """The direction in which the move ``before`` → ``after`` crossed the segment, if it did."""
        s1, s2 = self.side(before), self.side(after)
        if s1 == 0 or s2 == 0 or (s1 < 0) == (s2 < 0):
            return None
        # the move's segment must cut the line's segment, not its extension
        (sx, sy), (ex, ey) = self.start, self.end

        def orient(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
            return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

        o1, o2 = orient(before, after, (sx, sy)), orient(before, after, (ex, ey))
        if (o1 < 0) == (o2 < 0) and o1 != 0 and o2 != 0:
            return None
        return "a_to_b" if s1 < 0 else "b_to_a"


class TimeWindow(_Model):
    """``start``–``end`` local time (Asia/Ho_Chi_Minh); across midnight when ``end`` <= ``start``. ``days``: ISO
    weekdays (1 = Monday) the window *starts* on; empty means every day."""

    start: time
    end: time
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(default_factory=list)

    def contains(self, at: datetime) -> bool:
        local = at.astimezone(VN_TZ)
        now = local.time().replace(tzinfo=None)
        today = local.isoweekday()
        yesterday = (local - timedelta(days=1)).isoweekday()

        def started_on(day: int) -> bool:
            return not self.days or day in self.days

        if self.start < self.end:
            return self.start <= now < self.end and started_on(today)
        return (now >= self.start and started_on(today)) or (now < self.end and started_on(yesterday))


class _Rule(_Model):
    rule_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    name: str = Field(min_length=1, max_length=120)
    severity: Severity = "warning"
    camera_ids: list[str] = Field(default_factory=list)
    """The cameras the rule applies to; empty: every camera the engine evaluates."""
    window: TimeWindow | None = None
    """When the rule is armed; none: always."""
    cooldown_s: float = Field(default=0.0, ge=0.0, le=86_400.0)
    """Per-object rules: after a match, other objects' matches of this rule within this time are folded in it."""


class _ObjectRule(_Rule):
    labels: list[str] = Field(default_factory=lambda: [PERSON], min_length=1)
    min_confidence: float = Field(default=0.0, ge=0.0, le=100.0)


class ClassInZoneRule(_ObjectRule):
    kind: Literal["class_in_zone"] = "class_in_zone"
    zone_id: str


class LoiteringRule(_ObjectRule):
    kind: Literal["loitering"] = "loitering"
    zone_id: str
    seconds: float = Field(gt=0.0, le=86_400.0)


class LineCrossingRule(_ObjectRule):
    kind: Literal["line_crossing"] = "line_crossing"
    line: Line
    direction: Literal["a_to_b", "b_to_a", "any"] = "any"


class CrowdingRule(_Rule):
    kind: Literal["crowding"] = "crowding"
    zone_id: str
    label: str = PERSON
    more_than: int = Field(ge=0, le=1000)
    cooldown_s: float = Field(default=300.0, ge=0.0, le=86_400.0)


class CameraHealthRule(_Rule):
    kind: Literal["camera_health"] = "camera_health"
    condition: Literal["offline", "covered"]
    offline_after_s: float = Field(default=120.0, gt=0.0)


Rule = Annotated[
    ClassInZoneRule | LoiteringRule | LineCrossingRule | CrowdingRule | CameraHealthRule,
    Field(discriminator="kind"),
]


class CameraHealth(_Model):
    """What the edge agent reports: when the last frame arrived, and whether the picture looks covered."""

    last_frame_at: datetime | None = None
    covered: bool = False


class RuleMatch(_Model):
    rule_id: str
    kind: str
    severity: Severity
    camera_id: str
    at: datetime
    track_ids: list[int] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    boxes: list[Box] = Field(default_factory=list)
    direction: str | None = None
    count: int | None = None
    detail: str
    """Vietnamese first, English after " / "."""
    dedup_key: str
    """Stable for one occurrence: a retried evaluation or a replayed burst yields the same key."""


class _CameraMemory(BaseModel):
    last_foot: dict[int, tuple[float, float]] = Field(default_factory=dict)
    last_seen: dict[int, datetime] = Field(default_factory=dict)
    entered: dict[str, dict[int, datetime]] = Field(default_factory=dict)
    """rule_id → track → when it was first seen in the rule's zone (this stay)."""
    fired: dict[str, list[int]] = Field(default_factory=dict)
    """rule_id → tracks that already matched it."""
    last_match: dict[str, datetime] = Field(default_factory=dict)
    unhealthy: dict[str, bool] = Field(default_factory=dict)


class RuleEngineState(BaseModel):
    cameras: dict[str, _CameraMemory] = Field(default_factory=dict)

    @field_validator("cameras")
    @classmethod
    def _bounded(cls, cameras: dict[str, _CameraMemory]) -> dict[str, _CameraMemory]:
        if len(cameras) > 500:
            raise ValueError("too many cameras in one rule engine state")
        return cameras


@dataclass(frozen=True)
class _Frame:
    camera_id: str
    at: datetime
    memory: _CameraMemory
    armed: bool
    """Whether the rule's time window is open now."""


FORGET_AFTER_S = 600.0
"""A track unseen this long is forgotten (its memory would otherwise grow with every passer-by)."""


class RuleEngine:
    def __init__(self, zones: Iterable[Zone], rules: Iterable[Rule], *, state: RuleEngineState | None = None) -> None:
        self.zones = {z.zone_id: z for z in zones}
        self.rules: list[Rule] = list(rules)
        for rule in self.rules:
            zone_id = getattr(rule, "zone_id", None)
            if zone_id is not None and zone_id not in self.zones:
                raise ValueError(f"Quy tắc {rule.rule_id}: không có vùng {zone_id} / unknown zone {zone_id}")
        self._state = state.model_copy(deep=True) if state else RuleEngineState()

    def to_state(self) -> RuleEngineState:
        return self._state.model_copy(deep=True)

    @classmethod
    def from_state(cls, zones: Iterable[Zone], rules: Iterable[Rule], state: RuleEngineState) -> RuleEngine:
        return cls(zones, rules, state=state)

    def evaluate(
        self, camera_id: str, at: datetime, tracks: Sequence[Track], health: CameraHealth | None = None
    ) -> list[RuleMatch]:
        memory = self._state.cameras.setdefault(camera_id, _CameraMemory())
        matches: list[RuleMatch] = []
        for rule in self.rules:
            if rule.camera_ids and camera_id not in rule.camera_ids:
                continue
            frame = _Frame(camera_id, at, memory, rule.window is None or rule.window.contains(at))
            if isinstance(rule, CameraHealthRule):
                matches += self._health(rule, frame, health)
            elif isinstance(rule, CrowdingRule):
                matches += self._crowding(rule, frame, tracks)
            else:
                matches += self._objects(rule, frame, tracks)
        for track in tracks:
            memory.last_foot[track.track_id] = track.box.foot
            memory.last_seen[track.track_id] = at
        self._forget(memory, at)
        return matches

    # ------------------------------------------------------------------------------------------ the rule kinds

    def _objects(
        self,
        rule: ClassInZoneRule | LoiteringRule | LineCrossingRule,
        frame: _Frame,
        tracks: Sequence[Track],
    ) -> list[RuleMatch]:
        camera_id, at, memory, armed = frame.camera_id, frame.at, frame.memory, frame.armed
        fired = memory.fired.setdefault(rule.rule_id, [])
        entered = memory.entered.setdefault(rule.rule_id, {})
        hits: list[tuple[Track, str | None, str]] = []
        for track in tracks:
            if track.name not in rule.labels or track.confidence < rule.min_confidence:
                continue
            foot = track.box.foot
            if isinstance(rule, LineCrossingRule):
                before = memory.last_foot.get(track.track_id)
                direction = rule.line.crossed(before, foot) if before else None
                if direction and rule.direction in ("any", direction) and armed and track.track_id not in fired:
                    side = "A→B" if direction == "a_to_b" else "B→A"
                    hits.append((track, direction, f"Vượt vạch {side} / crossed the line {side}"))
                continue
            zone = self.zones[rule.zone_id]
            if not zone.contains(foot):
                entered.pop(track.track_id, None)
                continue
            since = entered.setdefault(track.track_id, at)
            if not armed or track.track_id in fired:
                continue
            if isinstance(rule, ClassInZoneRule):
                hits.append((track, None, f"{track.name} trong vùng {zone.name} / {track.name} in {zone.name}"))
            elif (at - since).total_seconds() >= rule.seconds:
                stay = int((at - since).total_seconds())
                hits.append((track, None, f"Lảng vảng {stay} giây ở {zone.name} / loitering {stay} s in {zone.name}"))
        if not hits:
            return []
        for track, _, _ in hits:
            fired.append(track.track_id)
        last = memory.last_match.get(rule.rule_id)
        if rule.cooldown_s and last is not None and (at - last).total_seconds() < rule.cooldown_s:
            return []  # folded into the match that started the cooldown
        memory.last_match[rule.rule_id] = at
        if rule.cooldown_s:  # one match for the objects of this frame
            return [self._match(rule, camera_id, at, [t for t, _, _ in hits], hits[0][2], direction=hits[0][1])]
        return [self._match(rule, camera_id, at, [t], detail, direction=d) for t, d, detail in hits]

    def _crowding(
        self,
        rule: CrowdingRule,
        frame: _Frame,
        tracks: Sequence[Track],
    ) -> list[RuleMatch]:
        camera_id, at, memory, armed = frame.camera_id, frame.at, frame.memory, frame.armed
        zone = self.zones[rule.zone_id]
        inside = [t for t in tracks if t.name == rule.label and zone.contains(t.box.foot)]
        if not armed or len(inside) <= rule.more_than:
            return []
        last = memory.last_match.get(rule.rule_id)
        if last is not None and (at - last).total_seconds() < rule.cooldown_s:
            return []
        memory.last_match[rule.rule_id] = at
        detail = f"{len(inside)} người ở {zone.name} / {len(inside)} people in {zone.name}"
        return [self._match(rule, camera_id, at, inside, detail, count=len(inside))]

    def _health(
        self,
        rule: CameraHealthRule,
        frame: _Frame,
        health: CameraHealth | None,
    ) -> list[RuleMatch]:
        camera_id, at, memory, armed = frame.camera_id, frame.at, frame.memory, frame.armed
        if health is None:
            return []
        if rule.condition == "offline":
            last = health.last_frame_at
            bad = last is None or (at - last).total_seconds() > rule.offline_after_s
            detail = "Camera mất tín hiệu / camera offline"
        else:
            bad = health.covered
            detail = "Ống kính bị che / lens covered"
        was_bad = memory.unhealthy.get(rule.rule_id, False)
        memory.unhealthy[rule.rule_id] = bad
        if not bad or not armed:
            return []
        last_match = memory.last_match.get(rule.rule_id)
        cooled = rule.cooldown_s and last_match is not None and (at - last_match).total_seconds() >= rule.cooldown_s
        if was_bad and not cooled:
            return []
        memory.last_match[rule.rule_id] = at
        return [self._match(rule, camera_id, at, [], detail)]

    # ------------------------------------------------------------------------------------------ helpers

    @staticmethod
    def _match(
        rule: Rule,
        camera_id: str,
        at: datetime,
        tracks: Sequence[Track],
        detail: str,
        *,
        direction: str | None = None,
        count: int | None = None,
    ) -> RuleMatch:
        ids = [t.track_id for t in tracks]
        if ids and rule.kind not in ("crowding",):
            key = f"{camera_id}:{rule.rule_id}:{'-'.join(map(str, ids))}"
        else:
            key = f"{camera_id}:{rule.rule_id}:{at.astimezone(VN_TZ).strftime('%Y%m%dT%H%M%S')}"
        return RuleMatch(
            rule_id=rule.rule_id,
            kind=rule.kind,
            severity=rule.severity,
            camera_id=camera_id,
            at=at,
            track_ids=ids,
            labels=sorted({t.name for t in tracks}),
            boxes=[t.box for t in tracks],
            direction=direction,
            count=count,
            detail=detail,
            dedup_key=key,
        )

    @staticmethod
    def _forget(memory: _CameraMemory, at: datetime) -> None:
        stale = {t for t, seen in memory.last_seen.items() if (at - seen).total_seconds() > FORGET_AFTER_S}
        if not stale:
            return
        for track_id in stale:
            memory.last_seen.pop(track_id, None)
            memory.last_foot.pop(track_id, None)
        for per_rule in memory.entered.values():
            for track_id in stale:
                per_rule.pop(track_id, None)
        for rule_id, fired in memory.fired.items():
            memory.fired[rule_id] = [t for t in fired if t not in stale]
