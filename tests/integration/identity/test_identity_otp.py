"""Citizens sign in with a code sent by SMS: request → queue → sms_sender → outbox → verify → session."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smartcommune.sms.storage import read_outbox
from tests.support.identities import ensure_demo_communes, staff_token
from tests.support.sms import deliver_queued_sms, latest_code

PHONE = "0912 345 678"
E164 = "+84912345678"


def call(api, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = api.http.request(method, path, headers=headers, body=json.dumps(body) if body is not None else None)
    return response.status_code, (json.loads(response.body) if response.body else None), response.headers


@pytest.fixture
def communes(services):
    ensure_demo_communes(services)


def sign_in(api, settings, phone: str = PHONE, commune_id: str = "giao-phong") -> dict:
    status, body, _ = call(api, "POST", "/auth/otp", {"commune_id": commune_id, "phone": phone})
    assert status == 202, body
    code = latest_code(settings, phone)
    status, body, _ = call(api, "POST", "/auth/otp/verify", {"commune_id": commune_id, "phone": phone, "code": code})
    assert status == 200, body
    return body


def test_a_citizen_signs_in_with_the_code_from_the_sms_and_gets_an_account(api, settings, communes):
    # Given a citizen asks for a code
    status, body, _ = call(api, "POST", "/auth/otp", {"commune_id": "giao-phong", "phone": PHONE})
    assert status == 202
    assert "091****678" in body["message"] and body["message_en"]
    assert body["expires_in_s"] == settings.otp_ttl_s
    assert body["resend_after_s"] == settings.otp_resend_after_s
    # When the SMS function delivers the queued message
    delivered = deliver_queued_sms(settings)
    # Then the outbox has a Vietnamese SMS with a 6-digit code, and nothing is left on the queue
    assert [m["phone"] for m in delivered] == [E164]
    (sms,) = read_outbox(settings.outbox_path)
    assert sms["text"].startswith("Mã đăng nhập Công dân số Giao Phong: ")
    assert "Hiệu lực 5 phút. Không chia sẻ mã này." in sms["text"]
    assert deliver_queued_sms(settings) == []
    # When they verify the code (written in the +84 form this time)
    code = latest_code(settings, PHONE)
    status, body, _ = call(api, "POST", "/auth/otp/verify", {"commune_id": "giao-phong", "phone": E164, "code": code})
    # Then they have a session, and a new account whose profile is still to be completed
    assert status == 200, body
    assert body["principal"]["kind"] == "citizen" and body["principal"]["roles"] == ["citizen"]
    assert body["principal"]["commune_id"] == "giao-phong"
    status, me, _ = call(api, "GET", "/me", token=body["token"])
    assert status == 200
    assert me["kind"] == "citizen" and me["id"] == body["principal"]["subject_id"]
    assert me["phone"] == E164 and me["phone_masked"] == "091****678"
    assert me["profile_complete"] is False and me["status"] == "active"


def test_signing_in_again_finds_the_same_account(api, settings, communes, clock):
    first = sign_in(api, settings)
    clock.advance(seconds=settings.otp_resend_after_s + 1)
    second = sign_in(api, settings)
    assert first["principal"]["subject_id"] == second["principal"]["subject_id"]
    assert first["token"] != second["token"]
    # and the page can tell a new account (welcome, profile) from a returning one (straight to their services)
    assert (first["account_created"], second["account_created"]) == (True, False)


def test_a_wrong_code_is_refused_and_after_the_last_try_the_code_is_burned(api, settings, communes):
    call(api, "POST", "/auth/otp", {"commune_id": "giao-phong", "phone": PHONE})
    code = latest_code(settings, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for left in range(settings.otp_max_attempts - 1, 0, -1):
        status, body, _ = call(
            api, "POST", "/auth/otp/verify", {"commune_id": "giao-phong", "phone": PHONE, "code": wrong}
        )
        assert status == 401
        assert f"còn {left} lần thử" in body["error"]["message"]
    status, body, _ = call(api, "POST", "/auth/otp/verify", {"commune_id": "giao-phong", "phone": PHONE, "code": wrong})
    assert status == 401 and "đã bị hủy" in body["error"]["message"]
    # Then even the right code no longer works
    status, body, _ = call(api, "POST", "/auth/otp/verify", {"commune_id": "giao-phong", "phone": PHONE, "code": code})
    assert status == 401 and "yêu cầu mã mới" in body["error"]["message"]


def test_an_expired_code_is_refused_with_a_clear_message(api, settings, communes, clock):
    call(api, "POST", "/auth/otp", {"commune_id": "giao-phong", "phone": PHONE})
    code = latest_code(settings, PHONE)
    clock.advance(seconds=settings.otp_ttl_s + 1)
    status, body, _ = call(api, "POST", "/auth/otp/verify", {"commune_id": "giao-phong", "phone": PHONE, "code": code})
    assert status == 401
    assert "đã hết hạn" in body["error"]["message"]


def test_a_code_works_only_once(api, settings, communes):
    call(api, "POST", "/auth/otp", {"commune_id": "giao-phong", "phone": PHONE})
    code = latest_code(settings, PHONE)
    payload = {"commune_id": "giao-phong", "phone": PHONE, "code": code}
    assert call(api, "POST", "/auth/otp/verify", payload)[0] == 200
    status, body, _ = call(api, "POST", "/auth/otp/verify", payload)
    assert status == 401 and body["error"]["message"]


def test_a_code_is_bound_to_its_commune(api, settings, communes):
    call(api, "POST", "/auth/otp", {"commune_id": "giao-phong", "phone": PHONE})
    code = latest_code(settings, PHONE)
    status, _, _ = call(api, "POST", "/auth/otp/verify", {"commune_id": "bach-long", "phone": PHONE, "code": code})
    assert status == 401


def test_an_early_resend_and_too_many_codes_are_refused_with_retry_after(api, settings, communes, clock):
    payload = {"commune_id": "giao-phong", "phone": PHONE}
    assert call(api, "POST", "/auth/otp", payload)[0] == 202
    # When asking again at once
    status, body, headers = call(api, "POST", "/auth/otp", payload)
    assert status == 429
    assert int(headers["Retry-After"]) == settings.otp_resend_after_s
    assert "đợi" in body["error"]["message"]
    # When asking as often as allowed within the hour
    for _ in range(settings.otp_max_sends_per_phone_per_hour - 1):
        clock.advance(seconds=settings.otp_resend_after_s)
        assert call(api, "POST", "/auth/otp", payload)[0] == 202
    clock.advance(seconds=settings.otp_resend_after_s)
    status, body, headers = call(api, "POST", "/auth/otp", payload)
    # Then the next one is refused until the hour's window ends
    assert status == 429
    assert 0 < int(headers["Retry-After"]) <= 3600
    assert "quá nhiều" in body["error"]["message"]
    assert len(deliver_queued_sms(settings)) == settings.otp_max_sends_per_phone_per_hour


def test_an_unknown_commune_is_404_and_bad_input_is_422_with_details(api, settings, communes):
    status, body, _ = call(api, "POST", "/auth/otp", {"commune_id": "khong-co", "phone": PHONE})
    assert status == 404 and body["error"]["message"]
    status, body, _ = call(api, "POST", "/auth/otp", {"commune_id": "giao-phong", "phone": "12345"})
    assert status == 422
    assert body["error"]["message"].startswith("Thông tin gửi lên chưa hợp lệ")
    assert [d["field"] for d in body["error"]["details"]] == ["phone"]
    assert "Số điện thoại" in body["error"]["details"][0]["message"]
    status, body, _ = call(api, "POST", "/auth/otp/verify", {"commune_id": "giao-phong", "phone": PHONE, "code": "12"})
    assert status == 422 and [d["field"] for d in body["error"]["details"]] == ["code"]
    # And nothing was sent
    assert deliver_queued_sms(settings) == []


def test_logout_ends_the_session(api, settings, communes):
    token = sign_in(api, settings)["token"]
    status, body, _ = call(api, "POST", "/auth/logout", token=token)
    assert status == 204 and body is None
    status, body, _ = call(api, "GET", "/me", token=token)
    assert status == 401


def test_a_citizen_session_expires(api, settings, communes, clock):
    token = sign_in(api, settings)["token"]
    clock.advance(seconds=settings.citizen_session_ttl_s + 1)
    assert call(api, "GET", "/me", token=token)[0] == 401


def test_a_locked_citizen_is_refused_and_their_live_session_stops_at_once(api, settings, services, communes, clock):
    # Given a signed-in citizen
    session = sign_in(api, settings)
    token, citizen_id = session["token"], session["principal"]["subject_id"]
    assert call(api, "GET", "/me", token=token)[0] == 200
    # When the commune office locks the account
    office = staff_token(services, __import__("smartcommune.core.contracts").core.contracts.Role.OFFICE)
    status, body, _ = call(api, "POST", f"/citizens/{citizen_id}/lock", {"reason": "Báo cáo giả mạo nhiều lần"}, office)
    assert status == 200 and body["status"] == "locked"
    # Then the live session stops working at once
    status, body, _ = call(api, "GET", "/me", token=token)
    assert status == 401 and "bị khóa" in body["error"]["message"]
    # And signing in again is refused, naming whom to contact
    clock.advance(seconds=settings.otp_resend_after_s + 1)
    call(api, "POST", "/auth/otp", {"commune_id": "giao-phong", "phone": PHONE})
    code = latest_code(settings, PHONE)
    status, body, _ = call(api, "POST", "/auth/otp/verify", {"commune_id": "giao-phong", "phone": PHONE, "code": code})
    assert status == 403
    assert "bị khóa" in body["error"]["message"] and "UBND Xã Giao Phong" in body["error"]["message"]
    # When unlocked, the old session stays void but a new sign-in works
    status, _, _ = call(api, "POST", f"/citizens/{citizen_id}/unlock", {"reason": "Đã xác minh"}, office)
    assert status == 200
    assert call(api, "GET", "/me", token=token)[0] == 401
    clock.advance(seconds=settings.otp_resend_after_s + 1)
    assert call(api, "GET", "/me", token=sign_in(api, settings)["token"])[0] == 200


def test_a_citizen_completes_their_profile(api, settings, communes):
    token = sign_in(api, settings)["token"]
    profile = {
        "full_name": "Nguyễn Văn An",
        "hamlet_id": "xom-2",
        "address": "Xóm 2, xã Giao Phong",
        "cccd": "036090001234",
        "birth_date": "1990-05-17",
    }
    status, body, _ = call(api, "PUT", "/me/profile", profile, token)
    assert status == 200, body
    assert body["full_name"] == "Nguyễn Văn An" and body["profile_complete"] is True
    # (a CCCD given here waits for staff to verify it against the card: citizens/test_cccd_claims.py)
    assert body["cccd_pending_masked"] == "036*******34" and body["cccd_masked"] is None and "cccd" not in body
    status, me, _ = call(api, "GET", "/me", token=token)
    assert me["hamlet_id"] == "xom-2" and me["birth_date"] == "1990-05-17"
    # Leaving CCCD and birth date out keeps them; the rest is replaced
    status, body, _ = call(
        api, "PUT", "/me/profile", {**profile, "address": "Xóm 3", "hamlet_id": "xom-3"} | {"cccd": None}, token
    )
    assert status == 200 and body["cccd_pending_masked"] is None
    del profile["cccd"], profile["birth_date"]
    call(api, "PUT", "/me/profile", {**profile, "cccd": "036090001234"}, token)
    status, body, _ = call(api, "PUT", "/me/profile", profile, token)
    assert body["cccd_pending_masked"] == "036*******34" and body["birth_date"] == "1990-05-17"


def test_profile_rules_hamlet_of_the_commune_and_unique_cccd(api, settings, communes, clock):
    token = sign_in(api, settings)["token"]
    base = {"full_name": "Nguyễn Văn An", "hamlet_id": "xom-2", "address": "Xóm 2"}
    # A hamlet of another commune's numbering that Giao Phong does not have
    status, body, _ = call(api, "PUT", "/me/profile", {**base, "hamlet_id": "xom-9"}, token)
    assert status == 422 and body["error"]["details"][0]["field"] == "hamlet_id"
    # A malformed CCCD
    status, body, _ = call(api, "PUT", "/me/profile", {**base, "cccd": "123"}, token)
    assert status == 422 and body["error"]["details"][0]["field"] == "cccd"
    assert "12 chữ số" in body["error"]["details"][0]["message"]
    # A CCCD another citizen gave too is not refused (that would tell who has it): both wait for staff
    assert call(api, "PUT", "/me/profile", {**base, "cccd": "036090001234"}, token)[0] == 200
    other = sign_in(api, settings, phone="0987 654 321")["token"]
    status, body, _ = call(api, "PUT", "/me/profile", {**base, "cccd": "036090001234"}, other)
    assert status == 200 and body["cccd_notice"] == "Số CCCD đang chờ cán bộ xác minh."


def test_a_citizen_chooses_to_follow_their_feedback_on_the_portal_only(api, settings, communes):
    token = sign_in(api, settings)["token"]
    assert call(api, "GET", "/me", token=token)[1]["status_updates"] == "sms"  # by default: SMS at key steps
    profile = {"full_name": "Nguyễn Văn An", "hamlet_id": "xom-2", "address": "Xóm 2, xã Giao Phong"}
    status, body, _ = call(api, "PUT", "/me/profile", {**profile, "status_updates": "portal"}, token)
    assert status == 200 and body["status_updates"] == "portal"
    # A later profile edit that does not mention it keeps the choice
    status, body, _ = call(api, "PUT", "/me/profile", {**profile, "address": "Xóm 3"}, token)
    assert status == 200 and body["status_updates"] == "portal"
    status, error, _ = call(api, "PUT", "/me/profile", {**profile, "status_updates": "email"}, token)
    assert status == 422 and error["error"]["details"][0]["field"] == "status_updates"
