"""CCCD numbers cannot be probed: not through a citizen's profile, nor through the staff search.

A citizen who gives a CCCD sees "Số CCCD đang chờ cán bộ xác minh" whether or not the number is registered;
staff verify it against the card; profile changes are limited and audited; a masked number cannot be unmasked
by searching its beginning, and whole-number look-ups are limited per staff member.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from smartcommune.audit.wiring import audit_repository
from smartcommune.core.contracts import Role
from tests.support.identities import citizen_token, ensure_demo_communes, staff_token

AN_CCCD = "036090001234"
PROFILE = {"full_name": "Bùi Văn Hai", "hamlet_id": "xom-3", "address": "Xóm 3, xã Giao Phong"}
PENDING = "Số CCCD đang chờ cán bộ xác minh."


@pytest.fixture
def settings(settings):
    # Lower limits than production's, so a test reaches them in a few calls
    return settings.model_copy(
        update={
            "profile_max_updates_per_citizen_per_hour": 4,
            "profile_max_updates_per_client_per_hour": 6,
            "cccd_max_lookups_per_staff_per_hour": 5,
        }
    )


def call(api, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = api.http.request(method, path, headers=headers, body=json.dumps(body) if body is not None else None)
    return response.status_code, (json.loads(response.body) if response.body else None), response.headers


@pytest.fixture
def office(services) -> str:
    ensure_demo_communes(services)
    return staff_token(services, Role.OFFICE)


@pytest.fixture
def an(api, office) -> str:
    """Nguyễn Văn An, registered by the office with his CCCD."""
    person = {
        "full_name": "Nguyễn Văn An",
        "phone": "0912345678",
        "hamlet_id": "xom-1",
        "address": "Xóm 1",
        "cccd": AN_CCCD,
        "birth_date": "1990-05-17",
    }
    status, body, _ = call(api, "POST", "/citizens", person, office)
    assert status == 201, body
    return str(body["id"])


def _alike(body: dict) -> dict:
    """A profile answer without what differs between two people anyway (ids, phones, times, their own number)."""
    own = ("id", "phone", "phone_masked", "created_at", "updated_at", "cccd_pending_masked")
    return {k: v for k, v in body.items() if k not in own}


def test_a_citizen_cannot_tell_whether_a_cccd_is_registered(api, services, office, an):
    # Given An's CCCD is registered, and two citizens signed in
    mallory, mallory_id = citizen_token(services)
    binh, _ = citizen_token(services)
    # When one gives An's number on their profile, and the other a number nobody has
    taken = call(api, "PUT", "/me/profile", {**PROFILE, "cccd": AN_CCCD}, mallory)
    fresh = call(api, "PUT", "/me/profile", {**PROFILE, "cccd": "036090001299"}, binh)
    # Then both are accepted and read alike: the number waits for commune staff
    assert taken[0] == fresh[0] == 200
    assert taken[1]["cccd_notice"] == fresh[1]["cccd_notice"] == PENDING
    assert _alike(taken[1]) == _alike(fresh[1])
    assert taken[1]["cccd_masked"] is None and taken[1]["cccd_pending_masked"] == "036*******34"
    assert fresh[1]["cccd_pending_masked"] == "036*******99"
    assert call(api, "GET", "/me", token=mallory)[1]["cccd_notice"] == PENDING
    # And An still holds his number: a search by it finds him, not the one who claimed it
    _, found, _ = call(api, "GET", f"/citizens?q={AN_CCCD}", token=office)
    assert [item["id"] for item in found["items"]] == [an]
    # Staff see the claim waiting (masked), in a list of the claims to check
    _, waiting, _ = call(api, "GET", "/citizens?cccd_pending=true", token=office)
    assert {item["id"] for item in waiting["items"]} >= {mallory_id} and an not in {i["id"] for i in waiting["items"]}
    assert all(item["cccd_pending"] for item in waiting["items"])
    _, seen, _ = call(api, "GET", f"/citizens/{mallory_id}", token=office)
    assert seen["cccd_pending_masked"] == "036*******34" and AN_CCCD not in json.dumps(seen)


def test_profile_changes_are_limited_per_citizen_and_per_client(api, services, an):
    # Given a citizen trying number after number (4 changes an hour allowed here)
    token, _ = citizen_token(services)
    for n in range(4):
        assert call(api, "PUT", "/me/profile", {**PROFILE, "cccd": f"03609000{n:04d}"}, token)[0] == 200
    # Then the next change is refused until the hour's window ends
    status, body, headers = call(api, "PUT", "/me/profile", {**PROFILE, "cccd": "036090009999"}, token)
    assert status == 429 and "quá nhiều" in body["error"]["message"]
    assert 0 < int(headers["Retry-After"]) <= 3600
    # And new accounts from the same address do not buy more tries: 6 changes an hour from one client
    others = [citizen_token(services)[0] for _ in range(2)]
    assert call(api, "PUT", "/me/profile", PROFILE, others[0])[0] == 200
    assert call(api, "PUT", "/me/profile", PROFILE, others[0])[0] == 200
    assert call(api, "PUT", "/me/profile", PROFILE, others[1])[0] == 429


def test_staff_verify_a_claimed_cccd_from_the_card_and_it_becomes_unique(api, services, office):
    token, citizen_id = citizen_token(services)
    call(api, "PUT", "/me/profile", {**PROFILE, "cccd": "036090001299"}, token)
    police = staff_token(services, Role.POLICE)
    # A number that is not the one given is refused: the card does not match
    status, body, _ = call(api, "POST", f"/citizens/{citizen_id}/cccd/verify", {"cccd": "036090001288"}, police)
    assert status == 422 and body["error"]["details"][0]["field"] == "cccd"
    assert "không khớp" in body["error"]["details"][0]["message"]
    # The commune police verify it from the card
    status, body, _ = call(api, "POST", f"/citizens/{citizen_id}/cccd/verify", {"cccd": "036090001299"}, police)
    assert status == 200 and body["cccd_masked"] == "036*******99" and body["cccd_pending_masked"] is None
    assert call(api, "GET", "/me", token=token)[1]["cccd_notice"] is None
    # Now the number is theirs: staff registering it again are told so, and a search finds them
    person = {"full_name": "Ai Đó", "phone": "0987000001", "hamlet_id": "xom-1", "address": "Xóm 1"}
    assert call(api, "POST", "/citizens", {**person, "cccd": "036090001299"}, office)[0] == 409
    assert [i["id"] for i in call(api, "GET", "/citizens?q=036090001299", token=office)[1]["items"]] == [citizen_id]


def test_a_claim_on_a_registered_cccd_moves_only_when_staff_say_so(api, services, office, an):
    token, claimant = citizen_token(services)
    call(api, "PUT", "/me/profile", {**PROFILE, "cccd": AN_CCCD}, token)
    # Staff checking the claim learn the number is on another account
    status, body, _ = call(api, "POST", f"/citizens/{claimant}/cccd/verify", {"cccd": AN_CCCD}, office)
    assert status == 409 and "tài khoản khác" in body["error"]["message"]
    # Having checked both people's papers, they move it (the card was the claimant's)
    verify = {"cccd": AN_CCCD, "replace_holder": True}
    status, body, _ = call(api, "POST", f"/citizens/{claimant}/cccd/verify", verify, office)
    assert status == 200 and body["cccd_masked"] == "036*******34"
    assert call(api, "GET", f"/citizens/{an}", token=office)[1]["cccd_masked"] is None
    assert [i["id"] for i in call(api, "GET", f"/citizens?q={AN_CCCD}", token=office)[1]["items"]] == [claimant]
    entries = [e for e in services.get(audit_repository).all_entries("giao-phong") if e.action == "citizen.cccd_verify"]
    (entry,) = entries
    assert entry.after == {"cccd": "036*******34", "taken_from": f"citizen/{an}"}


def test_staff_turn_a_claim_down(api, services, office):
    token, citizen_id = citizen_token(services)
    call(api, "PUT", "/me/profile", {**PROFILE, "cccd": "036090001299"}, token)
    status, body, _ = call(api, "POST", f"/citizens/{citizen_id}/cccd/reject", {"reason": "Sai số"}, office)
    assert status == 200 and body["cccd_pending_masked"] is None and body["cccd_masked"] is None
    status, body, _ = call(api, "POST", f"/citizens/{citizen_id}/cccd/reject", {"reason": "lần nữa"}, office)
    assert status == 409


def test_profile_changes_are_audited_without_a_number_in_clear(api, services, an):
    token, citizen_id = citizen_token(services, phone="+84912000777")
    assert call(api, "PUT", "/me/profile", {**PROFILE, "cccd": "036090001299"}, token)[0] == 200
    entries = [
        e for e in services.get(audit_repository).all_entries("giao-phong") if e.action == "citizen.profile_update"
    ]
    (entry,) = entries
    assert entry.actor_id == citizen_id and entry.target == f"citizen/{citizen_id}"
    assert entry.after["full_name"] == "Bùi Văn Hai" and entry.after["cccd_pending"] == "036*******99"
    dumped = entry.model_dump_json()
    for secret in ("036090001299", "0912000777", "+84912000777", "912000777"):
        assert secret not in dumped


def test_the_hidden_digits_of_a_masked_cccd_cannot_be_searched_out(api, services, office, an):
    police = staff_token(services, Role.POLICE)
    # Given the list shows An's CCCD masked
    _, page, _ = call(api, "GET", "/citizens?q=nguyen%20van%20an", token=police)
    assert page["items"][0]["cccd_masked"] == "036*******34"
    # When someone searches its beginning, digit by digit
    for prefix in ("036", "0360", "036090", "03609000123"):
        _, body, _ = call(api, "GET", f"/citizens?q={prefix}", token=police)
        # Then no beginning of a CCCD finds anyone
        assert body["items"] == [], prefix
    # And guessing whole numbers stops after a few look-ups an hour (5 here); other searches go on
    for guess in range(5):
        assert call(api, "GET", f"/citizens?q=0360900012{guess:02d}", token=police)[0] == 200
    status, body, _ = call(api, "GET", "/citizens?q=036090001299", token=police)
    assert status == 429 and body["error"]["message"]
    assert call(api, "GET", "/citizens?q=nguyen", token=police)[0] == 200
    assert call(api, "GET", f"/citizens?q={AN_CCCD}", token=office)[1]["items"][0]["id"] == an
