"""Scenarios of the water routes: the demo sensors (``seed_water_sensors``), and warnings raised for them through
the readings path (a reading out of limits, then one back within: a fresh warning each time, as acknowledging or
drafting from one uses it up)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from smartcommune.water.contracts import SensorReading
from smartcommune_local.water_demo import seed_water_sensors
from tests.support.access.model import Call, Plan, same, scenario
from tests.support.access.world import COMMUNE

if TYPE_CHECKING:
    from smartcommune.core.contracts import Role
    from tests.support.access.world import World

SENSOR = "gp-wq-06"


def _sensors(w: World) -> None:
    w.once("water-sensors", lambda: seed_water_sensors(w.services))


def fresh_warning(w: World) -> str:
    """A new warning (chlorine too low at the far tap), already resolved by the next reading."""
    from smartcommune.water.wiring import water_service

    _sensors(w)
    n = w.serial()
    at = w.clock() + timedelta(seconds=n)
    service = w.services.get(water_service)
    low = SensorReading(sensor_id=SENSOR, seq=2 * n, at=at, ph=7.2, free_chlorine_mg_l=0.05, temperature_c=28)
    result = service.ingest(COMMUNE, [(low, at)])
    back = SensorReading(sensor_id=SENSOR, seq=2 * n + 1, at=at, ph=7.2, free_chlorine_mg_l=0.5, temperature_c=28)
    service.ingest(COMMUNE, [(back, at)])
    assert result.raised, "the low-chlorine reading raised no warning"
    return result.raised[0]


@scenario("GET /communes/{commune_id}/water/summary")
def water_summary(w: World, role: Role | None) -> Plan:
    _sensors(w)
    return same(Call("GET", f"/communes/{COMMUNE}/water/summary"))


@scenario("GET /communes/{commune_id}/water/sensors/{sensor_id}/readings")
def water_readings(w: World, role: Role | None) -> Plan:
    _sensors(w)
    return same(Call("GET", f"/communes/{COMMUNE}/water/sensors/{SENSOR}/readings"))


@scenario("GET /water/warnings")
def water_warnings(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/water/warnings"))


@scenario("POST /water/warnings/{warning_id}/acknowledge")
def acknowledge(w: World, role: Role | None) -> Plan:
    return Plan(
        mine=lambda: Call("POST", f"/water/warnings/{fresh_warning(w)}/acknowledge", {"note": "Đã báo nhà máy nước."})
    )


@scenario("POST /water/warnings/{warning_id}/bulletin")
def bulletin(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", f"/water/warnings/{fresh_warning(w)}/bulletin"))
