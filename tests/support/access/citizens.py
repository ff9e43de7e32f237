"""Scenarios of the citizens and audit routes: staff read and manage citizen accounts, admins read the trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.contracts import Role
from tests.support.access.model import Call, Plan, same, scenario
from tests.support.identities import citizen_token, next_phone

if TYPE_CHECKING:
    from tests.support.access.world import World

REASON = {"reason": "Kiểm tra quyền truy cập"}


def _new_citizen(w: World) -> str:
    return citizen_token(w.services)[1]


@scenario("GET /citizens")
def list_citizens(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/citizens?limit=5"))


@scenario("GET /citizens/{citizen_id}")
def get_citizen(w: World, role: Role | None) -> Plan:
    return same(Call("GET", f"/citizens/{w.citizen_id}"))


@scenario("POST /citizens")
def register_citizen(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        body = {"full_name": "Nguyễn Văn Kiểm", "phone": next_phone(), "hamlet_id": "xom-2", "address": "Xóm 2"}
        return Call("POST", "/citizens", body)

    return Plan(mine=build)


@scenario("POST /citizens/{citizen_id}/lock")
def lock_citizen(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", f"/citizens/{_new_citizen(w)}/lock", REASON))


@scenario("POST /citizens/{citizen_id}/unlock")
def unlock_citizen(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        citizen_id = _new_citizen(w)
        w.ok("lock the citizen", Call("POST", f"/citizens/{citizen_id}/lock", REASON), Role.ADMIN)
        return Call("POST", f"/citizens/{citizen_id}/unlock", REASON)

    return Plan(mine=build)


def _claimed_cccd(w: World) -> tuple[str, str]:
    """A new citizen who gave a CCCD on their profile (waiting for staff): ``(citizen id, the number)``."""
    token, citizen_id = citizen_token(w.services)
    cccd = f"036090{w.serial():06d}"
    profile = {"full_name": "Nguyễn Văn Kiểm", "hamlet_id": "xom-2", "address": "Xóm 2", "cccd": cccd}
    w.ok("give a CCCD on the profile", Call("PUT", "/me/profile", profile, headers=w.viewer()), token)
    return citizen_id, cccd


@scenario("POST /citizens/{citizen_id}/cccd/verify")
def verify_cccd(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        citizen_id, cccd = _claimed_cccd(w)
        return Call("POST", f"/citizens/{citizen_id}/cccd/verify", {"cccd": cccd})

    return Plan(mine=build)


@scenario("POST /citizens/{citizen_id}/cccd/reject")
def reject_cccd(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", f"/citizens/{_claimed_cccd(w)[0]}/cccd/reject", REASON))


@scenario("GET /audit")
def audit(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/audit?limit=5"))


@scenario("GET /audit/verify")
def audit_verify(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/audit/verify"))
