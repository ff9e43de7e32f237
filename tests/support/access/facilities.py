"""Scenarios of the facilities routes: public lists answer anyone; culture (with the leadership) keeps the wifi
register; the schools (with the leadership) keep the schools and their yearly figures. A change names the version
it read, so each one gets a fresh record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import Role
from tests.support.access.model import Call, Plan, same, scenario

if TYPE_CHECKING:
    from tests.support.access.world import World

PUBLIC = "/communes/giao-phong/facilities"
POINT = {
    "name": "Wifi Nhà văn hóa kiểm tra",
    "place_kind": "cultural_house",
    "hamlet_id": "xom-1",
    "location": {"lat": 20.256, "lon": 106.494},
    "bandwidth_mbps": 100,
}
SCHOOL = {"name": "Trường Tiểu học kiểm tra", "level": "tieu_hoc", "location": {"lat": 20.255, "lon": 106.493}}
YEAR = {
    "school_year": "2026-2027",
    "pupils": 420,
    "classes": 14,
    "teachers": 24,
    "has_management_software": True,
    "has_digital_equipment": True,
}


def _point(w: World) -> dict[str, Any]:
    return dict(w.ok("register a wifi point", Call("POST", "/facilities/wifi", POINT), Role.CULTURE))


def _school(w: World) -> dict[str, Any]:
    return dict(w.ok("register a school", Call("POST", "/facilities/schools", SCHOOL), Role.SCHOOL))


@scenario("GET /communes/{commune_id}/facilities/wifi")
def public_wifi(w: World, role: Role | None) -> Plan:
    w.once("facilities point", lambda: _point(w))
    return same(Call("GET", f"{PUBLIC}/wifi"))


@scenario("GET /communes/{commune_id}/facilities/schools")
def public_schools(w: World, role: Role | None) -> Plan:
    w.once("facilities school", lambda: _school(w))
    return same(Call("GET", f"{PUBLIC}/schools"))


@scenario("GET /facilities/wifi")
def list_wifi(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/facilities/wifi"))


@scenario("POST /facilities/wifi")
def add_wifi(w: World, role: Role | None) -> Plan:
    return same(Call("POST", "/facilities/wifi", POINT))


@scenario("PUT /facilities/wifi/{point_id}")
def change_wifi(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        point = _point(w)
        return Call("PUT", f"/facilities/wifi/{point['id']}", {**POINT, "bandwidth_mbps": 200, "version": 1})

    return Plan(mine=build)


@scenario("POST /facilities/wifi/{point_id}/status")
def wifi_status(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        point = _point(w)
        body = {"status": "out_of_service", "note": "Mất nguồn điện", "version": point["version"]}
        return Call("POST", f"/facilities/wifi/{point['id']}/status", body)

    return Plan(mine=build)


@scenario("GET /facilities/schools")
def list_schools(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/facilities/schools"))


@scenario("POST /facilities/schools")
def add_school(w: World, role: Role | None) -> Plan:
    return same(Call("POST", "/facilities/schools", SCHOOL))


@scenario("PUT /facilities/schools/{school_id}")
def change_school(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        school = _school(w)
        body = {**SCHOOL, "name": "Trường Tiểu học kiểm tra (đổi tên)", "version": school["version"]}
        return Call("PUT", f"/facilities/schools/{school['id']}", body)

    return Plan(mine=build)


@scenario("POST /facilities/schools/{school_id}/years")
def enter_school_year(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        school = _school(w)
        return Call("POST", f"/facilities/schools/{school['id']}/years", {**YEAR, "version": school["version"]})

    return Plan(mine=build)
