"""The facilities' figures for the dashboard's tiles and the scorecard: wifi points in and out of service and the
coverage of public places (criterion 4.3), schools with their latest year's figures (criteria 10.1 and 10.2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from smartcommune.facilities.contracts import (
    PLACE_KINDS_VI,
    School,
    SchoolsSummary,
    SchoolState,
    WifiPoint,
    WifiPointState,
    WifiSummary,
)

if TYPE_CHECKING:
    from smartcommune.facilities.logic.common import Communes
    from smartcommune.facilities.logic.ports import FacilitiesStore

COVERAGE_METHOD_VI = (
    "Điểm công cộng: Bộ phận Một cửa UBND xã, Trạm y tế xã và nhà văn hóa của từng xóm. Một điểm được tính là có "
    "wifi miễn phí khi có ít nhất một điểm phát wifi miễn phí đang hoạt động tại đó. Tỷ lệ = số điểm có / số điểm "
    "công cộng × 100 (sổ điểm wifi của xã)."
)


def _serves(point: WifiPoint) -> bool:
    return point.free and point.status == "in_service"


def wifi_summary(commune_id: str, points: list[WifiPoint], hamlets: dict[str, str]) -> WifiSummary:
    """Points by state, and which public places have a free point in service (``hamlets``: id → name)."""
    serving = [p for p in points if _serves(p)]
    places: list[tuple[str, bool]] = [
        (PLACE_KINDS_VI["one_stop_office"], any(p.place_kind == "one_stop_office" for p in serving)),
        (PLACE_KINDS_VI["health_station"], any(p.place_kind == "health_station" for p in serving)),
    ]
    for hamlet_id, name in hamlets.items():
        covered = any(p.place_kind == "cultural_house" and p.hamlet_id == hamlet_id for p in serving)
        places.append((f"Nhà văn hóa {name}", covered))
    covered_count = sum(1 for _, covered in places if covered)
    by_kind: dict[str, int] = {}
    for p in points:
        label = PLACE_KINDS_VI[p.place_kind]
        by_kind[label] = by_kind.get(label, 0) + 1
    in_service = sum(1 for p in points if p.status == "in_service")
    return WifiSummary(
        commune_id=commune_id,
        points=len(points),
        in_service=in_service,
        out_of_service=len(points) - in_service,
        public_places=len(places),
        public_places_covered=covered_count,
        coverage_pct=round(covered_count / len(places) * 100, 1) if points else None,
        uncovered=[name for name, covered in places if not covered],
        by_kind=by_kind,
        method_vi=COVERAGE_METHOD_VI,
        items=[
            WifiPointState(
                id=p.id,
                name=p.name,
                place_kind=p.place_kind,
                hamlet_id=p.hamlet_id,
                hamlet_name=hamlets.get(p.hamlet_id) if p.hamlet_id else None,
                lat=p.location.lat,
                lon=p.location.lon,
                bandwidth_mbps=p.bandwidth_mbps,
                free=p.free,
                status=p.status,
                status_since=p.status_since,
                status_note=p.status_note,
            )
            for p in points
        ],
    )


def schools_summary(commune_id: str, schools: list[School], hamlets: dict[str, str]) -> SchoolsSummary:
    """The latest school year any school entered, and the totals of the schools that entered it."""
    years = sorted({y.school_year for s in schools for y in s.years})
    year = years[-1] if years else None
    lines = [y for s in schools for y in s.years if y.school_year == year]
    pupils_by_year = {
        label: sum(y.pupils for s in schools for y in s.years if y.school_year == label) for label in years
    }
    return SchoolsSummary(
        commune_id=commune_id,
        schools=len(schools),
        school_year=year,
        schools_reported=len(lines),
        pupils=sum(y.pupils for y in lines),
        classes=sum(y.classes for y in lines),
        teachers=sum(y.teachers for y in lines),
        with_management_software=sum(1 for s in schools if s.latest and s.latest.has_management_software),
        with_digital_equipment=sum(1 for s in schools if s.latest and s.latest.has_digital_equipment),
        pupils_by_year=pupils_by_year,
        items=[
            SchoolState(
                id=s.id,
                name=s.name,
                level=s.level,
                hamlet_id=s.hamlet_id,
                hamlet_name=hamlets.get(s.hamlet_id) if s.hamlet_id else None,
                lat=s.location.lat,
                lon=s.location.lon,
                latest=s.latest,
            )
            for s in schools
        ],
    )


@dataclass(frozen=True)
class SchoolCriterion:
    """10.1 or 10.2 from the schools' latest years: met when every school has it."""

    schools: int
    having: int
    school_years: list[str]

    @property
    def met(self) -> bool:
        return bool(self.schools) and self.having == self.schools


class FacilitiesSummaryService:
    """The public summaries (``facilities.wiring.facilities_summary``): two reads each, the records and the commune."""

    def __init__(self, store: FacilitiesStore, communes: Communes) -> None:
        self._store = store
        self._communes = communes

    def wifi(self, commune_id: str) -> WifiSummary:
        return wifi_summary(commune_id, self._store.points(commune_id), self._communes.hamlets(commune_id))

    def schools(self, commune_id: str) -> SchoolsSummary:
        return schools_summary(commune_id, self._store.schools(commune_id), self._communes.hamlets(commune_id))

    def school_criterion(self, commune_id: str, field: str) -> SchoolCriterion | None:
        """How many schools' latest year has ``field`` (``has_management_software`` or ``has_digital_equipment``);
        ``None`` when no school has entered a year yet (the platform does not hold the figure)."""
        schools = self._store.schools(commune_id)
        latest = [s.latest for s in schools]
        if not any(latest):
            return None
        having = sum(1 for y in latest if y is not None and bool(getattr(y, field)))
        return SchoolCriterion(
            schools=len(schools), having=having, school_years=sorted({y.school_year for y in latest if y})
        )
