"""Commune staff manage citizen accounts: register, search (diacritics ignored), lock — their own commune only."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from smartcommune.audit.wiring import audit_repository
from smartcommune.citizens.contracts import NewCitizen
from smartcommune.citizens.wiring import citizen_service
from smartcommune.core.contracts import Role
from tests.support.identities import ensure_demo_communes, staff_token

if TYPE_CHECKING:
    from smartcommune.audit.storage.journal import AuditRepository


def call(api, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = api.http.request(method, path, headers=headers, body=json.dumps(body) if body is not None else None)
    return response.status_code, (json.loads(response.body) if response.body else None)


AN = {
    "full_name": "Nguyễn Văn An",
    "phone": "0912 345 678",
    "hamlet_id": "xom-1",
    "address": "Xóm 1, xã Giao Phong",
    "cccd": "036090001234",
    "birth_date": "1990-05-17",
}
PEOPLE = [
    AN,
    {"full_name": "Nguyễn Văn Anh", "phone": "0912000002", "hamlet_id": "xom-2", "address": "Xóm 2"},
    {"full_name": "Trần Thị Bình", "phone": "0912000003", "hamlet_id": "xom-1", "address": "Gần chùa Bình An"},
    {"full_name": "Lê Văn Thanh", "phone": "0912000004", "hamlet_id": "xom-3", "address": "Đình Vuông"},
    {"full_name": "Đỗ Thị Đào", "phone": "0912000005", "hamlet_id": "xom-4", "address": "Xóm 4"},
]


@pytest.fixture
def office(services) -> str:
    ensure_demo_communes(services)
    return staff_token(services, Role.OFFICE)


@pytest.fixture
def people(api, office) -> dict[str, str]:
    ids = {}
    for person in PEOPLE:
        status, body = call(api, "POST", "/citizens", person, office)
        assert status == 201, body
        ids[person["full_name"]] = body["id"]
    return ids


def names(body: dict) -> list[str]:
    return [item["full_name"] for item in body["items"]]


def test_staff_register_a_citizen_and_the_audit_masks_phone_and_cccd(api, services, office):
    status, body = call(api, "POST", "/citizens", AN, office)
    assert status == 201, body
    assert body["phone"] == "+84912345678" and body["cccd_masked"] == "036*******34"
    assert body["profile_complete"] is True and body["status"] == "active"
    audit: AuditRepository = services.get(audit_repository)
    (entry,) = [e for e in audit.all_entries("giao-phong") if e.action == "citizen.create"]
    assert entry.target == f"citizen/{body['id']}"
    assert entry.after["phone"] == "091****678" and entry.after["cccd"] == "036*******34"
    assert "0912345678" not in entry.model_dump_json() and "036090001234" not in entry.model_dump_json()


def test_a_duplicate_phone_or_cccd_is_a_conflict(api, office):
    assert call(api, "POST", "/citizens", AN, office)[0] == 201
    status, body = call(api, "POST", "/citizens", {**AN, "phone": "+84 912 345 678", "cccd": None}, office)
    assert status == 409 and "Số điện thoại" in body["error"]["message"]
    status, body = call(api, "POST", "/citizens", {**AN, "phone": "0987654321"}, office)
    assert status == 409 and "CCCD" in body["error"]["message"]


def test_bad_input_is_422_with_vietnamese_details_and_nothing_is_written(api, services, office):
    head_before = services.get(audit_repository).head("giao-phong")
    bad = {"full_name": "A", "phone": "12345", "hamlet_id": "Xóm 1", "address": "", "cccd": "999999999999"}
    status, body = call(api, "POST", "/citizens", bad, office)
    assert status == 422
    assert body["error"]["message"].startswith("Thông tin gửi lên chưa hợp lệ")
    details = {d["field"]: d["message"] for d in body["error"]["details"]}
    assert set(details) == {"full_name", "phone", "hamlet_id", "address", "cccd"}
    assert "Số điện thoại" in details["phone"] and "12 chữ số" in details["cccd"]
    # A hamlet that is not the commune's
    status, body = call(api, "POST", "/citizens", {**AN, "hamlet_id": "xom-9"}, office)
    assert status == 422 and body["error"]["details"][0]["field"] == "hamlet_id"
    # Nothing was written: no citizen, no audit entry
    assert call(api, "GET", "/citizens", token=office)[1]["items"] == []
    assert services.get(audit_repository).head("giao-phong") == head_before


def test_search_ignores_diacritics_and_needs_every_word(api, office, people):
    _, body = call(api, "GET", "/citizens?q=nguyen%20van%20an", token=office)
    assert names(body) == ["Nguyễn Văn An", "Nguyễn Văn Anh"]  # "an" begins "Anh" too
    _, body = call(api, "GET", "/citizens?q=NGUYỄN%20an%20xom%201", token=office)
    assert names(body) == ["Nguyễn Văn An"]
    _, body = call(api, "GET", "/citizens?q=dao", token=office)
    assert names(body) == ["Đỗ Thị Đào"]
    _, body = call(api, "GET", "/citizens?q=binh%20an", token=office)  # matched in the address
    assert names(body) == ["Trần Thị Bình"]
    _, body = call(api, "GET", "/citizens?q=thanh%20binh", token=office)
    assert names(body) == []
    item = call(api, "GET", "/citizens?q=trần", token=office)[1]["items"][0]
    assert item["phone_masked"] == "091****003" and "phone" not in item


@pytest.mark.parametrize("q", ["0912345678", "0912 345 678", "0912.345.678", "+84912345678", "84912345678"])
def test_a_phone_in_any_common_form_finds_the_citizen(api, office, people, q):
    status, body = call(api, "GET", "/citizens?" + _query(q=q), token=office)
    assert status == 200 and names(body) == ["Nguyễn Văn An"]


def test_a_full_cccd_and_part_of_a_phone_find_the_citizen(api, office, people):
    assert names(call(api, "GET", "/citizens?q=036090001234", token=office)[1]) == ["Nguyễn Văn An"]
    assert names(call(api, "GET", "/citizens?q=0912000", token=office)[1]) == [
        "Đỗ Thị Đào",
        "Lê Văn Thanh",
        "Nguyễn Văn Anh",
        "Trần Thị Bình",
    ]


def test_lists_filter_by_hamlet_and_status_and_page_with_a_cursor(api, office, people):
    _, body = call(api, "GET", "/citizens?hamlet_id=xom-1", token=office)
    assert names(body) == ["Nguyễn Văn An", "Trần Thị Bình"]
    call(api, "POST", f"/citizens/{people['Lê Văn Thanh']}/lock", {"reason": "Giả mạo"}, office)
    _, body = call(api, "GET", "/citizens?status=locked", token=office)
    assert names(body) == ["Lê Văn Thanh"]
    seen: list[str] = []
    cursor = None
    while True:
        _, body = call(api, "GET", "/citizens?" + _query(limit=2, cursor=cursor), token=office)
        seen += names(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["Đỗ Thị Đào", "Lê Văn Thanh", "Nguyễn Văn An", "Nguyễn Văn Anh", "Trần Thị Bình"]
    status, body = call(api, "GET", "/citizens?cursor=bm90LWEtY3Vyc29y", token=office)
    assert status == 422 and body["error"]["details"][0]["field"] == "cursor"


def test_staff_of_another_commune_never_see_these_citizens(api, services, office, people):
    an = people["Nguyễn Văn An"]
    for role in (Role.ADMIN, Role.OFFICE, Role.POLICE):
        other = staff_token(services, role, "bach-long")
        assert call(api, "GET", f"/citizens/{an}", token=other)[0] == 404
        assert call(api, "GET", "/citizens", token=other)[1]["items"] == []
        assert call(api, "GET", "/citizens?q=nguyen", token=other)[1]["items"] == []
        assert call(api, "GET", "/citizens?q=0912345678", token=other)[1]["items"] == []
        assert call(api, "GET", "/citizens?q=036090001234", token=other)[1]["items"] == []
    admin_b = staff_token(services, Role.ADMIN, "bach-long")
    assert call(api, "POST", f"/citizens/{an}/lock", {"reason": "thử khóa chéo"}, admin_b)[0] == 404
    # The same phone may have its own account in the other commune
    assert call(api, "POST", "/citizens", {**AN, "hamlet_id": "xom-1"}, admin_b)[0] == 201
    # And the cursor of one commune is refused in the other
    _, page = call(api, "GET", "/citizens?limit=1", token=office)
    status, _ = call(api, "GET", "/citizens?" + _query(cursor=page["next_cursor"]), token=admin_b)
    assert status == 422


def test_police_read_but_cannot_register_or_lock(api, services, people):
    police = staff_token(services, Role.POLICE)
    an = people["Nguyễn Văn An"]
    status, body = call(api, "GET", f"/citizens/{an}", token=police)
    assert status == 200 and body["full_name"] == "Nguyễn Văn An" and body["cccd_masked"] == "036*******34"
    assert call(api, "POST", f"/citizens/{an}/lock", {"reason": "thử"}, police)[0] == 403
    assert call(api, "POST", "/citizens", {**AN, "phone": "0987654321", "cccd": None}, police)[0] == 403


def test_lock_and_unlock_are_audited_and_locking_twice_is_a_conflict(api, services, office, people):
    an = people["Nguyễn Văn An"]
    status, body = call(api, "POST", f"/citizens/{an}/lock", {"reason": "Đăng tin sai sự thật"}, office)
    assert status == 200 and body["status"] == "locked" and body["lock_reason"] == "Đăng tin sai sự thật"
    assert call(api, "POST", f"/citizens/{an}/lock", {"reason": "lần nữa"}, office)[0] == 409
    status, body = call(api, "POST", f"/citizens/{an}/unlock", {"reason": "Đã xác minh"}, office)
    assert status == 200 and body["status"] == "active"
    audit: AuditRepository = services.get(audit_repository)
    entries = [e for e in audit.all_entries("giao-phong") if e.target == f"citizen/{an}"]
    assert [e.action for e in entries] == ["citizen.create", "citizen.lock", "citizen.unlock"]
    assert entries[1].before["status"] == "active" and entries[1].after == {
        "status": "locked",
        "reason": "Đăng tin sai sự thật",
    }
    assert entries[2].after == {"status": "active", "reason": "Đã xác minh"}


def test_import_citizens_is_idempotent_by_phone_with_one_audit_entry(services):
    ensure_demo_communes(services)
    citizens = services.get(citizen_service)
    batch = [NewCitizen.model_validate(p) for p in PEOPLE]
    assert citizens.import_citizens("giao-phong", batch, None) == 5
    assert citizens.import_citizens("giao-phong", batch, None) == 0
    audit: AuditRepository = services.get(audit_repository)
    assert [e.action for e in audit.all_entries("giao-phong") if e.action.startswith("citizen.")] == ["citizen.import"]


def _query(**params: Any) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v is not None})
