"""What the operations dashboard returns: tiles with their drill-down, warnings by severity, forecasts from the
population register with their stated method, trend warnings, the criteria scorecard and the map's markers.

Every figure a person reads carries its Vietnamese label; the page only lays them out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from smartcommune.core.contracts import Contract
from smartcommune.core.warnings import OperationalWarning

Tone = Literal["ok", "warn", "bad", "info"]
Audience = Literal["staff", "public"]
Cell = str | int | float | None


class Metric(BaseModel):
    """One figure on a tile: ``12`` ``phản ánh đang xử lý``."""

    key: str
    label_vi: str
    value: int | float | str | None
    unit: str = ""
    tone: Tone = "info"


class Series(BaseModel):
    """A small chart on a tile or in its drill-down: one value per x label (days, months, fields…)."""

    key: str
    label_vi: str
    kind: Literal["bar", "line"] = "bar"
    x: list[str]
    values: list[float | None]
    unit: str = ""


class DrillTable(BaseModel):
    """A table behind a tile (staff only): e.g. satisfaction by field."""

    key: str
    title_vi: str
    columns: list[str]
    rows: list[list[Cell]]


class Tile(BaseModel):
    """One capability's live state on the dashboard."""

    name: str = Field(description="The registry's tile name: feedback, loudspeakers, cameras, water, …")
    title_vi: str
    metrics: list[Metric]
    series: list[Series] = Field(default_factory=list)
    drill: list[DrillTable] = Field(default_factory=list, description="Staff only; empty on the hall screen")
    note_vi: str = ""
    link: str | None = Field(default=None, description="Where staff act on it in the admin site")


class MapMarker(BaseModel):
    """A point on the hamlet map: a loudspeaker cluster, a camera, a sensor, a wifi point, a school, a warning."""

    kind: Literal["speaker", "camera", "water", "wifi", "school", "warning", "feedback"]
    lat: float
    lon: float
    label_vi: str
    tone: Tone = "info"
    hamlet_id: str | None = None


class WarningCount(BaseModel):
    severity: str
    label_vi: str
    count: int
    unacknowledged: int


class WarningBoard(BaseModel):
    """Warnings of the last days from every source, most severe first (items: staff only)."""

    since: datetime
    counts: list[WarningCount]
    by_category: dict[str, int]
    items: list[OperationalWarning] = Field(default_factory=list)
    sources: list[str] = Field(description="The warning sources asked (capabilities installed)")


class YearCount(BaseModel):
    year: int
    count: int
    source: Literal["register", "estimate"] = "register"


class SchoolEntryYear(BaseModel):
    """Children entering grade 1 in September of ``year`` (born in ``year - 6``)."""

    year: int
    children: int
    classes: int
    teachers: int
    source: Literal["register", "estimate"]


class ElderlyCare(BaseModel):
    aged_60_plus: int
    aged_80_plus: int
    by_hamlet: dict[str, int] = Field(description="Aged 60 and over, per hamlet id")
    turning_60: list[YearCount] = Field(description="Reaching 60 in each of the next years")


class Forecasts(BaseModel):
    """Forecasts from the population register, each with its method in words for the screen."""

    as_of: date
    people_counted: int = Field(description="People in the register with a birth date or a CCCD")
    people_without_birth: int
    population: int | None = Field(description="The commune profile's population, when known")
    school_entry: list[SchoolEntryYear]
    conscription: list[YearCount] = Field(description="Men reaching 18 (Luật NVQS 2015), per year")
    elderly: ElderlyCare
    class_size: int
    teachers_per_class: float
    birth_rate_per_mille: float
    methods_vi: dict[str, str]


class TrendWarning(BaseModel):
    """An indicator rising: the latest window against the mean of the windows before it."""

    indicator: str
    label_vi: str
    current: int
    baseline_mean: float
    change_pct: float | None
    method_vi: str


class ScorecardRow(BaseModel):
    code: str
    name_vi: str
    target_text: str
    value: float | int | str | None
    unit: str = ""
    met: bool | None
    source: str
    source_detail_vi: str = ""


class ScorecardView(BaseModel):
    month: str | None
    criteria: list[ScorecardRow]
    met: int
    total: int
    as_of: datetime | None = Field(default=None, description="When it was worked out (reused up to 10 minutes)")


class HistoryPoint(BaseModel):
    month: str
    value: float | None
    met: bool | None = None


class HistoryQuery(Contract):
    months: int = Field(default=12, ge=1, le=24)


class CriterionHistory(BaseModel):
    code: str
    name_vi: str
    unit: str = ""
    points: list[HistoryPoint]


class DashboardPayload(BaseModel):
    """``GET /dashboard`` (staff) and ``GET /communes/{id}/dashboard`` (the hall screen: counts only)."""

    commune_id: str
    commune_name: str
    audience: Audience
    generated_at: datetime
    tiles: list[Tile]
    missing_tiles: list[str] = Field(description="Registered tiles whose capability is not installed yet")
    warnings: WarningBoard
    forecasts: Forecasts | None
    trends: list[TrendWarning]
    scorecard: ScorecardView | None
    markers: list[MapMarker]
    hamlets: dict[str, str] = Field(description="Hamlet id → name, for the map's outlines")
