"""The facilities' pure rules: what a school year looks like, which public places a wifi point covers, how the
schools' latest year adds up, and the services' checks, on an in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, InvalidInputError, NotFoundError
from smartcommune.core.principal import Principal
from smartcommune.facilities.contracts import (
    NewSchool,
    NewWifiPoint,
    School,
    SchoolYearEntry,
    WifiPoint,
    WifiStatusChange,
)
from smartcommune.facilities.logic.common import Communes
from smartcommune.facilities.logic.schools import SchoolService, current_school_year
from smartcommune.facilities.logic.summary import FacilitiesSummaryService, wifi_summary
from smartcommune.facilities.logic.wifi import WifiService

NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
HAMLETS = {"dong-thanh": "Xóm Đông Thành", "tay-son": "Xóm Tây Sơn"}


class MemoryStore:
    def __init__(self) -> None:
        self.points_: dict[str, WifiPoint] = {}
        self.schools_: dict[str, School] = {}
        self.audit: list[Any] = []

    def _save(self, table: dict[str, Any], before: Any, after: Any, audit: Any) -> Any:
        current = table.get(after.id)
        if (before is None) != (current is None) or (before and current and before.version != current.version):
            raise ConflictError("Dữ liệu vừa được người khác thay đổi.", "Changed by someone else.")
        saved = after.model_copy(update={"version": (before.version if before else 0) + 1})
        table[after.id] = saved
        self.audit.append(audit)
        return saved

    def get_point(self, commune_id: str, point_id: str) -> WifiPoint | None:
        return self.points_.get(point_id)

    def points(self, commune_id: str) -> list[WifiPoint]:
        return list(self.points_.values())

    def save_point(self, before: WifiPoint | None, after: WifiPoint, audit: Any) -> WifiPoint:
        return self._save(self.points_, before, after, audit)

    def get_school(self, commune_id: str, school_id: str) -> School | None:
        return self.schools_.get(school_id)

    def schools(self, commune_id: str) -> list[School]:
        return list(self.schools_.values())

    def save_school(self, before: School | None, after: School, audit: Any) -> School:
        return self._save(self.schools_, before, after, audit)


def _caller(role: Role = Role.CULTURE) -> Principal:
    return Principal(
        subject_id="s-1",
        kind="staff",
        roles=frozenset({role}),
        commune_id="giao-phong",
        display_name="Cán bộ",
        session_id="x",
        expires_at=datetime(2100, 1, 1, tzinfo=UTC),
    )


def _point(kind: str, hamlet: str | None = None, **extra: Any) -> NewWifiPoint:
    body = {"name": f"Wifi {kind} {hamlet}", "place_kind": kind, "hamlet_id": hamlet, "bandwidth_mbps": 100}
    return NewWifiPoint.model_validate({**body, "location": {"lat": 20.25, "lon": 106.49}, **extra})


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def communes() -> Communes:
    return Communes(lambda commune_id: HAMLETS if commune_id == "giao-phong" else None)


def test_a_school_year_is_two_consecutive_years_and_classes_fit_the_pupils() -> None:
    body = {"pupils": 300, "classes": 11, "teachers": 23, "has_management_software": True}
    ok = SchoolYearEntry.model_validate(
        {**body, "school_year": "2026-2027", "has_digital_equipment": False, "version": 1}
    )
    assert ok.school_year == "2026-2027"
    for bad in ("2026-2028", "2026/2027", "26-27", "1999-2000"):
        with pytest.raises(ValidationError):
            SchoolYearEntry.model_validate({**body, "school_year": bad, "has_digital_equipment": True, "version": 1})
    with pytest.raises(ValidationError, match="classes_exceed_pupils"):
        SchoolYearEntry.model_validate(
            {**body, "pupils": 10, "school_year": "2026-2027", "has_digital_equipment": True, "version": 1}
        )


def test_the_current_school_year_turns_in_august_vietnam_time() -> None:
    assert current_school_year(NOW) == "2026-2027"
    assert current_school_year(datetime(2026, 7, 31, 12, tzinfo=UTC)) == "2025-2026"
    assert current_school_year(datetime(2026, 7, 31, 17, 30, tzinfo=UTC)) == "2026-2027"  # 00:30 on 1/8 in Vietnam


def test_coverage_counts_free_points_in_service_at_the_public_places(store, communes) -> None:
    service = WifiService(store, communes, lambda: NOW)
    for new in (
        _point("one_stop_office"),
        _point("health_station", free=False),
        _point("cultural_house", "dong-thanh"),
        _point("cultural_house", "tay-son", status="out_of_service", status_note="Mất điện"),
        _point("school", "tay-son"),
    ):
        service.create(_caller(), new, None)
    summary = wifi_summary("giao-phong", store.points("giao-phong"), HAMLETS)
    assert (summary.public_places, summary.public_places_covered, summary.coverage_pct) == (4, 2, 50.0)
    assert summary.uncovered == ["Trạm y tế xã", "Nhà văn hóa Xóm Tây Sơn"]
    assert (summary.points, summary.in_service, summary.out_of_service) == (5, 4, 1)
    assert wifi_summary("giao-phong", [], HAMLETS).coverage_pct is None


def test_wifi_checks_hamlets_notes_and_versions(store, communes) -> None:
    service = WifiService(store, communes, lambda: NOW)
    with pytest.raises(InvalidInputError) as missing:
        service.create(_caller(), _point("cultural_house"), None)
    assert missing.value.details[0].field == "hamlet_id"
    with pytest.raises(InvalidInputError):
        service.create(_caller(), _point("cultural_house", "xom-la"), None)
    made = service.create(_caller(), _point("cultural_house", "dong-thanh"), "key-00000001")
    assert service.create(_caller(), _point("cultural_house", "dong-thanh"), "key-00000001").id == made.id
    with pytest.raises(InvalidInputError):
        service.set_status(_caller(), made.id, WifiStatusChange(status="out_of_service", version=1))
    with pytest.raises(ConflictError):
        service.set_status(_caller(), made.id, WifiStatusChange(status="out_of_service", note="x", version=9))
    with pytest.raises(NotFoundError):
        service.public_list("khong-co")
    assert [a.action for a in store.audit] == ["facilities.wifi_added"]


def test_a_school_year_entered_again_replaces_it_and_the_criteria_read_the_latest(store, communes) -> None:
    service = SchoolService(store, communes, lambda: NOW)
    place = {"location": {"lat": 20.25, "lon": 106.49}}
    one = service.create(
        _caller(Role.SCHOOL), NewSchool.model_validate({"name": "Trường A", "level": "thcs", **place}), None
    )
    two = service.create(
        _caller(Role.SCHOOL), NewSchool.model_validate({"name": "Trường B", "level": "tieu_hoc", **place}), None
    )

    def enter(school: School, school_year: str, pupils: int, equipment: bool) -> School:
        body = {"school_year": school_year, "pupils": pupils, "classes": 10, "teachers": 20}
        tools = {"has_management_software": True, "has_digital_equipment": equipment, "version": school.version}
        return service.enter_year(_caller(Role.SCHOOL), school.id, SchoolYearEntry.model_validate({**body, **tools}))

    one = enter(one, "2026-2027", 400, True)
    one = enter(one, "2025-2026", 390, False)
    one = enter(one, "2026-2027", 401, True)
    assert [(y.school_year, y.pupils) for y in one.years] == [("2025-2026", 390), ("2026-2027", 401)]
    summaries = FacilitiesSummaryService(store, communes)
    assert summaries.school_criterion("giao-phong", "has_digital_equipment") is not None
    criterion = summaries.school_criterion("giao-phong", "has_digital_equipment")
    assert criterion is not None and (criterion.schools, criterion.having, criterion.met) == (2, 1, False)
    enter(two, "2026-2027", 500, True)
    criterion = summaries.school_criterion("giao-phong", "has_digital_equipment")
    assert criterion is not None and criterion.met and criterion.school_years == ["2026-2027"]
    with pytest.raises(InvalidInputError):
        enter(one, "2028-2029", 100, True)  # the year after next has not come
