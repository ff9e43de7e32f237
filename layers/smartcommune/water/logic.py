"""Water-quality rules: readings against the QCVN limits, silent and stuck sensors, the warnings they raise, the
public summary, and the words of an alert bulletin drafted from a warning.

Pure: every store is a port (``typing.Protocol``) passed in; the clock too.

* **Out of limits.** Each reading is compared with ``limits.json``; a parameter outside its limits opens one
  warning per sensor and parameter (a minute-by-minute reading that stays out does not raise a new one each
  minute), and the first reading back within limits resolves it.
* **Silent.** A sensor not heard for :data:`SILENT_AFTER_MIN` minutes is a fault (checked every minute by
  ``functions/water_silence``); its next reading resolves it.
* **Stuck.** :data:`STUCK_READINGS` readings in a row with exactly the same values are a probe stuck on one value
  (real water always moves in the last digit); a changing value resolves it.

Long because: the rules of one warning's life (raise, resolve, acknowledge, turn into a bulletin) are read together
by whoever reviews what staff see, and they share the wording helpers below.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Protocol

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.errors import ConflictError, ForbiddenError, NotFoundError
from smartcommune.core.warnings import OperationalWarning, WarningCategory, WarningSeverity
from smartcommune.water.contracts import (
    PARAMETERS,
    LatestValues,
    Limit,
    LimitTable,
    Parameter,
    ReadingPoint,
    ReadingSeries,
    SensorReading,
    SensorStatus,
    StatusCounts,
    WarningSubject,
    WaterSensor,
    WaterSummary,
    WaterWarning,
)

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal

SILENT_AFTER_MIN = 10
"""Sensors report every minute: ten minutes without a reading is not a network hiccup any more."""
STUCK_READINGS = 30
"""Half an hour of identical readings (every value equal to the last digit): the probe is stuck."""

ACK_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.ENVIRONMENT, Role.HEALTH})
"""Who may acknowledge a water warning: environment and health staff, and the leadership."""

PARAMETER_LABEL_VI: dict[str, str] = {
    "ph": "pH",
    "turbidity": "Độ đục",
    "free_chlorine": "Clo dư tự do",
    "temperature": "Nhiệt độ",
}
PARAMETER_LABEL_EN: dict[str, str] = {
    "ph": "pH",
    "turbidity": "Turbidity",
    "free_chlorine": "Free residual chlorine",
    "temperature": "Temperature",
}


@cache
def limit_table() -> LimitTable:
    """The shipped limits (``water/limits.json``), read once per process."""
    text = resources.files("smartcommune.water").joinpath("limits.json").read_text(encoding="utf-8")
    return LimitTable.model_validate(json.loads(text))


def vn_number(value: float, digits: int = 2) -> str:
    """``0,15``: Vietnamese decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


# ---------------------------------------------------------------- evaluation (pure)


@dataclass(frozen=True)
class Breach:
    """A parameter outside its limits: which side, the value, the limit it crossed."""

    parameter: Parameter
    value: float
    side: str  # "below" | "above"
    bound: float
    limit: Limit


def evaluate(reading: SensorReading | LatestValues, table: LimitTable | None = None) -> list[Breach]:
    """Every parameter of ``reading`` outside its limits (a missing value is not a breach)."""
    table = table or limit_table()
    out: list[Breach] = []
    for parameter in PARAMETERS:
        value = _value(reading, parameter)
        if value is None:
            continue
        limit = table.of(parameter)
        if limit.min is not None and value < limit.min:
            out.append(Breach(parameter, value, "below", limit.min, limit))
        elif limit.max is not None and value > limit.max:
            out.append(Breach(parameter, value, "above", limit.max, limit))
    return out


def _value(reading: SensorReading | LatestValues, parameter: Parameter) -> float | None:
    return {
        "ph": reading.ph,
        "turbidity": reading.turbidity_ntu,
        "free_chlorine": reading.free_chlorine_mg_l,
        "temperature": reading.temperature_c,
    }[parameter]


