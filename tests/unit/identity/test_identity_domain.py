"""Sign-in rules of the pure identity service, on in-memory stores."""

from __future__ import annotations

import pytest

from smartcommune.core.contracts import Role
from smartcommune.core.errors import ForbiddenError, NotFoundError, RateLimitedError, UnauthenticatedError
from smartcommune.identity.logic.passwords import ScryptCost, hash_password, verify_password
from smartcommune.identity.logic.policy import IdentityPolicy
from smartcommune.identity.logic.tokens import token_hash
from tests.unit.identity.world import IP, PHONE, POLICY, World


@pytest.fixture
def world() -> World:
    return World()


def test_the_sms_is_vietnamese_and_the_code_is_stored_only_hashed(world):
    world.request()
    phone, text, purpose = world.sms.sent[0]
    code = world.sms.last_code()
    assert phone == PHONE and purpose == "otp"
    assert text == f"Mã đăng nhập Công dân số Giao Phong: {code}. Hiệu lực 5 phút. Không chia sẻ mã này."
    (challenge,) = world.otps.challenges.values()
    assert code not in challenge.code_hash and PHONE not in challenge.phone_key
    assert "0912345678" not in repr(world.otps.challenges)


def test_first_sign_in_creates_an_incomplete_account_and_a_session(world):
    token = world.sign_in()
    principal = world.service.authenticate(token)
    assert principal.kind == "citizen" and principal.roles == frozenset({Role.CITIZEN})
    (citizen,) = world.citizens.items.values()
    assert citizen.phone == PHONE and not citizen.profile_complete
    assert principal.subject_id == citizen.id
    assert principal.display_name == "091****678"
    assert list(world.sessions.sessions) == [token_hash(token)]  # only the hash is kept


def test_an_expired_code_is_refused(world):
    world.request()
    world.clock.advance(seconds=POLICY.otp_ttl_s)
    with pytest.raises(UnauthenticatedError, match="expired") as info:
        world.service.verify_otp("giao-phong", PHONE, world.sms.last_code(), IP)
    assert "hết hạn" in info.value.message


def test_wrong_codes_count_down_then_burn_the_code(world):
    world.request()
    code = world.sms.last_code()
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _ in range(POLICY.otp_max_attempts):
        with pytest.raises(UnauthenticatedError) as info:
            world.service.verify_otp("giao-phong", PHONE, wrong, IP)
        messages.append(info.value.message)
    assert "còn 4 lần thử" in messages[0] and "còn 1 lần thử" in messages[3]
    assert "đã bị hủy" in messages[4]
    with pytest.raises(UnauthenticatedError):
        world.service.verify_otp("giao-phong", PHONE, code, IP)


def test_a_code_is_used_once(world):
    world.request()
    code = world.sms.last_code()
    world.service.verify_otp("giao-phong", PHONE, code, IP)
    with pytest.raises(UnauthenticatedError):
        world.service.verify_otp("giao-phong", PHONE, code, IP)


def test_resend_waits_and_hourly_limits_per_phone_and_per_client(world):
    world.request()
    with pytest.raises(RateLimitedError) as info:
        world.request()
    assert info.value.retry_after_s == POLICY.otp_resend_after_s
    world.clock.advance(seconds=30)
    with pytest.raises(RateLimitedError) as info:
        world.request()
    assert info.value.retry_after_s == 30
    for _ in range(POLICY.otp_max_sends_per_phone_per_hour - 1):
        world.clock.advance(seconds=POLICY.otp_resend_after_s)
        world.request()
    world.clock.advance(seconds=POLICY.otp_resend_after_s)
    with pytest.raises(RateLimitedError, match="Too many"):
        world.request()
    # Another phone from the same client still may, until the client's own limit
    other = World(IdentityPolicy(otp_max_sends_per_client_per_hour=3))
    for n in range(3):
        other.request(phone=f"+8491234560{n}")
    with pytest.raises(RateLimitedError) as info:
        other.request(phone="+84912345609")
    assert 0 < info.value.retry_after_s <= 3600
    other.request(phone="+84912345609", ip="10.0.0.2")


def test_the_hourly_window_resets(world):
    for _ in range(POLICY.otp_max_sends_per_phone_per_hour):
        world.request()
        world.clock.advance(seconds=POLICY.otp_resend_after_s)
    with pytest.raises(RateLimitedError) as info:
        world.request()
    world.clock.advance(seconds=info.value.retry_after_s)
    world.request()


