"""Scenarios of the operations dashboard: the staff payload of the caller's commune (leadership and the office) and
the hall screen's public projection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.support.access.model import Call, Plan, same, scenario

if TYPE_CHECKING:
    from smartcommune.core.contracts import Role
    from tests.support.access.world import World


@scenario("GET /dashboard")
def staff_dashboard(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/dashboard"))


@scenario("GET /communes/{commune_id}/dashboard")
def public_dashboard(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/communes/giao-phong/dashboard"))


@scenario("GET /dashboard/criteria/{code}/history")
def criterion_history(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/dashboard/criteria/1.2/history?months=3"))


@scenario("GET /communes/{commune_id}/dashboard/criteria/{code}/history")
def public_criterion_history(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/communes/giao-phong/dashboard/criteria/1.2/history?months=3"))
