"""The water-quality contracts: what a sensor sends, what the platform keeps and shows, and the limits.

Shared by the cloud and the sensor agents in ``devices/water_sensor``: only pydantic and the standard library.

MQTT (same on AWS IoT Core and the local Mosquitto; a sensor may publish on its own topic only)::

    sc/<commune>/water/<sensor>/reading      sensor -> platform, QoS 1, SensorReading (one a minute)
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from smartcommune.core.contracts import Contract
from smartcommune.core.warnings import OperationalWarning

TOPIC_ROOT = "sc"
SENSOR_PATTERN = r"^[a-z0-9]{1,12}-wq-\d{2}$"
_SENSOR = re.compile(SENSOR_PATTERN)
READING_TOPIC_FILTER = f"{TOPIC_ROOT}/+/water/+/reading"

Parameter = Literal["ph", "turbidity", "free_chlorine", "temperature"]
PARAMETERS: tuple[Parameter, ...] = ("ph", "turbidity", "free_chlorine", "temperature")
SiteKind = Literal["plant", "tap"]
SensorStatusName = Literal["ok", "out_of_limits", "silent"]
# What a warning is about: a parameter out of its limits, or the sensor itself (silent, stuck on one value).
WarningSubject = Literal["ph", "turbidity", "free_chlorine", "temperature", "silence", "stuck"]


def reading_topic(commune_id: str, sensor_id: str) -> str:
    return f"{TOPIC_ROOT}/{commune_id}/water/{sensor_id}/reading"


def parse_reading_topic(topic: str) -> tuple[str, str]:
    """``sc/<commune>/water/<sensor>/reading`` -> (commune, sensor); ValueError otherwise."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != TOPIC_ROOT or parts[2] != "water" or parts[4] != "reading":
        raise ValueError(f"not a water reading topic: {topic!r}")
    if not _SENSOR.match(parts[3]):
        raise ValueError(f"not a water sensor: {parts[3]!r}")
    return parts[1], parts[3]


class SensorReading(Contract):
    """One reading as the sensor sends it. ``seq`` counts up by one per reading and survives restarts, so
    ``(sensor_id, seq)`` names the reading however often the broker or the queue delivers it.

    The bounds are what a probe can physically report; a value outside them is a broken message (refused), a value
    inside them but outside the QCVN limits is a real reading that raises a warning.
    """

    sensor_id: str = Field(pattern=SENSOR_PATTERN)
    seq: int = Field(ge=0, lt=10**12)
    at: datetime = Field(description="when it was measured (aware)")
    ph: float | None = Field(default=None, ge=0, le=14)
    turbidity_ntu: float | None = Field(default=None, ge=0, le=4000)
    free_chlorine_mg_l: float | None = Field(default=None, ge=0, le=20)
    temperature_c: float | None = Field(default=None, ge=-5, le=60)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("timestamps must carry a timezone")
        return value

    @property
    def reading_id(self) -> str:
        return f"{self.sensor_id}:{self.seq}"

    def value(self, parameter: Parameter) -> float | None:
        return {
            "ph": self.ph,
            "turbidity": self.turbidity_ntu,
            "free_chlorine": self.free_chlorine_mg_l,
            "temperature": self.temperature_c,
        }[parameter]


class Limit(BaseModel):
    """One parameter's limits, with where they come from (``water/limits.json``)."""

    parameter: Parameter
    name_vi: str
    unit: str
    min: float | None = None
    max: float | None = None
    source: str


class LimitTable(BaseModel):
    regulation: str
    title_vi: str
    issued_by: str
    table: str
    checked_against: str
    limits: list[Limit]

    def of(self, parameter: Parameter) -> Limit:
        for limit in self.limits:
            if limit.parameter == parameter:
                return limit
        raise KeyError(parameter)


class GeoPoint(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class WaterSensor(BaseModel):
    """A sensor registered as an IoT thing: where it measures."""

    sensor_id: str = Field(pattern=SENSOR_PATTERN)
    commune_id: str
    site_name: str = Field(max_length=120, description="e.g. Vòi nước công cộng xóm Tây Sơn")
    hamlet_id: str
    kind: SiteKind
    location: GeoPoint


class LatestValues(BaseModel):
    ph: float | None = None
    turbidity_ntu: float | None = None
    free_chlorine_mg_l: float | None = None
    temperature_c: float | None = None


class SensorStatus(BaseModel):
    """One sensor on the public dashboard: where, its latest values and whether they are within the limits."""

    sensor_id: str
    site_name: str
    hamlet_id: str
    hamlet_name: str = ""
    kind: SiteKind
    lat: float
    lon: float
    status: SensorStatusName
    measured_at: datetime | None = None
    latest: LatestValues = Field(default_factory=LatestValues)
    out_of_limits: list[Parameter] = Field(default_factory=list)


class StatusCounts(BaseModel):
    total: int = 0
    ok: int = 0
    out_of_limits: int = 0
    silent: int = 0


class WaterSummary(BaseModel):
    """The commune's water quality now (public: no device internals), for the operations dashboard."""

    commune_id: str
    generated_at: datetime
    silent_after_min: int
    sensors: list[SensorStatus]
    counts: StatusCounts
    limits: list[Limit]
    regulation: str


class ReadingPoint(BaseModel):
    at: datetime
    ph: float | None = None
    turbidity_ntu: float | None = None
    free_chlorine_mg_l: float | None = None
    temperature_c: float | None = None


class ReadingSeries(BaseModel):
    """One sensor's readings of one day (Vietnam time), oldest first, for a chart."""

    commune_id: str
    sensor_id: str
    site_name: str
    day: date
    points: list[ReadingPoint]
    limits: list[Limit]


class SeriesQuery(Contract):
    day: date | None = Field(default=None, description="yyyy-mm-dd in Vietnam time; today when left out")


class WaterWarning(OperationalWarning):
    """A water warning as water's own routes show it: the shared shape plus what it is about and when it ended."""

    sensor_id: str
    subject: WarningSubject
    value: float | None = None
    resolved_at: datetime | None = Field(default=None, description="when the sensor was back within limits / heard")
    bulletin_id: str | None = Field(default=None, description="the alert bulletin drafted from it, if any")

    def shared(self) -> OperationalWarning:
        """The shared shape alone (what the dashboard's ``WarningSource`` gives)."""
        return OperationalWarning.model_validate(self.model_dump(include=set(OperationalWarning.model_fields)))


class WarningList(BaseModel):
    items: list[WaterWarning]


class WarningsQuery(Contract):
    since: datetime | None = Field(default=None, description="aware; default: the last 7 days")
    limit: int = Field(default=50, ge=1, le=200)


class Acknowledgement(Contract):
    """Environment or health staff acknowledge a warning, saying what they did or will do."""

    note: str = Field(min_length=3, max_length=500, description="e.g. Đã báo nhà máy tăng liều clo")


class BulletinDraftResult(BaseModel):
    """The alert bulletin drafted from a warning (a draft: it still needs approval before it airs)."""

    warning_id: str
    bulletin_id: str
    headline: str
    created: bool = Field(description="False when the warning already had a draft, which is returned instead")