def severity_of(breach: Breach) -> WarningSeverity:
    """Too little chlorine lets germs through, and very turbid water shields them from it: severe. Other breaches
    (pH, too much chlorine, slightly turbid water) are moderate: unpleasant or corrosive, not an outbreak."""
    if breach.parameter == "free_chlorine" and breach.side == "below":
        return WarningSeverity.SEVERE
    if breach.parameter == "turbidity" and breach.value > 2 * breach.bound:
        return WarningSeverity.SEVERE
    return WarningSeverity.MODERATE


def is_silent(received_at: datetime | None, now: datetime, silent_after_min: int = SILENT_AFTER_MIN) -> bool:
    return received_at is None or now - received_at > timedelta(minutes=silent_after_min)


def same_values(a: LatestValues, b: SensorReading) -> bool:
    return (a.ph, a.turbidity_ntu, a.free_chlorine_mg_l, a.temperature_c) == (
        b.ph,
        b.turbidity_ntu,
        b.free_chlorine_mg_l,
        b.temperature_c,
    )


def latest_of(reading: SensorReading) -> LatestValues:
    return LatestValues(
        ph=reading.ph,
        turbidity_ntu=reading.turbidity_ntu,
        free_chlorine_mg_l=reading.free_chlorine_mg_l,
        temperature_c=reading.temperature_c,
    )


# ---------------------------------------------------------------- warnings (pure)


def warning_id(raised_at: datetime, sensor_id: str, subject: str) -> str:
    """Sortable by time (the store lists warnings by it): ``20260503T071500-gp-wq-06-free_chlorine``."""
    return f"{raised_at.astimezone(VN_TZ):%Y%m%dT%H%M%S}-{sensor_id}-{subject}"


def _where(sensor: WaterSensor, hamlet_name: str) -> str:
    if sensor.kind == "plant" or not hamlet_name or hamlet_name.lower() in sensor.site_name.lower():
        return sensor.site_name
    return f"{sensor.site_name} ({hamlet_name})"


def breach_warning(sensor: WaterSensor, breach: Breach, at: datetime, hamlet_name: str = "") -> WaterWarning:
    label = PARAMETER_LABEL_VI[breach.parameter]
    unit = f" {breach.limit.unit}" if breach.limit.unit else ""
    side_vi = "dưới mức tối thiểu" if breach.side == "below" else "vượt mức tối đa"
    side_en = "below the minimum" if breach.side == "below" else "above the maximum"
    where = _where(sensor, hamlet_name)
    return WaterWarning(
        warning_id=warning_id(at, sensor.sensor_id, breach.parameter),
        commune_id=sensor.commune_id,
        source="water",
        category=WarningCategory.ENVIRONMENT,
        severity=severity_of(breach),
        title_vi=f"{label} {vn_number(breach.value)}{unit} {side_vi} {vn_number(breach.bound, 1)}{unit} tại {where}",
        title_en=f"{PARAMETER_LABEL_EN[breach.parameter]} {breach.value:.2f}{unit} {side_en} "
        f"{breach.bound:.1f}{unit} at {sensor.sensor_id}",
        detail_vi=f"Giới hạn theo {breach.limit.source}.",
        raised_at=at,
        hamlet_id=sensor.hamlet_id,
        lat=sensor.location.lat,
        lon=sensor.location.lon,
        link=f"/dashboard/#/water/{sensor.sensor_id}",
        sensor_id=sensor.sensor_id,
        subject=breach.parameter,
        value=breach.value,
    )


