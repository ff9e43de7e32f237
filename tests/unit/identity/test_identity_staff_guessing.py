"""Guessing staff passwords (review issue 8, point 6): what a guesser learns and how many guesses they get."""

from __future__ import annotations

import pytest

from smartcommune.core.contracts import Role
from smartcommune.core.errors import RateLimitedError, UnauthenticatedError
from smartcommune.identity.logic import staff as staff_module
from smartcommune.identity.logic.policy import IdentityPolicy
from tests.unit.identity.world import IP, POLICY, World

PASSWORD = "mat-khau-dung-123"


@pytest.fixture
def world() -> World:
    world = World()
    world.service.create_staff_account("giao-phong", "canbo.a", "Cán bộ A", [Role.OFFICE], PASSWORD)
    return world


def _answer(world: World, username: str, password: str, ip: str = IP) -> tuple[str, str]:
    try:
        world.service.staff_login(username, password, ip)
    except (UnauthenticatedError, RateLimitedError) as exc:
        return type(exc).__name__, exc.message
    return "signed in", ""


def _lock_by_admin(world: World, username: str) -> None:
    from dataclasses import replace

    record = world.staff.by_username(username)
    assert record is not None
    locked = record.account.model_copy(update={"status": "locked"})
    world.staff.records[record.account.id] = replace(record, account=locked)


def test_a_locked_account_answers_the_right_password_as_it_answers_a_wrong_one(world):
    # Given an account an administrator locked
    _lock_by_admin(world, "canbo.a")
    # When a guesser tries the right password and a wrong one
    right = _answer(world, "canbo.a", PASSWORD)
    wrong = _answer(world, "canbo.a", "sai-mat-khau")
    # Then both get the same "username or password is incorrect": the answer tells no one the password was right
    assert right == wrong == ("UnauthenticatedError", "Tên đăng nhập hoặc mật khẩu không đúng.")


def test_every_refusal_costs_one_password_hash_at_todays_cost(world, monkeypatch):
    # Given a count of the password hashes each sign-in computes
    hashed: list[str] = []
    real = staff_module.verify_password

    def counting(password: str, stored: str) -> bool:
        hashed.append(stored.split("$")[1])
        return real(password, stored)

    monkeypatch.setattr(staff_module, "verify_password", counting)
    cost = str(POLICY.password_cost.n)

    def hashes_for(username: str, password: str) -> list[str]:
        hashed.clear()
        _answer(world, username, password)
        return list(hashed)

    # When an unknown user, a wrong password, a locked-out account and an administrator-locked account are tried
    unknown = hashes_for("khong-ai", PASSWORD)
    wrong = hashes_for("canbo.a", "sai")
    for _ in range(POLICY.staff_max_failed_logins):
        _answer(world, "canbo.a", "sai")
    locked_out = hashes_for("canbo.a", PASSWORD)
    world.clock.advance(seconds=POLICY.staff_lockout_s)
    _lock_by_admin(world, "canbo.a")
    admin_locked = hashes_for("canbo.a", PASSWORD)
    # Then each answer took exactly one hash at today's cost: timing cannot tell them apart
    assert unknown == wrong == locked_out == admin_locked == [cost]


def test_an_unknown_username_locks_out_like_a_real_one(world):
    # Given failures in a row on a real username and on one nobody has
    real = [_answer(world, "canbo.a", "sai")[0] for _ in range(POLICY.staff_max_failed_logins)]
    made_up = [_answer(world, "khong-co-ai", "sai")[0] for _ in range(POLICY.staff_max_failed_logins)]
    # Then both end in the same lock-out, so a lock-out does not reveal that an account exists
    assert real == made_up == ["UnauthenticatedError"] * (POLICY.staff_max_failed_logins - 1) + ["RateLimitedError"]


def test_failed_passwords_from_one_address_are_throttled_across_usernames():
    # Given a password sprayer at one address, trying one password on many usernames (no account reaches a lock-out)
    world = World(IdentityPolicy(staff_password_scrypt_n=2**10, staff_login_max_failures_per_client=6))
    world.service.create_staff_account("giao-phong", "canbo.a", "Cán bộ A", [Role.OFFICE], PASSWORD)
    for n in range(6):
        assert _answer(world, f"canbo.{n}", "123456789", ip="203.0.113.9")[0] == "UnauthenticatedError"
    # When it tries once more, even with a right password
    kind, message = _answer(world, "canbo.a", PASSWORD, ip="203.0.113.9")
    # Then it is refused for a while, naming its network
    assert kind == "RateLimitedError" and "mạng của bạn" in message
    # And a staff member at another address signs in as usual
    assert _answer(world, "canbo.a", PASSWORD, ip="198.51.100.7") == ("signed in", "")


def test_failed_passwords_across_the_platform_are_throttled_and_successes_do_not_count():
    # Given a deployment that allows 5 failed staff passwords per window in all
    world = World(IdentityPolicy(staff_password_scrypt_n=2**10, staff_login_max_failures_global=5))
    world.service.create_staff_account("giao-phong", "canbo.a", "Cán bộ A", [Role.OFFICE], PASSWORD)
    # And many successful sign-ins, which use none of it
    for n in range(10):
        assert _answer(world, "canbo.a", PASSWORD, ip=f"198.51.100.{n}")[0] == "signed in"
    # When a spread-out sprayer fails 5 times from 5 addresses
    for n in range(5):
        assert _answer(world, f"canbo.{n}", "123456789", ip=f"203.0.113.{n}")[0] == "UnauthenticatedError"
    # Then the next staff sign-in anywhere waits until the window ends
    with pytest.raises(RateLimitedError) as info:
        world.service.staff_login("canbo.a", PASSWORD, "192.0.2.1")
    assert "trên hệ thống" in info.value.message
    assert 0 < info.value.retry_after_s <= POLICY.staff_login_global_window_s
    world.clock.advance(seconds=POLICY.staff_login_global_window_s)
    assert _answer(world, "canbo.a", PASSWORD, ip="192.0.2.1")[0] == "signed in"


def test_a_success_clears_the_failures_in_a_row(world):
    # Given a staff member who mistyped just short of the lock-out, then signed in
    for _ in range(POLICY.staff_max_failed_logins - 1):
        _answer(world, "canbo.a", "sai")
    assert _answer(world, "canbo.a", PASSWORD)[0] == "signed in"
    # When they mistype again
    again = [_answer(world, "canbo.a", "sai")[0] for _ in range(POLICY.staff_max_failed_logins - 1)]
    # Then they have every try again
    assert again == ["UnauthenticatedError"] * (POLICY.staff_max_failed_logins - 1)
