"""Scenarios of the devices routes: the demo loudspeakers the world seeds (``seed_devices``), and the public count of
a commune's speakers online."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.support.access.model import Call, Plan, same, scenario
from tests.support.access.world import COMMUNE

if TYPE_CHECKING:
    from smartcommune.core.contracts import Role
    from tests.support.access.world import World

SPEAKER = "gp-spk-01a"


@scenario("GET /devices/speakers")
def speakers(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/devices/speakers"))


@scenario("GET /devices/speakers/{thing}")
def speaker(w: World, role: Role | None) -> Plan:
    return same(Call("GET", f"/devices/speakers/{SPEAKER}"))


@scenario("PUT /devices/speakers/{thing}/settings")
def speaker_settings(w: World, role: Role | None) -> Plan:
    return same(Call("PUT", f"/devices/speakers/{SPEAKER}/settings", {"volume": 70}))


@scenario("GET /devices/speakers/{thing}/stats")
def speaker_stats(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", f"/devices/speakers/{SPEAKER}/stats?month={w.clock():%Y-%m}"))


@scenario("GET /communes/{commune_id}/speakers/summary")
def speaker_summary(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", f"/communes/{COMMUNE}/speakers/summary"))