def fault_warning(sensor: WaterSensor, subject: WarningSubject, at: datetime, hamlet_name: str = "") -> WaterWarning:
    """A sensor that went silent, or is stuck on one value: the device needs a visit, the water may be fine."""
    where = _where(sensor, hamlet_name)
    if subject == "silence":
        title_vi = f"Cảm biến nước tại {where} mất tín hiệu quá {SILENT_AFTER_MIN} phút"
        title_en = f"Water sensor {sensor.sensor_id} silent for over {SILENT_AFTER_MIN} minutes"
    else:
        title_vi = f"Cảm biến nước tại {where} báo một giá trị không đổi ({STUCK_READINGS} lần đo liền): có thể hỏng"
        title_en = f"Water sensor {sensor.sensor_id} stuck on one value for {STUCK_READINGS} readings"
    return WaterWarning(
        warning_id=warning_id(at, sensor.sensor_id, subject),
        commune_id=sensor.commune_id,
        source="water",
        category=WarningCategory.DEVICE,
        severity=WarningSeverity.MINOR,
        title_vi=title_vi,
        title_en=title_en,
        detail_vi="Cần kiểm tra thiết bị; trong thời gian này chất lượng nước tại điểm này không được giám sát.",
        raised_at=at,
        hamlet_id=sensor.hamlet_id,
        lat=sensor.location.lat,
        lon=sensor.location.lon,
        link=f"/dashboard/#/water/{sensor.sensor_id}",
        sensor_id=sensor.sensor_id,
        subject=subject,
    )


@dataclass(frozen=True)
class BulletinText:
    """What an alert bulletin drafted from a warning says, and to whom (``hamlet_id`` None: the whole commune)."""

    headline: str
    text: str
    instruction: str
    hamlet_id: str | None
    priority: str  # "normal" | "priority"


def bulletin_text(warning: WaterWarning, sensor: WaterSensor, hamlet_name: str) -> BulletinText:
    """Vietnamese words naming the hamlet and the parameter; the whole commune when it is the plant's water."""
    whole = sensor.kind == "plant" or not hamlet_name
    area = "toàn xã" if whole else hamlet_name[:1].lower() + hamlet_name[1:]  # "xóm Tây Sơn" mid-sentence
    area_title = "toàn xã" if whole else hamlet_name
    subject = warning.subject
    if subject in ("silence", "stuck"):
        raise ConflictError(
            "Cảnh báo thiết bị không dùng để soạn bản tin cho người dân.",
            "A device fault is not a reason to alert residents.",
        )
    label = PARAMETER_LABEL_VI[subject]
    value = f" (đo được {vn_number(warning.value)})" if warning.value is not None else ""
    advice = {
        "free_chlorine": "Người dân nên đun sôi nước trước khi uống và nấu ăn cho đến khi có thông báo mới.",
        "turbidity": "Người dân nên để lắng, lọc và đun sôi nước trước khi dùng cho đến khi có thông báo mới.",
        "ph": "Người dân hạn chế dùng nước này để uống và nấu ăn cho đến khi có thông báo mới.",
        "temperature": "Người dân theo dõi thông báo tiếp theo của UBND xã.",
    }[subject]
    measured = warning.raised_at.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y")
    return BulletinText(
        headline=f"Thông báo về chất lượng nước sạch tại {area_title}",
        text=(
            f"Lúc {measured}, cảm biến tại {sensor.site_name} ghi nhận chỉ số {label.lower()}{value} "
            f"nằm ngoài giới hạn cho phép của QCVN 01-1:2018/BYT. Đơn vị cấp nước và trạm y tế xã đang kiểm tra, "
            f"xử lý. Nước sinh hoạt tại {area} có thể chưa đảm bảo chất lượng."
        ),
        instruction=advice,
        hamlet_id=None if whole else sensor.hamlet_id,
        priority="priority" if warning.severity in (WarningSeverity.SEVERE, WarningSeverity.EXTREME) else "normal",
    )


# ---------------------------------------------------------------- ports


@dataclass
class SensorState:
    """A registered sensor with what the platform last heard from it."""

    sensor: WaterSensor
    last_seq: int | None = None
    measured_at: datetime | None = None
    received_at: datetime | None = None
    latest: LatestValues = field(default_factory=LatestValues)
    same_count: int = 0


class SensorRegistry(Protocol):
    def sensors(self, commune_id: str) -> dict[str, SensorState]:
        """The commune's sensors with their latest state (one query)."""
        ...


