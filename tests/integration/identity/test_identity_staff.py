"""Staff sign in with a password; repeated failures lock the account for a while; admins manage staff accounts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from smartcommune.audit.wiring import audit_repository
from smartcommune.core.contracts import Role
from smartcommune.identity.wiring import identity_service
from tests.support.identities import DEMO_PASSWORD, ensure_demo_communes, staff_token

if TYPE_CHECKING:
    from smartcommune.audit.storage.journal import AuditRepository


def call(api, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = api.http.request(method, path, headers=headers, body=json.dumps(body) if body is not None else None)
    return response.status_code, (json.loads(response.body) if response.body else None), response.headers


@pytest.fixture
def officer(services):
    ensure_demo_communes(services)
    return services.get(identity_service).create_staff_account(
        "giao-phong", "vanphong.lan", "Trần Thị Lan", [Role.OFFICE, Role.CULTURE], DEMO_PASSWORD
    )


def test_staff_sign_in_and_see_their_account(api, officer, settings):
    status, body, _ = call(api, "POST", "/auth/staff/login", {"username": "vanphong.lan", "password": DEMO_PASSWORD})
    assert status == 200, body
    assert body["principal"] == {
        "subject_id": officer.id,
        "kind": "staff",
        "roles": ["office", "culture"],
        "commune_id": "giao-phong",
        "display_name": "Trần Thị Lan",
    }
    status, me, _ = call(api, "GET", "/me", token=body["token"])
    assert status == 200
    assert me["kind"] == "staff" and me["username"] == "vanphong.lan" and me["roles"] == ["office", "culture"]


def test_wrong_user_and_wrong_password_get_the_same_answer(api, officer):
    _, unknown, _ = call(api, "POST", "/auth/staff/login", {"username": "khong-ai", "password": DEMO_PASSWORD})
    status, wrong, _ = call(api, "POST", "/auth/staff/login", {"username": "vanphong.lan", "password": "sai-mat-khau"})
    assert status == 401
    assert unknown == wrong
    assert wrong["error"]["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_repeated_failures_lock_the_account_for_a_while(api, officer, settings, clock):
    bad = {"username": "vanphong.lan", "password": "sai-mat-khau"}
    for _ in range(settings.staff_max_failed_logins - 1):
        assert call(api, "POST", "/auth/staff/login", bad)[0] == 401
    status, body, headers = call(api, "POST", "/auth/staff/login", bad)
    assert status == 429
    assert int(headers["Retry-After"]) == settings.staff_lockout_s
    assert "tạm khóa" in body["error"]["message"]
    # Even the right password is refused during the lockout
    good = {"username": "vanphong.lan", "password": DEMO_PASSWORD}
    status, _, headers = call(api, "POST", "/auth/staff/login", good)
    assert status == 429 and int(headers["Retry-After"]) <= settings.staff_lockout_s
    # After the lockout it works again
    clock.advance(seconds=settings.staff_lockout_s + 1)
    assert call(api, "POST", "/auth/staff/login", good)[0] == 200


def test_a_staff_session_expires(api, officer, settings, clock):
    _, body, _ = call(api, "POST", "/auth/staff/login", {"username": "vanphong.lan", "password": DEMO_PASSWORD})
    clock.advance(seconds=settings.staff_session_ttl_s + 1)
    assert call(api, "GET", "/me", token=body["token"])[0] == 401


def test_an_admin_creates_a_staff_account_in_their_own_commune_and_it_is_audited(api, services):
    admin = staff_token(services, Role.ADMIN, "bach-long")
    new = {
        "username": "congan.hung",
        "display_name": "Phạm Văn Hùng",
        "roles": ["police"],
        "password": "mot-mat-khau-dai",
    }
    status, body, _ = call(api, "POST", "/staff", new, admin)
    assert status == 201, body
    assert body["commune_id"] == "bach-long" and body["roles"] == ["police"] and "password" not in json.dumps(body)
    # The new account can sign in
    status, session, _ = call(
        api, "POST", "/auth/staff/login", {"username": "congan.hung", "password": "mot-mat-khau-dai"}
    )
    assert status == 200 and session["principal"]["commune_id"] == "bach-long"
    # The same username again is a conflict
    assert call(api, "POST", "/staff", new, admin)[0] == 409
    # It is listed for the admin of Bạch Long, not for Giao Phong's
    _, listed, _ = call(api, "GET", "/staff", token=admin)
    assert "congan.hung" in [s["username"] for s in listed["items"]]
    _, other, _ = call(api, "GET", "/staff", token=staff_token(services, Role.ADMIN, "giao-phong"))
    assert "congan.hung" not in [s["username"] for s in other["items"]]
    # And the audit trail of Bạch Long records who did it
    audit: AuditRepository = services.get(audit_repository)
    entry = next(
        e for e in audit.all_entries("bach-long") if e.action == "staff.create" and e.after["username"] == "congan.hung"
    )
    assert entry.actor_role == Role.ADMIN and entry.before is None


def test_a_bad_staff_account_is_refused_with_field_details_and_nothing_is_written(api, services):
    admin = staff_token(services, Role.ADMIN)
    bad = {"username": "A B", "display_name": "", "roles": ["citizen"], "password": "ngan"}
    status, body, _ = call(api, "POST", "/staff", bad, admin)
    assert status == 422
    fields = {d["field"] for d in body["error"]["details"]}
    assert {"username", "display_name", "password"} <= fields and any(f.startswith("roles") for f in fields)
    assert all(d["message"] for d in body["error"]["details"])
    _, listed, _ = call(api, "GET", "/staff", token=admin)
    assert [s["username"] for s in listed["items"]] == ["admin-giao-phong"]


def test_create_staff_account_is_idempotent_for_the_seeder(services, officer):
    again = services.get(identity_service).create_staff_account(
        "giao-phong", "vanphong.lan", "Tên khác", [Role.ADMIN], "mat-khau-khac-hoan-toan"
    )
    assert again == officer
