"""Scenarios of the administrative-unit register: public reads, the same for every caller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.support.access.model import Call, Plan, same, scenario

if TYPE_CHECKING:
    from smartcommune.core.contracts import Role
    from tests.support.access.world import World


@scenario("GET /units")
def tree(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/units?on=2025-06-30"))


@scenario("GET /units/search")
def search(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/units/search?q=giao"))


@scenario("GET /units/{ref}")
def unit(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/units/14212"))