class ReadingStore(Protocol):
    def add(self, commune_id: str, reading: SensorReading, received_at: datetime) -> bool:
        """Store the reading once (keyed by its id); False when it was already stored."""
        ...

    def set_latest(self, commune_id: str, reading: SensorReading, received_at: datetime, same_count: int) -> bool:
        """Make it the sensor's latest unless a later one (higher ``seq``) is there already; False then."""
        ...

    def day(self, commune_id: str, sensor_id: str, day: str) -> list[SensorReading]:
        """One Vietnam-time day of the sensor's readings (``yyyy-mm-dd``), oldest first."""
        ...


class WarningStore(Protocol):
    def open_warnings(self, commune_id: str) -> dict[tuple[str, str], str]:
        """(sensor, subject) -> id of the warning open for it."""
        ...

    def raise_warning(self, warning: WaterWarning) -> bool:
        """Store it and mark it open for its sensor and subject; False when one is open already (nothing written)."""
        ...

    def resolve(self, commune_id: str, sensor_id: str, subject: str, warning_id: str, at: datetime) -> None: ...

    def get(self, commune_id: str, warning_id: str) -> WaterWarning:
        """NotFoundError when there is none."""
        ...

    def recent(self, commune_id: str, since: datetime, limit: int) -> list[WaterWarning]:
        """Raised at or after ``since``, newest first."""
        ...

    def acknowledge(self, warning: WaterWarning, audit: AuditRecord) -> WaterWarning:
        """Write the acknowledgement with its audit entry; ConflictError if someone acknowledged it meanwhile."""
        ...

    def link_bulletin(self, commune_id: str, warning_id: str, bulletin_id: str) -> bool:
        """Record the bulletin drafted from it, unless one was recorded already (False then)."""
        ...


class HamletNames(Protocol):
    def __call__(self, commune_id: str) -> dict[str, str]: ...


class BulletinDrafter(Protocol):
    def draft(self, caller: Principal, text: BulletinText, request_id: str | None) -> tuple[str, str]:
        """Draft an alert bulletin in the caller's commune; returns (bulletin id, headline)."""
        ...


class WaterSummarySource(Protocol):
    """The dashboard's water tile (``wiring.water_summary``)."""

    def summary(self, commune_id: str) -> WaterSummary: ...


# ---------------------------------------------------------------- the service


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    unknown: int = 0
    raised: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