def test_unknown_commune_is_not_found(world):
    with pytest.raises(NotFoundError):
        world.request(commune="khong-co")


def test_locking_a_citizen_stops_sessions_and_sign_in(world):
    token = world.sign_in()
    (citizen,) = world.citizens.items.values()
    locked = citizen.model_copy(update={"status": "locked", "sessions_valid_after": world.clock()})
    world.citizens.update(citizen, locked)
    with pytest.raises(UnauthenticatedError, match="locked"):
        world.service.authenticate(token)
    world.clock.advance(seconds=POLICY.otp_resend_after_s)
    world.request()
    with pytest.raises(ForbiddenError) as info:
        world.service.verify_otp("giao-phong", PHONE, world.sms.last_code(), IP)
    assert "Xã Giao Phong" in info.value.message


def test_sessions_expire_and_logout_deletes_them(world):
    token = world.sign_in()
    principal = world.service.authenticate(token)
    world.service.logout(principal)
    with pytest.raises(UnauthenticatedError):
        world.service.authenticate(token)
    token = world.sign_in("+84987654321")
    world.clock.advance(seconds=POLICY.citizen_session_ttl_s)
    with pytest.raises(UnauthenticatedError):
        world.service.authenticate(token)
    with pytest.raises(UnauthenticatedError):
        world.service.authenticate("made-up-token")


def test_a_token_whose_prefix_names_another_account_is_refused(world):
    # Given two citizens with sessions
    token_a = world.sign_in()
    token_b = world.sign_in("+84987654321")
    a = world.service.authenticate(token_a)
    b = world.service.authenticate(token_b)
    # When someone swaps the account named in A's token for B's (the prefix is readable, not secret)
    kind, commune, _, secret = token_a.split(".", 3)
    forged = f"{kind}.{commune}.{b.subject_id}.{secret}"
    # Then the session is not found: only the hash of the whole genuine token finds it
    with pytest.raises(UnauthenticatedError):
        world.service.authenticate(forged)
    assert a.subject_id != b.subject_id


def test_staff_lockout_after_repeated_failures(world):
    world.service.create_staff_account("giao-phong", "canbo.a", "Cán bộ A", [Role.OFFICE], "mat-khau-dung-123")
    with pytest.raises(UnauthenticatedError) as unknown:
        world.service.staff_login("khong-ai", "x", IP)
    for _ in range(POLICY.staff_max_failed_logins - 1):
        with pytest.raises(UnauthenticatedError) as wrong:
            world.service.staff_login("canbo.a", "sai", IP)
        assert wrong.value.message == unknown.value.message
    with pytest.raises(RateLimitedError) as info:
        world.service.staff_login("canbo.a", "sai", IP)
    assert info.value.retry_after_s == POLICY.staff_lockout_s
    with pytest.raises(RateLimitedError):
        world.service.staff_login("canbo.a", "mat-khau-dung-123", IP)
    world.clock.advance(seconds=POLICY.staff_lockout_s)
    session = world.service.staff_login("Canbo.A ", "mat-khau-dung-123", IP)
    assert world.service.authenticate(session.token).roles == frozenset({Role.OFFICE})
    world.clock.advance(seconds=POLICY.staff_session_ttl_s)
    with pytest.raises(UnauthenticatedError):
        world.service.authenticate(session.token)


def test_staff_accounts_are_idempotent_for_the_seeder_and_audited(world):
    first = world.service.create_staff_account("giao-phong", "canbo.b", "Cán bộ B", [Role.HEALTH], "mat-khau-dung-123")
    again = world.service.create_staff_account("giao-phong", "canbo.b", "Khác", [Role.ADMIN], "mat-khau-khac-456")
    assert again == first
    ((commune, record),) = world.staff.audit.records
    assert commune == "giao-phong" and record.action == "staff.create" and record.actor_id == "system"
    assert "mat-khau" not in record.model_dump_json()


def test_passwords_are_scrypt_hashed_with_salt():
    cost = ScryptCost(n=2**10)
    one, two = hash_password("bí mật", cost=cost), hash_password("bí mật", cost=cost)
    assert one != two and one.startswith("scrypt$1024$8$1$")
    assert verify_password("bí mật", one) and not verify_password("bi mat", one)
    assert not verify_password("x", "garbage")
