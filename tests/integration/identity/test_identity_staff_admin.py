"""An administrator locks, unlocks, re-roles and signs out staff accounts of their commune (review issue 8, point 13).

Through the HTTP API on moto: each change is audited in the same transaction, and reaches live sessions at once.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from smartcommune.audit.wiring import audit_repository
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError
from smartcommune.core.table import MainTable
from smartcommune.identity.wiring import identity_service
from tests.support.identities import DEMO_PASSWORD, ensure_demo_communes, staff_token

REASON = {"reason": "Cán bộ chuyển công tác"}


def call(api, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = api.http.request(method, path, headers=headers, body=json.dumps(body) if body is not None else None)
    return response.status_code, (json.loads(response.body) if response.body else None)


def sign_in(api, username: str) -> str:
    status, body = call(api, "POST", "/auth/staff/login", {"username": username, "password": DEMO_PASSWORD})
    assert status == 200, body
    return str(body["token"])


@pytest.fixture
def clerk(services):
    ensure_demo_communes(services)
    return services.get(identity_service).create_staff_account(
        "giao-phong", "vanphong.lan", "Trần Thị Lan", [Role.OFFICE], DEMO_PASSWORD
    )


@pytest.fixture
def admin(services, clerk):
    return staff_token(services, Role.ADMIN)


def _entries(services, action: str) -> list[Any]:
    return [e for e in services.get(audit_repository).all_entries("giao-phong") if e.action == action]


def _stored_sessions(commune_id: str, staff_id: str) -> list[Any]:
    """What the per-account session index holds for an account."""
    return list(MainTable.gsi1.query(f"C#{commune_id}#STAFF#{staff_id}#SESSIONS"))


def test_locking_a_staff_account_ends_its_sessions_at_once_and_is_audited(api, services, clerk, admin):
    # Given the clerk signed in on two devices
    phone, desk = sign_in(api, "vanphong.lan"), sign_in(api, "vanphong.lan")
    assert len(_stored_sessions("giao-phong", clerk.id)) == 2
    # When the administrator locks the account
    status, body = call(api, "POST", f"/staff/{clerk.id}/lock", REASON, admin)
    # Then it is locked, both sessions stop at once and are deleted, and the clerk cannot sign in
    assert status == 200 and body["status"] == "locked"
    for token in (phone, desk):
        assert call(api, "GET", "/me", token=token)[0] == 401
    assert _stored_sessions("giao-phong", clerk.id) == []
    assert call(api, "POST", "/auth/staff/login", {"username": "vanphong.lan", "password": DEMO_PASSWORD})[0] == 401
    # And the audit trail says who did it and why
    (entry,) = _entries(services, "staff.lock")
    assert entry.target == f"staff/{clerk.id}" and entry.actor_role == Role.ADMIN
    assert entry.before == {"username": "vanphong.lan", "status": "active"}
    assert entry.after == {"username": "vanphong.lan", "status": "locked", "reason": REASON["reason"]}
    # And locking it again is refused
    assert call(api, "POST", f"/staff/{clerk.id}/lock", REASON, admin)[0] == 409


def test_unlocking_lets_the_clerk_sign_in_again_but_old_sessions_stay_ended(api, services, clerk, admin, clock):
    old = sign_in(api, "vanphong.lan")
    call(api, "POST", f"/staff/{clerk.id}/lock", REASON, admin)
    clock.advance(seconds=1)
    # When the administrator unlocks the account
    status, body = call(api, "POST", f"/staff/{clerk.id}/unlock", {"reason": "Quay lại làm việc"}, admin)
    # Then the clerk signs in again, and the session from before the lock does not come back
    assert status == 200 and body["status"] == "active"
    assert call(api, "GET", "/me", token=old)[0] == 401
    assert call(api, "GET", "/me", token=sign_in(api, "vanphong.lan"))[0] == 200
    assert len(_entries(services, "staff.unlock")) == 1


def test_new_roles_apply_to_the_live_session_from_its_next_request(api, services, clerk, admin):
    token = sign_in(api, "vanphong.lan")
    # When the administrator gives the clerk the health role instead of office
    status, body = call(api, "PUT", f"/staff/{clerk.id}/roles", {"roles": ["health", "culture"]}, admin)
    # Then the account and the live session carry the new roles at once
    assert status == 200 and body["roles"] == ["health", "culture"]
    status, me = call(api, "GET", "/me", token=token)
    assert status == 200 and me["roles"] == ["health", "culture"]
    (entry,) = _entries(services, "staff.roles")
    assert entry.before["roles"] == ["office"] and entry.after["roles"] == ["health", "culture"]


def test_signing_a_staff_account_out_everywhere(api, services, clerk, admin, clock):
    tokens = [sign_in(api, "vanphong.lan") for _ in range(3)]
    # When the administrator signs the clerk out everywhere (a lost phone)
    status, _ = call(api, "POST", f"/staff/{clerk.id}/sign-out", {"reason": "Mất điện thoại"}, admin)
    # Then every session of the clerk ends, and the administrator's own goes on
    assert status == 204
    assert [call(api, "GET", "/me", token=t)[0] for t in tokens] == [401, 401, 401]
    assert _stored_sessions("giao-phong", clerk.id) == []
    assert call(api, "GET", "/me", token=admin)[0] == 200
    # And the account itself is untouched: the clerk signs in again
    clock.advance(seconds=1)
    assert call(api, "GET", "/me", token=sign_in(api, "vanphong.lan"))[0] == 200
    assert len(_entries(services, "staff.sign_out")) == 1


def test_an_administrator_cannot_lock_themselves_out(api, services, admin):
    status, me = call(api, "GET", "/me", token=admin)
    assert status == 200
    # When the only administrator tries to lock their own account or to drop their own admin role
    locked = call(api, "POST", f"/staff/{me['id']}/lock", REASON, admin)
    demoted = call(api, "PUT", f"/staff/{me['id']}/roles", {"roles": ["office"]}, admin)
    # Then both are refused, nothing is audited, and they still administer the commune
    assert locked[0] == demoted[0] == 409
    assert "chính mình" in locked[1]["error"]["message"] and "quyền quản trị" in demoted[1]["error"]["message"]
    assert _entries(services, "staff.lock") == _entries(services, "staff.roles") == []
    assert call(api, "GET", "/staff", token=admin)[0] == 200


def test_two_administrators_removing_each_other_at_once_leave_the_commune_one(api, services, admin):
    # Given two administrators, each authenticated (as at the start of their request)
    deputy_token = staff_token(services, Role.ADMIN, username="pho-chu-tich")
    identity = services.get(identity_service)
    chairman, deputy = identity.authenticate(admin), identity.authenticate(deputy_token)
    # When the deputy removes the chairman's admin role, and the chairman's request, already past its
    # sign-in check, removes the deputy's
    assert call(api, "PUT", f"/staff/{chairman.subject_id}/roles", {"roles": ["office"]}, deputy_token)[0] == 200
    with pytest.raises(ConflictError):
        identity.set_staff_roles(chairman, deputy.subject_id, [Role.OFFICE])
    # Then the deputy still is an administrator
    _, listed = call(api, "GET", "/staff", token=deputy_token)
    roles = {s["username"]: s["roles"] for s in listed["items"]}
    assert roles["pho-chu-tich"] == ["admin"] and roles["admin-giao-phong"] == ["office"]


def test_an_administrator_manages_only_their_own_commune(api, services, clerk):
    other_admin = staff_token(services, Role.ADMIN, "bach-long")
    for method, path, body in (
        ("POST", f"/staff/{clerk.id}/lock", REASON),
        ("POST", f"/staff/{clerk.id}/unlock", REASON),
        ("PUT", f"/staff/{clerk.id}/roles", {"roles": ["admin"]}),
        ("POST", f"/staff/{clerk.id}/sign-out", REASON),
    ):
        assert call(api, method, path, body, other_admin)[0] == 404, path


def test_a_bad_roles_change_is_refused_with_details(api, clerk, admin):
    status, body = call(api, "PUT", f"/staff/{clerk.id}/roles", {"roles": ["citizen"]}, admin)
    assert status == 422 and body["error"]["details"]
    assert call(api, "PUT", f"/staff/{clerk.id}/roles", {"roles": []}, admin)[0] == 422
