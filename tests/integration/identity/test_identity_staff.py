"""Staff sign in with a password; repeated failures lock the account for a while; admins manage staff accounts."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from smartcommune.audit.wiring import audit_repository
from smartcommune.core.contracts import Role
from smartcommune.core.errors import RateLimitedError, UnauthenticatedError
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


# ---------------------------------------------------------------- guessing passwords (review issue 8, point 6)


def test_a_burst_of_guesses_sent_at_once_gets_no_more_tries_than_one_at_a_time(services, officer, settings):
    # Given 24 wrong passwords sent for one account at the same moment, from many addresses
    identity = services.get(identity_service)
    start = threading.Barrier(24)

    def guess(n: int) -> str:
        start.wait()
        try:
            identity.staff_login("vanphong.lan", f"doan-mo-{n}", f"203.0.113.{n}")
        except UnauthenticatedError:
            return "wrong password"
        except RateLimitedError:
            return "locked out"
        return "signed in"

    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(pool.map(guess, range(24)))
    # Then at most as many passwords were checked as one-at-a-time guessing allows before the lock-out
    checked_and_wrong = answers.count("wrong password")
    assert checked_and_wrong <= settings.staff_max_failed_logins - 1, answers
    assert answers.count("locked out") >= 24 - settings.staff_max_failed_logins
    # And the account is locked out: even the right password waits
    with pytest.raises(RateLimitedError):
        identity.staff_login("vanphong.lan", DEMO_PASSWORD, "198.51.100.1")


def test_a_locked_staff_account_answers_the_right_password_like_a_wrong_one(api, services, officer):
    # Given the officer's account locked by the commune's administrator
    admin = staff_token(services, Role.ADMIN)
    status, _, _ = call(api, "POST", f"/staff/{officer.id}/lock", {"reason": "Tạm nghỉ"}, admin)
    assert status == 200
    # When someone signs in with the right password, and with a wrong one
    right = call(api, "POST", "/auth/staff/login", {"username": "vanphong.lan", "password": DEMO_PASSWORD})
    wrong = call(api, "POST", "/auth/staff/login", {"username": "vanphong.lan", "password": "sai-mat-khau"})
    # Then the answers are the same: nothing says the password was right
    assert right[0] == wrong[0] == 401 and right[1] == wrong[1]


def test_an_old_password_hash_is_replaced_on_sign_in_by_one_at_todays_cost(services, settings, clock):
    # Given a deployment whose cost (here N=2^15) is above that of an account stored before (N=2^14)
    from smartcommune.core.services import Services
    from smartcommune.identity.contracts import StaffAccount
    from smartcommune.identity.logic.passwords import LEGACY_COST, hash_password
    from smartcommune.identity.logic.ports import StaffRecord
    from smartcommune.identity.storage import StaffRepository

    ensure_demo_communes(services)
    deployment = Services(settings.model_copy(update={"staff_password_scrypt_n": 2**15}), clock=clock)
    identity = deployment.get(identity_service)
    account = StaffAccount(
        id="tu-truoc",
        username="can.bo.cu",
        display_name="Cán bộ cũ",
        roles=[Role.OFFICE],
        commune_id="giao-phong",
        created_at=clock(),
    )
    repository = StaffRepository(services.get(audit_repository))
    repository.create(StaffRecord(account=account, password_hash=hash_password(DEMO_PASSWORD, cost=LEGACY_COST)))
    # When its owner signs in
    identity.staff_login("can.bo.cu", DEMO_PASSWORD, "198.51.100.1")
    # Then the stored hash is now one at today's cost
    stored = repository.get("giao-phong", "tu-truoc")
    assert stored is not None and stored.password_hash.startswith(f"scrypt${2**15}$8$1$")
    # And it signs them in again
    assert identity.staff_login("can.bo.cu", DEMO_PASSWORD, "198.51.100.1").principal.subject_id == "tu-truoc"
