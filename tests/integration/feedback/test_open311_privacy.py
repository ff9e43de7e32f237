"""Open311 through the real app on moto, as an outsider would probe it: the public GETs show only published
items, through the portal's public projection (hamlet and a rounded point, never the exact one); a request fetched
by its id shows its status and nothing more until it is published; a phone sent by a key holder never reaches a
citizen account nor gets a text; and an item made through Open311 is audited with its key.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import pytest

from smartcommune.audit.wiring import audit_repository
from smartcommune.citizens.wiring import citizen_repository
from smartcommune.core.contracts import Role
from smartcommune.feedback.wiring import feedback_repository, open311_key_repository
from smartcommune.sms.storage import read_outbox
from tests.support.identities import citizen_token, ensure_demo_communes, staff_token
from tests.support.sms import deliver_queued_sms

BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
GP = {"jurisdiction_id": "giao-phong"}

# The exact spot of the citizen's report: the front gate of their house.
HOME_LAT, HOME_LON = 20.254213, 106.531877
SECRET_WEB = "Nhà tôi ở ngõ 5 xóm 1, hàng xóm đổ rác trước cửa mỗi tối."
SECRET_PRIVATE = "Tôi không muốn ai biết: con đường trước nhà tôi bị lấn chiếm."
SECRET_O311 = "Cống thoát nước trước nhà số 12 bị tắc, nước tràn vào sân."
REJECTION = "Việc tranh chấp giữa hai hộ gia đình, đề nghị tự hòa giải."


@pytest.fixture
def world(api, services) -> dict[str, Any]:
    ensure_demo_communes(services)
    repository = services.get(open311_key_repository)
    raw, record = repository.create("giao-phong", "Ứng dụng bản đồ", "test")
    citizen, citizen_id = citizen_token(services, phone="+84912345678")
    return {
        "key": raw,
        "key_id": record.key_id,
        "citizen": citizen,
        "citizen_id": citizen_id,
        "office": staff_token(services, Role.OFFICE),
        "infra": staff_token(services, Role.INFRASTRUCTURE),
    }


def _call(api, method: str, path: str, token: str, body: Any = None, key: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    response = api.http.request(method, path, headers=headers, body=json.dumps(body) if body is not None else None)
    assert response.status_code in {200, 201}, response.body
    return dict(json.loads(response.body))


def _web_report(api, world: dict[str, Any], description: str, *, anonymous: bool, n: int) -> str:
    body = {
        "field_code": "roads",
        "title": f"Phản ánh đường xóm số {n}",
        "description": description,
        "hamlet_id": "xom-1",
        "location": {"lat": HOME_LAT, "lon": HOME_LON},
        "upload_ids": [],
        "anonymous_public": anonymous,
    }
    return str(_call(api, "POST", "/feedback", world["citizen"], body, key=f"web-report-{n:04d}")["id"])


def _act(api, token: str, feedback_id: str, action: str, **extra: Any) -> None:
    version = _call(api, "GET", f"/feedback/{feedback_id}", token)["version"]
    _call(
        api, "POST", f"/feedback/{feedback_id}/actions", token, {"action": action, "expected_version": version, **extra}
    )


def _publish(api, world: dict[str, Any], feedback_id: str) -> None:
    _act(api, world["office"], feedback_id, "assign", unit="infrastructure")
    _act(api, world["infra"], feedback_id, "start")
    _act(api, world["infra"], feedback_id, "resolve", result="Đã dọn sạch và lắp biển cấm đổ rác.")
    _act(api, world["office"], feedback_id, "approve")
    _act(api, world["office"], feedback_id, "publish")


def _post(api, key: str, **params: str) -> str:
    form = {
        "api_key": key,
        "service_code": "roads",
        "lat": str(HOME_LAT),
        "long": str(HOME_LON),
        "address_string": "Số 12 đường trục xã",
        "description": SECRET_O311,
        **params,
    }
    response = api.http.post(f"{BASE}/requests.json", headers=FORM, body=urlencode(form))
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)[0]["service_request_id"])


def _get(api, path: str, **query: str) -> Any:
    return api.http.get(f"{BASE}/{path}?{urlencode({**GP, **query})}")


def _requests(api, fmt: str = "json", **query: str) -> list[dict[str, Any]]:
    response = _get(api, f"requests.{fmt}", **query)
    assert response.status_code == 200, response.body
    if fmt == "json":
        return list(json.loads(response.body))
    root = ET.fromstring(response.body)  # noqa: S314 - our own API's answer
    return [{child.tag: child.text for child in request} for request in root.findall("request")]


def _status_sms(settings) -> list[dict[str, Any]]:
    deliver_queued_sms(settings)
    return [m for m in read_outbox(settings.outbox_path) if m["purpose"] == "feedback_status"]


# ---------------------------------------------------------------- point 1: what the public GETs show


def test_the_public_list_holds_only_published_items_in_either_format(api, world):
    # Given an unpublished web report, a private (anonymous) one, one posted through Open311, one rejected with a
    # reason, all at the citizen's home, and one published report
    unpublished = _web_report(api, world, SECRET_WEB, anonymous=False, n=1)
    private = _web_report(api, world, SECRET_PRIVATE, anonymous=True, n=2)
    via_open311 = _post(api, world["key"])
    rejected = _web_report(api, world, "Hai nhà cạnh nhau tranh chấp lối đi chung ở xóm 1.", anonymous=False, n=3)
    _act(api, world["office"], rejected, "reject", reason=REJECTION)
    published = _web_report(api, world, "Rác đổ trộm ở bãi đất trống đầu xóm 1, cần dọn.", anonymous=False, n=4)
    _publish(api, world, published)

    # When anyone lists the commune's requests, in JSON and XML, with and without extensions
    for fmt in ("json", "xml"):
        for extra in ({}, {"extensions": "true"}):
            listed = _requests(api, fmt, **extra)
            body = _get(api, f"requests.{fmt}", **extra).body.decode()

            # Then only the published item is there, and nothing of the others leaks
            assert [r["service_request_id"] for r in listed] == [published], (fmt, extra)
            for secret in (unpublished, private, via_open311, rejected, SECRET_WEB, SECRET_PRIVATE, SECRET_O311):
                assert secret not in body, (fmt, extra, secret)
            assert REJECTION not in body
            assert str(HOME_LAT) not in body and str(HOME_LON) not in body
            assert "Số 12" not in body


def test_a_published_item_shows_the_public_projection_with_a_coarse_location(api, world):
    # Given two published reports made at the citizen's home: one public, one the citizen asked to keep anonymous
    public = _web_report(api, world, "Rác đổ trộm ở bãi đất trống đầu xóm 1, cần dọn.", anonymous=False, n=1)
    anonymous = _web_report(api, world, SECRET_PRIVATE, anonymous=True, n=2)
    _publish(api, world, public)
    _publish(api, world, anonymous)

    # When a client reads them with extensions
    shown = {r["service_request_id"]: r for r in json.loads(_get(api, "requests.json", extensions="true").body)}

    # Then the public one is placed at its hamlet and a point rounded to about a kilometre, never the exact spot
    item = shown[public]
    assert item["status"] == "closed"
    assert item["address"] == "Xóm 1, Xã Giao Phong"
    assert (item["lat"], item["long"]) == (20.25, 106.53)
    assert "Đã dọn sạch" in item["status_notes"]
    assert item["extended_attributes"]["sc_tracking_code"].startswith("GP-")
    assert "sc_channel" not in item["extended_attributes"]
    # and the anonymous one has its hamlet only: no point at all
    assert (shown[anonymous]["lat"], shown[anonymous]["long"]) == (None, None)
    assert shown[anonymous]["address"] == "Xóm 1, Xã Giao Phong"
    # and neither names the citizen
    assert world["citizen_id"] not in json.dumps(shown)


def test_an_unpublished_request_by_id_shows_its_status_and_nothing_else(api, world):
    # Given a request posted through Open311 and a web report, neither published
    via_open311 = _post(api, world["key"])
    web = _web_report(api, world, SECRET_WEB, anonymous=False, n=1)

    for request_id, secret in ((via_open311, SECRET_O311), (web, SECRET_WEB)):
        for fmt in ("json", "xml"):
            # When anyone fetches it by its id (or lists it by id), with extensions
            response = _get(api, f"requests/{request_id}.{fmt}", extensions="true")
            by_list = _get(api, f"requests.{fmt}", service_request_id=request_id, extensions="true")

            # Then they learn that it is open, and nothing of what it says or where it is
            for body in (response.body.decode(), by_list.body.decode()):
                assert request_id in body and "open" in body, body
                assert secret not in body
                assert str(HOME_LAT) not in body and "Xóm 1" not in body and "Số 12" not in body
        (shown,) = json.loads(_get(api, f"requests/{request_id}.json", extensions="true").body)
        assert shown["status"] == "open"
        assert shown["status_notes"] == "Đã tiếp nhận, đang chờ phân công / Received, awaiting assignment"
        assert (shown["description"], shown["lat"], shown["long"], shown["address"]) == (None, None, None, None)
        assert shown["extended_attributes"] == {"sc_status": "received"}

    # When staff reject the Open311 one with a reason
    _act(api, world["office"], via_open311, "reject", reason=REJECTION)

    # Then the status shows it closed, and the reason stays with the staff and the reporter
    (shown,) = json.loads(_get(api, f"requests/{via_open311}.json").body)
    assert shown["status"] == "closed"
    assert REJECTION not in json.dumps(shown, ensure_ascii=False)


# ---------------------------------------------------------------- point 2: a stated phone is not an identity


def test_a_phone_sent_through_open311_never_reaches_an_account_nor_gets_a_text(api, services, settings, world):
    # Given a citizen with an account on +84912345678, and a key holder who posts with that number (and a
    # stranger's number nobody has proved)
    victim = _post(api, world["key"], phone="0912345678", first_name="Giả", last_name="Mạo")
    stranger = _post(api, world["key"], phone="0912 777 001", description="Đèn đường xóm 2 hỏng ba tuần nay rồi.")

    # When staff take both through status changes
    for request_id in (victim, stranger):
        _act(api, world["office"], request_id, "assign", unit="infrastructure")
        _act(api, world["office"], request_id, "reject", reason="Đã có phản ánh khác về việc này.")

    # Then neither item is in the citizen's own list, and no account was made for the stranger's number
    mine = _call(api, "GET", "/me/feedback", world["citizen"])
    assert victim not in [i["id"] for i in mine["items"]]
    assert services.get(citizen_repository).find_by_phone("giao-phong", "+84912777001") is None
    # and no status text went to either number
    assert [m for m in _status_sms(settings) if m["phone"] in {"+84912345678", "+84912777001"}] == []
    # and the item keeps the contact it was given, unverified; staff views never show the number in clear
    stored = services.get(feedback_repository).get("giao-phong", victim)
    assert stored is not None and stored.citizen_id is None
    assert stored.reporter_contact is not None
    assert (stored.reporter_contact.phone, stored.reporter_contact.verified) == ("+84912345678", False)
    staff_view = json.dumps(_call(api, "GET", f"/feedback/{victim}", world["office"]))
    assert "912345678" not in staff_view


# ---------------------------------------------------------------- point 13: Open311 items are audited


def test_an_item_made_through_open311_is_audited_with_its_key(api, services, world):
    # When a key holder posts a request (and retries it)
    request_id = _post(api, world["key"], phone="0912777001", email="mai@example.vn")
    assert _post(api, world["key"], phone="0912777001", email="mai@example.vn") == request_id

    # Then the commune's audit trail has one entry for it, naming the key (not the reporter)
    entries = [e for e in services.get(audit_repository).page("giao-phong").entries if e.target.endswith(request_id)]
    assert len(entries) == 1
    (entry,) = entries
    assert entry.action == "feedback.submit"
    assert entry.actor_id == f"open311:{world['key_id']}"
    assert entry.after is not None and entry.after["channel"] == "open311"
    text = entry.model_dump_json()
    assert "912777001" not in text and "mai@example.vn" not in text
