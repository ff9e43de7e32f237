"""Scenarios of the population register: the office (and the chairman) keep it, police and health staff read it,
a citizen reads their own household, anyone reads the commune's figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import Role
from tests.support.access.model import Call, Plan, same, scenario

if TYPE_CHECKING:
    from tests.support.access.world import World


def _household(w: World, citizen_id: str | None = None) -> dict[str, Any]:
    body = {
        "id": f"acc-hh-{w.serial():04d}",
        "hamlet_id": "xom-1",
        "address": "Xóm 1, Giao Phong",
        "residents": [
            {"full_name": "Chủ Hộ Kiểm Tra", "birth_date": "1980-03-04", "sex": "male", "relation": "head",
             "citizen_id": citizen_id},
            {"full_name": "Con Kiểm Tra", "birth_date": "2019-09-10", "sex": "female", "relation": "child"},
        ],
    }  # fmt: skip
    return body


def _registered(w: World) -> dict[str, Any]:
    """One household with the world's citizen as its head (kept for the module)."""
    return w.once(
        "population",
        lambda: w.ok("register", Call("POST", "/population/households", _household(w, w.citizen_id)), Role.OFFICE),
    )


@scenario("POST /population/households")
def register(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", "/population/households", _household(w)))


@scenario("GET /population/households")
def list_households(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/population/households?hamlet_id=xom-1"))


@scenario("GET /population/households/{household_id}")
def get_household(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", f"/population/households/{_registered(w)['id']}"))


@scenario("POST /population/households/{household_id}/residents")
def add_resident(w: World, role: Role | None) -> Plan:
    baby = {"full_name": "Em Bé Kiểm Tra", "birth_date": "2026-10-01", "sex": "male", "relation": "child"}
    return Plan(mine=lambda: Call("POST", f"/population/households/{_registered(w)['id']}/residents", baby))


@scenario("PUT /population/households/{household_id}/residents/{resident_id}/status")
def change_resident(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        household = w.ok("a household", Call("POST", "/population/households", _household(w)), Role.OFFICE)
        child = household["residents"][1]["id"]
        change = {"status": "moved_out", "since": "2026-11-01", "note": "Chuyển đi học xa"}
        return Call("PUT", f"/population/households/{household['id']}/residents/{child}/status", change)

    return Plan(mine=build)


@scenario("GET /me/household")
def my_household(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        _registered(w)
        return Call("GET", "/me/household")

    return Plan(mine=build)


@scenario("GET /communes/{commune_id}/population")
def public_population(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/communes/giao-phong/population"))