class WaterService:
    """Readings in, warnings out; the summary and series for the dashboard; acknowledgements and bulletins."""

    def __init__(
        self,
        *,
        registry: SensorRegistry,
        readings: ReadingStore,
        warnings: WarningStore,
        hamlets: HamletNames,
        drafter: BulletinDrafter | None,
        clock: Callable[[], datetime],
        silent_after_min: int = SILENT_AFTER_MIN,
    ) -> None:
        self._registry = registry
        self._readings = readings
        self._warnings = warnings
        self._hamlets = hamlets
        self._drafter = drafter
        self._clock = clock
        self.silent_after_min = silent_after_min

    # -- readings

    def ingest(self, commune_id: str, entries: Iterable[tuple[SensorReading, datetime]]) -> IngestResult:
        """Store a batch of one commune's readings (each once), update latest values, raise/resolve warnings."""
        result = IngestResult()
        sensors = self._registry.sensors(commune_id)
        by_sensor: dict[str, list[tuple[SensorReading, datetime]]] = {}
        for reading, received_at in entries:
            if reading.sensor_id not in sensors:
                result.unknown += 1
                continue
            if self._readings.add(commune_id, reading, received_at):
                result.stored += 1
                by_sensor.setdefault(reading.sensor_id, []).append((reading, received_at))
            else:
                result.duplicates += 1
        if not by_sensor:
            return result
        open_ = self._warnings.open_warnings(commune_id)
        names = self._hamlets(commune_id)
        for sensor_id, fresh in by_sensor.items():
            state = sensors[sensor_id]
            fresh.sort(key=lambda e: e[0].seq)
            newer = [e for e in fresh if state.last_seq is None or e[0].seq > state.last_seq]
            if not newer:
                continue  # late readings of the past: stored in their day, the latest stays as it is
            same, previous = state.same_count, state.latest if state.last_seq is not None else None
            for reading, _ in newer:
                same = same + 1 if previous is not None and same_values(previous, reading) else 0
                previous = latest_of(reading)
            reading, received_at = newer[-1]
            if not self._readings.set_latest(commune_id, reading, received_at, same):
                continue  # a concurrent batch stored a later reading: it evaluates the warnings
            self._evaluate(
                state.sensor, reading, received_at, same, open_, names.get(state.sensor.hamlet_id, ""), result
            )
        return result

    def _evaluate(  # noqa: PLR0917 - one sensor's step, called from one place
        self,
        sensor: WaterSensor,
        reading: SensorReading,
        received_at: datetime,
        same: int,
        open_: dict[tuple[str, str], str],
        hamlet_name: str,
        result: IngestResult,
    ) -> None:
        breaches = {b.parameter: b for b in evaluate(reading)}
        active: dict[str, WaterWarning | None] = dict.fromkeys(PARAMETERS)
        for parameter, breach in breaches.items():
            active[parameter] = breach_warning(sensor, breach, reading.at, hamlet_name)
        active["silence"] = None
        if same >= STUCK_READINGS:
            active["stuck"] = fault_warning(sensor, "stuck", received_at, hamlet_name)
        elif same == 0:
            active["stuck"] = None
        for subject, warning in active.items():
            opened = open_.get((sensor.sensor_id, subject))
            if warning is not None and opened is None:
                if self._warnings.raise_warning(warning):
                    result.raised.append(warning.warning_id)
            elif warning is None and opened is not None:
                self._warnings.resolve(sensor.commune_id, sensor.sensor_id, subject, opened, received_at)
                result.resolved.append(opened)

    def check_silence(self, commune_id: str) -> list[str]:
        """Raise a fault warning for each sensor not heard for ``silent_after_min`` minutes (once per silence)."""
        now = self._clock()
        sensors = self._registry.sensors(commune_id)
        silent = [s for s in sensors.values() if is_silent(s.received_at, now, self.silent_after_min)]
        if not silent:
            return []
        open_ = self._warnings.open_warnings(commune_id)
        names = self._hamlets(commune_id)
        raised: list[str] = []
        for state in silent:
            if (state.sensor.sensor_id, "silence") in open_:
                continue
            warning = fault_warning(state.sensor, "silence", now, names.get(state.sensor.hamlet_id, ""))
            if self._warnings.raise_warning(warning):
                raised.append(warning.warning_id)
        return raised

    # -- what people see

    def summary(self, commune_id: str) -> WaterSummary:
        now = self._clock()
        names = self._hamlets(commune_id)
        table = limit_table()
        items: list[SensorStatus] = []
        counts = StatusCounts()
        for state in sorted(self._registry.sensors(commune_id).values(), key=lambda s: s.sensor.sensor_id):
            breaches = [b.parameter for b in evaluate(state.latest, table)]
            if is_silent(state.received_at, now, self.silent_after_min):
                status = "silent"
            elif breaches:
                status = "out_of_limits"
            else:
                status = "ok"
            setattr(counts, status, getattr(counts, status) + 1)
            counts.total += 1
            s = state.sensor
            items.append(
                SensorStatus(
                    sensor_id=s.sensor_id,
                    site_name=s.site_name,
                    hamlet_id=s.hamlet_id,
                    hamlet_name=names.get(s.hamlet_id, ""),
                    kind=s.kind,
                    lat=s.location.lat,
                    lon=s.location.lon,
                    status=status,
                    measured_at=state.measured_at,
                    latest=state.latest,
                    out_of_limits=breaches,
                )
            )
        return WaterSummary(
            commune_id=commune_id,
            generated_at=now,
            silent_after_min=self.silent_after_min,
            sensors=items,
            counts=counts,
            limits=table.limits,
            regulation=f"{table.regulation} ({table.issued_by})",
        )

    def series(self, commune_id: str, sensor_id: str, day: date | None) -> ReadingSeries:
        sensors = self._registry.sensors(commune_id)
        state = sensors.get(sensor_id)
        if state is None:
            raise NotFoundError("Không tìm thấy cảm biến nước này.", "No such water sensor.")
        the_day = day or self._clock().astimezone(VN_TZ).date()
        points = [
            ReadingPoint(
                at=r.at,
                ph=r.ph,
                turbidity_ntu=r.turbidity_ntu,
                free_chlorine_mg_l=r.free_chlorine_mg_l,
                temperature_c=r.temperature_c,
            )
            for r in self._readings.day(commune_id, sensor_id, the_day.isoformat())
        ]
        return ReadingSeries(
            commune_id=commune_id,
            sensor_id=sensor_id,
            site_name=state.sensor.site_name,
            day=the_day,
            points=points,
            limits=limit_table().limits,
        )

    def recent_warnings(self, commune_id: str, since: datetime, limit: int = 50) -> list[OperationalWarning]:
        """The ``WarningSource`` of ``core.warnings``: the shared shape, newest first."""
        return [w.shared() for w in self._warnings.recent(commune_id, since, limit)]

    def warnings(self, commune_id: str, since: datetime | None, limit: int) -> list[WaterWarning]:
        since = since or self._clock() - timedelta(days=7)
        return self._warnings.recent(commune_id, since, limit)

    # -- staff actions

    def acknowledge(self, caller: Principal, warning_id: str, note: str, request_id: str | None) -> WaterWarning:
        """Environment or health staff (or the leadership) take note of a warning; audited with their note."""
        if not caller.roles & ACK_ROLES:
            raise ForbiddenError(
                "Chỉ cán bộ môi trường, y tế hoặc lãnh đạo xã được xác nhận cảnh báo nước.",
                "Only environment or health staff, or the leadership, may acknowledge water warnings.",
            )
        warning = self._warnings.get(caller.commune_id, warning_id)
        if warning.acknowledged_at is not None:
            raise ConflictError(
                f"Cảnh báo này đã được {warning.acknowledged_by} xác nhận.",
                f"This warning was already acknowledged by {warning.acknowledged_by}.",
            )
        done = warning.model_copy(
            update={
                "acknowledged_by": caller.display_name,
                "acknowledged_at": self._clock(),
                "acknowledgement_note": note,
            }
        )
        audit = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action="water.warning_ack",
            target=f"water_warning/{warning_id}",
            before={"acknowledged": False},
            after={"acknowledged": True, "note": note, "subject": warning.subject, "sensor": warning.sensor_id},
            request_id=request_id,
        )
        return self._warnings.acknowledge(done, audit)

    def draft_bulletin(self, caller: Principal, warning_id: str, request_id: str | None) -> tuple[str, str, bool]:
        """Draft (never approve) an alert bulletin from a warning; a second click returns the first draft."""
        if self._drafter is None:  # pragma: no cover - wiring always gives one
            raise ConflictError("Chưa cấu hình bản tin.", "Bulletins are not configured.")
        warning = self._warnings.get(caller.commune_id, warning_id)
        if warning.bulletin_id:
            return warning.bulletin_id, "", False
        state = self._registry.sensors(caller.commune_id).get(warning.sensor_id)
        if state is None:
            raise NotFoundError("Không tìm thấy cảm biến nước này.", "No such water sensor.")
        names = self._hamlets(caller.commune_id)
        text = bulletin_text(warning, state.sensor, names.get(state.sensor.hamlet_id, ""))
        bulletin_id, headline = self._drafter.draft(caller, text, request_id)
        if not self._warnings.link_bulletin(caller.commune_id, warning_id, bulletin_id):
            existing = self._warnings.get(caller.commune_id, warning_id).bulletin_id or bulletin_id
            return existing, "", False
        return bulletin_id, headline, True
