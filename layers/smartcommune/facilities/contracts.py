"""What the facilities capability speaks: wifi points and schools as staff send and keep them, their public views,
and the summaries the dashboard and the scorecard read.

Records (``WifiPoint``, ``School``) are what is stored; ``New…``/``…Update``/``…Change``/``SchoolYearEntry`` are
what staff send (validated here: unknown fields refused, numbers in range, a school year written ``2026-2027``); the
``Public…`` views leave out who changed what and the staff's notes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from smartcommune.core.contracts import Contract

HAMLET_ID = r"^[a-z0-9][a-z0-9-]{0,39}$"
SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")

PlaceKind = Literal[
    "one_stop_office", "health_station", "cultural_house", "school", "post_office", "tourist_spot", "market", "other"
]
PLACE_KINDS_VI: dict[str, str] = {
    "one_stop_office": "Bộ phận Một cửa UBND xã",
    "health_station": "Trạm y tế xã",
    "cultural_house": "Nhà văn hóa xóm",
    "school": "Trường học",
    "post_office": "Bưu điện văn hóa xã",
    "tourist_spot": "Điểm du lịch",
    "market": "Chợ",
    "other": "Điểm công cộng khác",
}
COVERAGE_KINDS: tuple[str, ...] = ("one_stop_office", "health_station", "cultural_house")
"""The public places criterion 4.3 counts here: the one-stop office, the health station, every hamlet's cultural
house (the plan's "khu vực trung tâm xã, nơi sinh hoạt cộng đồng")."""

WifiStatus = Literal["in_service", "out_of_service"]
STATUS_VI: dict[str, str] = {"in_service": "Đang hoạt động", "out_of_service": "Ngừng hoạt động"}

SchoolLevel = Literal["mam_non", "tieu_hoc", "thcs"]
LEVELS_VI: dict[str, str] = {"mam_non": "Mầm non", "tieu_hoc": "Tiểu học", "thcs": "Trung học cơ sở"}


def check_school_year(value: str) -> str:
    """``2026-2027``: two consecutive years, the first from 2000 on (the messages: ``core.validation``)."""
    found = SCHOOL_YEAR.match(value)
    if not found or int(found[2]) != int(found[1]) + 1 or not 2000 <= int(found[1]) <= 2100:
        raise ValueError("school_year")
    return value


class Location(Contract):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


# ---------------------------------------------------------------- wifi points (criterion 4.3)


class WifiPointFields(Contract):
    name: str = Field(min_length=3, max_length=150, description="e.g. Wifi Nhà văn hóa xóm Đông Thành")
    place_kind: PlaceKind
    hamlet_id: str | None = Field(default=None, pattern=HAMLET_ID, description="required for a cultural house")
    location: Location
    bandwidth_mbps: float = Field(gt=0, le=10000, description="the line's bandwidth (the plan: 100 Mbps and up)")
    free: bool = Field(default=True, description="free for everyone (criterion 4.3 counts free points only)")


class NewWifiPoint(WifiPointFields):
    status: WifiStatus = "in_service"
    status_note: str | None = Field(default=None, max_length=300)


class WifiPointUpdate(WifiPointFields):
    version: int = Field(ge=1)


class WifiStatusChange(Contract):
    """A point taken out of service (or back in), with a note: since when is the time of the change."""

    status: WifiStatus
    note: str | None = Field(default=None, max_length=300, description="e.g. mất nguồn điện, đã báo nhà mạng")
    version: int = Field(ge=1)


class WifiPoint(BaseModel):
    id: str
    commune_id: str
    name: str
    place_kind: PlaceKind
    hamlet_id: str | None = None
    location: Location
    bandwidth_mbps: float
    free: bool = True
    status: WifiStatus = "in_service"
    status_since: datetime
    status_note: str | None = None
    updated_at: datetime
    updated_by: str
    version: int = 0


class WifiPointList(BaseModel):
    items: list[WifiPoint]


class PublicWifiPoint(BaseModel):
    id: str
    name: str
    place_kind: PlaceKind
    place_kind_vi: str
    hamlet_id: str | None = None
    hamlet_name: str | None = None
    location: Location
    bandwidth_mbps: float
    free: bool
    status: WifiStatus
    status_vi: str
    status_since: datetime


class PublicWifiList(BaseModel):
    commune_id: str
    items: list[PublicWifiPoint]


# ---------------------------------------------------------------- schools (criteria 10.1, 10.2)


class SchoolFields(Contract):
    name: str = Field(min_length=3, max_length=150, description="e.g. Trường Tiểu học Giao Phong")
    level: SchoolLevel
    hamlet_id: str | None = Field(default=None, pattern=HAMLET_ID)
    location: Location


class NewSchool(SchoolFields):
    pass


class SchoolUpdate(SchoolFields):
    version: int = Field(ge=1)


class SchoolYearFigures(Contract):
    """One school year's figures of one school (the fields are checked in this order)."""

    school_year: str = Field(description="e.g. 2026-2027")
    pupils: int = Field(ge=0, le=5000)
    classes: int = Field(ge=0, le=200)
    teachers: int = Field(ge=0, le=500)
    has_management_software: bool = Field(description="school-management software in use (criterion 10.1)")
    has_digital_equipment: bool = Field(description="digital teaching equipment and software (criterion 10.2)")

    @field_validator("school_year")
    @classmethod
    def _school_year(cls, value: str) -> str:
        return check_school_year(value)

    @field_validator("classes")
    @classmethod
    def _classes(cls, value: int, info: ValidationInfo) -> int:
        pupils = info.data.get("pupils")
        if isinstance(pupils, int) and value > pupils:
            raise ValueError("classes_exceed_pupils")
        if isinstance(pupils, int) and pupils and not value:
            raise ValueError("classes_required")
        return value


class SchoolYearEntry(SchoolYearFigures):
    version: int = Field(ge=1, description="the school's version as read")


class SchoolYear(BaseModel):
    school_year: str
    pupils: int
    classes: int
    teachers: int
    has_management_software: bool
    has_digital_equipment: bool
    entered_at: datetime
    entered_by: str


class School(BaseModel):
    id: str
    commune_id: str
    name: str
    level: SchoolLevel
    hamlet_id: str | None = None
    location: Location
    years: list[SchoolYear] = Field(default_factory=list, description="oldest first, one per school year")
    updated_at: datetime
    updated_by: str
    version: int = 0

    @property
    def latest(self) -> SchoolYear | None:
        return self.years[-1] if self.years else None


class SchoolList(BaseModel):
    items: list[School]


class PublicSchoolYear(BaseModel):
    school_year: str
    pupils: int
    classes: int
    teachers: int
    has_management_software: bool
    has_digital_equipment: bool


class PublicSchool(BaseModel):
    id: str
    name: str
    level: SchoolLevel
    level_vi: str
    hamlet_id: str | None = None
    hamlet_name: str | None = None
    location: Location
    latest: PublicSchoolYear | None = None


class PublicSchoolList(BaseModel):
    commune_id: str
    items: list[PublicSchool]


# ---------------------------------------------------------------- summaries (the dashboard, the scorecard)


class WifiPointState(BaseModel):
    id: str
    name: str
    place_kind: PlaceKind
    hamlet_id: str | None
    hamlet_name: str | None
    lat: float
    lon: float
    bandwidth_mbps: float
    free: bool
    status: WifiStatus
    status_since: datetime
    status_note: str | None = None


class WifiSummary(BaseModel):
    commune_id: str
    points: int
    in_service: int
    out_of_service: int
    public_places: int = Field(description="the one-stop office, the health station and each hamlet's cultural house")
    public_places_covered: int = Field(description="of those, the places with a free point in service")
    coverage_pct: float | None = Field(description="covered / public places × 100 (None: no point registered)")
    uncovered: list[str] = Field(description="the public places without a free point in service, by name")
    by_kind: dict[str, int] = Field(description="points by kind of place (Vietnamese label)")
    method_vi: str
    items: list[WifiPointState]


class SchoolState(BaseModel):
    id: str
    name: str
    level: SchoolLevel
    hamlet_id: str | None
    hamlet_name: str | None
    lat: float
    lon: float
    latest: SchoolYear | None


class SchoolsSummary(BaseModel):
    commune_id: str
    schools: int
    school_year: str | None = Field(description="the latest school year any school has entered")
    schools_reported: int = Field(description="schools with figures for that year")
    pupils: int
    classes: int
    teachers: int
    with_management_software: int = Field(description="schools whose latest year has it (criterion 10.1)")
    with_digital_equipment: int = Field(description="schools whose latest year has it (criterion 10.2)")
    pupils_by_year: dict[str, int] = Field(description="school year → pupils of every school that entered it")
    items: list[SchoolState]
