"""Scenarios of the system, communes and identity routes: health, the API document, a commune's profile, sign-in,
the caller's own account, staff accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.contracts import Role
from tests.support.access.model import Answer, Call, Plan, same, scenario
from tests.support.access.world import COMMUNE
from tests.support.identities import DEMO_PASSWORD, next_phone
from tests.support.sms import latest_code

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.support.access.world import World


@scenario("GET /health")
def health(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/health"))


@scenario("GET /openapi.json")
def openapi(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/openapi.json"))


@scenario("GET /communes/{commune_id}")
def commune(w: World, role: Role | None) -> Plan:
    return same(Call("GET", f"/communes/{COMMUNE}"))


# ---------------------------------------------------------------- sign-in (public)


@scenario("POST /auth/otp")
def otp(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", "/auth/otp", {"commune_id": COMMUNE, "phone": next_phone()}, w.viewer()))


@scenario("POST /auth/otp/verify")
def otp_verify(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        phone, viewer = next_phone(), w.viewer()
        w.ok("ask for a code", Call("POST", "/auth/otp", {"commune_id": COMMUNE, "phone": phone}, viewer), None)
        body = {"commune_id": COMMUNE, "phone": phone, "code": latest_code(w.settings, phone)}
        return Call("POST", "/auth/otp/verify", body, viewer)

    return Plan(mine=build)


@scenario("POST /auth/staff/login")
def staff_login(w: World, role: Role | None) -> Plan:
    body = {"username": f"{Role.OFFICE.value}-{COMMUNE}", "password": DEMO_PASSWORD}
    return Plan(mine=lambda: Call("POST", "/auth/staff/login", body, w.viewer()))


# ---------------------------------------------------------------- the caller's own account


def _is_caller(w: World, role: Role | None) -> Callable[[Answer], str | None]:
    def check(answer: Answer) -> str | None:
        shown = (answer.json() or {}).get("id")
        expected = w.subjects.get(role) if role is not None else None
        return None if shown == expected else f"shows account {shown}, not the caller's own {expected}"

    return check


@scenario("POST /auth/logout")
def logout(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        assert role is not None
        token = w.session(role)

        def ended(answer: Answer) -> str | None:
            status = w.send(Call("GET", "/me"), token).status
            return None if status == 401 else f"the session still answers {status} after logging out"

        return Call("POST", "/auth/logout", check=ended, token=token)

    return Plan(mine=build)


@scenario("GET /me")
def me(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", "/me", check=_is_caller(w, role)))


@scenario("PUT /me/profile")
def my_profile(w: World, role: Role | None) -> Plan:
    body = {"full_name": "Công Dân Thử Nghiệm", "hamlet_id": "xom-1", "address": "Xóm 1, Xã Giao Phong"}
    return Plan(mine=lambda: Call("PUT", "/me/profile", body, check=_is_caller(w, role)))


# ---------------------------------------------------------------- staff accounts (admin)


@scenario("POST /staff")
def add_staff(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        body = {
            "username": f"kiem-tra-{w.serial()}",
            "display_name": "Cán bộ kiểm tra",
            "roles": [Role.OFFICE.value],
            "password": DEMO_PASSWORD,
        }
        return Call("POST", "/staff", body)

    return Plan(mine=build)


@scenario("GET /staff")
def list_staff(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/staff"))


# ---------------------------------------------------------------- managing staff accounts (admin)

STAFF_REASON = {"reason": "Kiểm tra quyền truy cập"}


def _new_staff(w: World) -> str:
    """A fresh office account of the commune, made by its administrator (a lock or a role change is used up)."""
    body = {
        "username": f"quan-ly-{w.serial()}",
        "display_name": "Cán bộ được quản lý",
        "roles": [Role.OFFICE.value],
        "password": DEMO_PASSWORD,
    }
    return str(w.ok("add a staff account", Call("POST", "/staff", body), Role.ADMIN)["id"])


@scenario("POST /staff/{staff_id}/lock")
def lock_staff(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", f"/staff/{_new_staff(w)}/lock", STAFF_REASON))


@scenario("POST /staff/{staff_id}/unlock")
def unlock_staff(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        staff_id = _new_staff(w)
        w.ok("lock the staff account", Call("POST", f"/staff/{staff_id}/lock", STAFF_REASON), Role.ADMIN)
        return Call("POST", f"/staff/{staff_id}/unlock", STAFF_REASON)

    return Plan(mine=build)


@scenario("PUT /staff/{staff_id}/roles")
def staff_roles(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("PUT", f"/staff/{_new_staff(w)}/roles", {"roles": [Role.HEALTH.value]}))


@scenario("POST /staff/{staff_id}/sign-out")
def sign_out_staff(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", f"/staff/{_new_staff(w)}/sign-out", STAFF_REASON))
