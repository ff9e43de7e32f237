"""The population register through the real app on moto: the office registers households, a birth and a move
change the commune's figures at once, a citizen sees their own household, the public sees counts only."""

from __future__ import annotations

from typing import Any

import pytest

from smartcommune.core.contracts import Role
from tests.integration.telehealth.helpers import call
from tests.support.identities import citizen_token, ensure_demo_communes, staff_token


@pytest.fixture
def staff(services: Any) -> dict[str, str]:
    ensure_demo_communes(services)
    return {"office": staff_token(services, Role.OFFICE), "health": staff_token(services, Role.HEALTH)}


def _household(number: str, citizen_id: str | None = None) -> dict[str, Any]:
    return {
        "id": number,
        "hamlet_id": "dong-thanh",
        "address": "Xóm Đông Thành, Giao Phong",
        "residents": [
            {"full_name": "Trần Văn Hòa", "birth_date": "1975-02-01", "sex": "male", "relation": "head",
             "citizen_id": citizen_id},
            {"full_name": "Phạm Thị Lan", "birth_date": "1978-06-12", "sex": "female", "relation": "spouse"},
            {"full_name": "Trần Minh Khôi", "birth_date": "2020-09-03", "sex": "male", "relation": "child"},
        ],
    }  # fmt: skip


def _figures(api: Any) -> dict[str, Any]:
    status, view, _ = call(api, "GET", "/communes/giao-phong/population")
    assert status == 200
    return view


def test_a_household_its_birth_and_a_move_change_the_figures_in_the_same_write(api, services, staff):
    before = _figures(api)
    citizen, citizen_id = citizen_token(services)
    status, household, _ = call(
        api, "POST", "/population/households", staff["office"], _household("gp-9001", citizen_id)
    )
    assert status == 201 and [r["relation"] for r in household["residents"]] == ["head", "spouse", "child"]
    after = _figures(api)
    assert (after["households"], after["residents"]) == (before["households"] + 1, before["residents"] + 3)
    band = {b["label"]: b for b in after["bands"]}
    old = {b["label"]: b for b in before["bands"]}
    assert band["5–9"]["male"] == old["5–9"]["male"] + 1  # Khôi, born 2020, is 6 in 2026
    # A birth is written into the household and counted; a move out is kept in the book and no longer counted
    baby = {"full_name": "Trần Thu An", "birth_date": "2026-10-20", "sex": "female", "relation": "child"}
    status, an, _ = call(api, "POST", "/population/households/gp-9001/residents", staff["office"], baby)
    assert status == 201
    change = {"status": "moved_out", "since": "2026-11-15", "note": "Lên Hà Nội học nghề"}
    spouse = household["residents"][1]["id"]
    path = f"/population/households/gp-9001/residents/{spouse}/status"
    status, moved, _ = call(api, "PUT", path, staff["office"], change)
    assert status == 200 and moved["status"] == "moved_out"
    assert call(api, "PUT", path, staff["office"], change)[0] == 409  # once only
    final = _figures(api)
    assert final["residents"] == before["residents"] + 3
    assert {b["label"]: b for b in final["bands"]}["0–4"]["female"] == old["0–4"]["female"] + 1
    # The citizen linked as head sees the whole book, the one who left included
    status, mine, _ = call(api, "GET", "/me/household", citizen)
    assert status == 200 and mine["id"] == "gp-9001"
    assert {r["full_name"]: r["status"] for r in mine["residents"]}["Phạm Thị Lan"] == "moved_out"
    assert an["id"] in [r["id"] for r in mine["residents"]]
    # The public view holds counts only
    assert set(final) == {"commune_id", "households", "residents", "as_of", "bands"}


def test_a_taken_number_an_unknown_account_or_two_heads_write_nothing(api, services, staff):
    before = _figures(api)
    assert call(api, "POST", "/population/households", staff["office"], _household("gp-9002"))[0] == 201
    status, error, _ = call(api, "POST", "/population/households", staff["office"], _household("gp-9002"))
    assert status == 409 and "gp-9002" in error["error"]["message"]
    status, error, _ = call(api, "POST", "/population/households", staff["office"], _household("gp-9003", "f" * 32))
    assert status == 422 and "tài khoản" in error["error"]["message"]
    two_heads = _household("gp-9004")
    two_heads["residents"][1]["relation"] = "head"
    assert call(api, "POST", "/population/households", staff["office"], two_heads)[0] == 422
    after = _figures(api)
    assert (after["households"], after["residents"]) == (before["households"] + 1, before["residents"] + 3)
    assert call(api, "GET", "/population/households/gp-9003", staff["office"])[0] == 404


def test_households_are_listed_by_hamlet_page_by_page_and_citizens_without_one_are_told_so(api, services, staff):
    for n in range(3):
        assert call(api, "POST", "/population/households", staff["office"], _household(f"gp-91{n:02d}"))[0] == 201
    status, page, _ = call(api, "GET", "/population/households?hamlet_id=dong-thanh&limit=2", staff["health"])
    assert status == 200 and len(page["items"]) == 2 and page["next_cursor"]
    status, rest, _ = call(
        api, "GET", f"/population/households?hamlet_id=dong-thanh&limit=2&cursor={page['next_cursor']}", staff["health"]
    )
    ids = [h["id"] for h in page["items"] + rest["items"]]
    assert status == 200 and {"gp-9100", "gp-9101", "gp-9102"} <= set(ids) and len(ids) == len(set(ids))
    assert all(h["residents"] == 3 for h in page["items"])
    lonely, _ = citizen_token(services)
    status, error, _ = call(api, "GET", "/me/household", lonely)
    assert status == 404 and "văn phòng" in error["error"]["message"]
