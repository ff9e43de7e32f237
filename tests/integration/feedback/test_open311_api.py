"""Open311 GeoReport v2 through the real app on moto: services, POST with an api_key into the staff inbox,
the workflow showing back as open/closed, filters, no personal data, and isolation between communes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from smartcommune.core.contracts import Role
from smartcommune.feedback.contracts.records import DEFAULT_FIELDS
from smartcommune.feedback.wiring import open311_key_repository
from tests.support.identities import ensure_demo_communes, staff_token

EVENTS = Path(__file__).resolve().parents[3] / "events" / "open311"
BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
PHONE = "0912 777 001"
PERSONAL = ("Nguyễn", "Thị Mai", "mai@example.vn", "912777001", "0912 777 001", "+84912777001")


@pytest.fixture
def keys(services) -> dict[str, str]:
    ensure_demo_communes(services)
    repository = services.get(open311_key_repository)
    return {
        "giao-phong": repository.create("giao-phong", "Bản đồ Giao Phong", "test")[0],
        "bach-long": repository.create("bach-long", "Bản đồ Bạch Long", "test")[0],
    }


def _event(name: str) -> dict[str, str]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def _post(api, params: dict[str, Any], fmt: str = "json", headers: dict[str, str] | None = None) -> Any:
    return api.http.post(f"{BASE}/requests.{fmt}", headers={**FORM, **(headers or {})}, body=urlencode(params))


def _get(api, path: str, **query: str) -> Any:
    return api.http.get(f"{BASE}/{path}" + (f"?{urlencode(query)}" if query else ""))


def _json(response: Any) -> Any:
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    return json.loads(response.body)


def _xml(response: Any) -> ET.Element:
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8", response.headers
    return ET.fromstring(response.body)  # noqa: S314 - our own API's answer


def _create(api, key: str, **overrides: str) -> str:
    params = {**_event("post_request.json"), "api_key": key, **overrides}
    response = _post(api, params)
    assert response.status_code == 201, response.body
    (created,) = _json(response)
    return str(created["service_request_id"])


def _inbox(api, token: str) -> list[dict[str, Any]]:
    response = api.http.get("/staff/feedback", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.body
    return json.loads(response.body)["items"]


def _act(api, token: str, feedback_id: str, action: str, **extra: Any) -> dict[str, Any]:
    current = api.http.get(f"/feedback/{feedback_id}", headers={"Authorization": f"Bearer {token}"})
    version = json.loads(current.body)["version"]
    response = api.http.post(
        f"/feedback/{feedback_id}/actions",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body=json.dumps({"action": action, "expected_version": version, **extra}),
    )
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def _assert_no_personal_data(body: bytes) -> None:
    text = body.decode()
    for secret in PERSONAL:
        assert secret not in text, secret
    for name in ("citizen_id", "reporter", "phone", "email", "first_name", "last_name"):
        assert name not in text, name


# ---------------------------------------------------------------- services


def test_services_in_json_and_xml(api, keys):
    # When a client lists Giao Phong's services in both formats
    as_json = _json(_get(api, "services.json", jurisdiction_id="giao-phong"))
    root = _xml(_get(api, "services.xml", jurisdiction_id="giao-phong"))

    # Then each feedback field is a service, with the same codes in both
    assert [s["service_code"] for s in as_json] == [f.code for f in DEFAULT_FIELDS]
    assert as_json[2]["service_name"] == "Đường giao thông"
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == [f.code for f in DEFAULT_FIELDS]
    assert root.find("service/service_name").text == "An ninh, trật tự"  # type: ignore[union-attr]
    assert [e.tag for e in root.find("service")] == [  # type: ignore[union-attr]
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]


def test_service_definition_in_both_formats(api, keys):
    definition = _json(_get(api, "services/roads.json", jurisdiction_id="giao-phong"))
    root = _xml(_get(api, "services/roads.xml", jurisdiction_id="giao-phong"))

    assert definition["service_code"] == "roads"
    assert root.tag == "service_definition"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == ["title", "hamlet"]


@pytest.mark.parametrize(
    ("path", "query", "code"),
    [
        ("services.json", {}, 400),
        ("services.json", {"jurisdiction_id": "ha-noi"}, 400),
        ("services/potholes.json", {"jurisdiction_id": "giao-phong"}, 404),
        ("requests/abc.json", {"jurisdiction_id": "giao-phong"}, 404),
        ("requests.json", {"jurisdiction_id": "giao-phong", "status": "pending"}, 400),
        ("requests/abc.html", {"jurisdiction_id": "giao-phong"}, 400),
    ],
)
def test_get_errors_use_the_spec_format(api, keys, path, query, code):
    response = _get(api, path, **query)

    assert response.status_code == code
    (error,) = _json(response)
    assert error["code"] == code
    assert " / " in error["description"]  # Vietnamese, then English


def test_xml_errors_use_the_spec_format(api, keys):
    root = _xml(_get(api, "services.xml"))

    assert root.tag == "errors"
    assert root.findtext("error/code") == "400"
    assert "jurisdiction_id" in (root.findtext("error/description") or "")


# ---------------------------------------------------------------- creating


def test_a_form_post_with_a_valid_key_reaches_the_staff_inbox(api, services, keys):
    # Given a citizen's request posted by a client app, form-encoded as the spec says
    params = {**_event("post_request.json"), "api_key": keys["giao-phong"]}

    # When it is posted (XML answer asked)
    response = _post(api, params, fmt="xml")

    # Then the answer is the spec's service_requests/request with the new id
    assert response.status_code == 201
    root = _xml(response)
    request_id = root.findtext("request/service_request_id")
    assert request_id
    assert [e.tag for e in root.find("request")] == [  # type: ignore[union-attr]
        "service_request_id",
        "service_notice",
        "account_id",
    ]
    # and GET requests/{id} shows it open (its details only once the commune publishes it)
    (shown,) = _json(_get(api, f"requests/{request_id}.json", jurisdiction_id="giao-phong"))
    assert shown["status"] == "open"
    assert shown["requested_datetime"] == "2026-11-29T08:00:00+07:00"
    assert shown["description"] is None
    # and the commune's office sees it in the staff inbox, from the open311 channel
    office = staff_token(services, Role.OFFICE)
    (item,) = [i for i in _inbox(api, office) if i["id"] == request_id]
    assert item["channel"] == "open311"
    assert item["status"] == "received"


def test_a_json_post_is_accepted_too(api, keys):
    params = {**_event("post_request.json"), "api_key": keys["giao-phong"]}

    response = api.http.post(
        f"{BASE}/requests.json", headers={"Content-Type": "application/json"}, body=json.dumps(params)
    )

    assert response.status_code == 201, response.body
    assert _json(response)[0]["service_request_id"]


def test_a_retried_post_creates_one_request(api, services, keys):
    params = {**_event("post_request.json"), "api_key": keys["giao-phong"]}

    first = _json(_post(api, params))[0]["service_request_id"]
    second = _json(_post(api, params))[0]["service_request_id"]

    assert first == second
    office = staff_token(services, Role.OFFICE)
    assert [i["id"] for i in _inbox(api, office)] == [first]


@pytest.mark.parametrize("key", [None, "", "sc311_not-a-key", "bach-long-key-in-giao-phong"])
def test_a_bad_or_missing_key_is_403_and_nothing_is_written(api, services, keys, key):
    params = {**_event("post_request.json"), "jurisdiction_id": "giao-phong"}
    if key == "bach-long-key-in-giao-phong":
        params["api_key"] = keys["bach-long"]
    elif key is not None:
        params["api_key"] = key

    response = _post(api, params)

    assert response.status_code == 403
    (error,) = _json(response)
    assert error["code"] == 403
    assert "api_key" in error["description"]
    assert _inbox(api, staff_token(services, Role.OFFICE)) == []
    assert _inbox(api, staff_token(services, Role.OFFICE, commune_id="bach-long")) == []


def test_a_revoked_key_is_403_in_xml(api, services, keys):
    repository = services.get(open311_key_repository)
    record = repository.verify(keys["giao-phong"])
    repository.revoke("giao-phong", record.key_id)

    response = _post(api, {**_event("post_request.json"), "api_key": keys["giao-phong"]}, fmt="xml")

    assert response.status_code == 403
    assert _xml(response).findtext("error/code") == "403"


@pytest.mark.parametrize(
    ("drop", "change", "mentions"),
    [
        ("service_code", {}, "service_code"),
        ("description", {}, "description"),
        (None, {"description": "x" * 4001}, "4000"),
        (None, {"lat": "48.85", "long": "2.35"}, "Vietnam"),
        (None, {"media_url": "http://example.com/a.jpg"}, "media_url"),
        (None, {"service_code": "potholes"}, "potholes"),
    ],
)
def test_bad_input_is_400_in_spec_format_and_nothing_is_written(api, services, keys, drop, change, mentions):
    params = {**_event("post_request.json"), "api_key": keys["giao-phong"], **change}
    if drop:
        params.pop(drop)

    response = _post(api, params)

    assert response.status_code in {400, 404}
    (error,) = _json(response)
    assert error["code"] == response.status_code
    assert mentions in error["description"]
    assert _inbox(api, staff_token(services, Role.OFFICE)) == []


# ---------------------------------------------------------------- the workflow shows back


def test_the_staff_workflow_shows_back_as_closed_with_notes(api, services, keys, clock):
    # Given a request posted through Open311
    request_id = _create(api, keys["giao-phong"])
    office = staff_token(services, Role.OFFICE)
    unit = staff_token(services, Role.INFRASTRUCTURE)

    # When staff take it through the workflow
    _act(api, office, request_id, "assign", unit="infrastructure")
    _act(api, unit, request_id, "start")
    (shown,) = _json(_get(api, f"requests/{request_id}.json", jurisdiction_id="giao-phong", extensions="true"))
    assert (shown["status"], shown["extended_attributes"]) == ("open", {"sc_status": "in_progress"})
    clock.advance(hours=3)
    _act(api, unit, request_id, "resolve", result="Đã vá ổ gà bằng bê tông nhựa.")
    _act(api, office, request_id, "approve")
    _act(api, office, request_id, "publish")

    # Then GET shows it closed with the result as notes, in both formats, and now its details
    (shown,) = _json(_get(api, f"requests/{request_id}.json", jurisdiction_id="giao-phong", extensions="true"))
    assert shown["status"] == "closed"
    assert shown["service_code"] == "roads"
    assert shown["description"] == _event("post_request.json")["description"]
    assert shown["extended_attributes"]["sc_tracking_code"].startswith("GP-")
    assert "Đã vá ổ gà bằng bê tông nhựa." in shown["status_notes"]
    assert shown["updated_datetime"] == "2026-11-29T11:00:00+07:00"
    assert shown["agency_responsible"] == "Xây dựng - Giao thông - Thủy lợi"
    root = _xml(_get(api, f"requests/{request_id}.xml", jurisdiction_id="giao-phong"))
    assert root.findtext("request/status") == "closed"


def test_a_rejection_shows_closed_and_keeps_its_reason_private(api, services, keys):
    request_id = _create(api, keys["giao-phong"])
    office = staff_token(services, Role.OFFICE)

    _act(api, office, request_id, "reject", reason="Không thuộc thẩm quyền của xã.")

    (shown,) = _json(_get(api, f"requests/{request_id}.json", jurisdiction_id="giao-phong"))
    assert shown["status"] == "closed"
    assert shown["status_notes"] == "Không tiếp nhận / Rejected"


# ---------------------------------------------------------------- filters, personal data, isolation


def _publish(api, services, request_id: str, unit: Role) -> None:
    office = staff_token(services, Role.OFFICE)
    handler = staff_token(services, unit)
    _act(api, office, request_id, "assign", unit=unit.value)
    _act(api, handler, request_id, "start")
    _act(api, handler, request_id, "resolve", result="Đã xử lý xong theo phản ánh.")
    _act(api, office, request_id, "approve")
    _act(api, office, request_id, "publish")


def test_get_requests_filters(api, services, keys, clock):
    # Given a published roads request, then two days later a published environment request and a rejected one
    roads = _create(api, keys["giao-phong"])
    _publish(api, services, roads, Role.INFRASTRUCTURE)
    clock.advance(days=2)
    waste = _create(
        api, keys["giao-phong"], service_code="environment", description="Rác thải đổ trộm ven kênh xóm Đông."
    )
    _publish(api, services, waste, Role.ENVIRONMENT)
    rejected = _create(api, keys["giao-phong"], description="Hàng xóm để xe máy chắn lối đi chung.")
    _act(api, staff_token(services, Role.OFFICE), rejected, "reject", reason="Đã có phản ánh trước đó.")

    def ids(**query: str) -> list[str]:
        return sorted(r["service_request_id"] for r in _json(_get(api, "requests.json", **query)))

    gp = {"jurisdiction_id": "giao-phong"}
    assert ids(**gp) == sorted([roads, waste])
    assert ids(**gp, service_code="roads") == [roads]
    assert ids(**gp, status="open") == []
    assert ids(**gp, status="closed") == sorted([roads, waste])
    assert ids(**gp, start_date="2026-11-30T00:00:00+07:00") == [waste]
    assert ids(**gp, end_date="2026-11-30T00:00:00+07:00") == [roads]
    assert ids(**gp, start_date="2026-11-01", end_date="2026-11-29T08:30:00+07:00") == [roads]
    assert ids(**gp, service_request_id=f"{roads},{rejected}", status="open") == sorted([roads, rejected])
    root = _xml(_get(api, "requests.xml", **gp, service_code="environment"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [waste]


def test_no_personal_data_in_any_get(api, services, keys):
    # Given a request posted with the reporter's name, e-mail and phone
    request_id = _create(
        api, keys["giao-phong"], first_name="Thị Mai", last_name="Nguyễn", email="mai@example.vn", phone=PHONE
    )

    # Then no GET, in either format, with or without extensions, shows any of it
    for fmt in ("json", "xml"):
        for extra in ({}, {"extensions": "true"}):
            _assert_no_personal_data(_get(api, f"requests.{fmt}", jurisdiction_id="giao-phong", **extra).body)
            _assert_no_personal_data(
                _get(api, f"requests/{request_id}.{fmt}", jurisdiction_id="giao-phong", **extra).body
            )


def test_jurisdictions_are_isolated(api, services, keys):
    # Given a request in Giao Phong
    request_id = _create(api, keys["giao-phong"])

    # Then a Giao Phong key cannot create in Bạch Long
    response = _post(
        api, {**_event("post_request.json"), "api_key": keys["giao-phong"], "jurisdiction_id": "bach-long"}
    )
    assert response.status_code == 403
    assert _inbox(api, staff_token(services, Role.OFFICE, commune_id="bach-long")) == []
    # and Bạch Long's GETs do not show Giao Phong's request
    assert _json(_get(api, "requests.json", jurisdiction_id="bach-long")) == []
    assert _get(api, f"requests/{request_id}.json", jurisdiction_id="bach-long").status_code == 404
    ids = _json(_get(api, "requests.json", jurisdiction_id="bach-long", service_request_id=request_id))
    assert ids == []
    # while a Bạch Long key creates in Bạch Long
    other = _create(api, keys["bach-long"], jurisdiction_id="bach-long")
    listed = _json(_get(api, "requests.json", jurisdiction_id="bach-long", service_request_id=other))
    assert [r["service_request_id"] for r in listed] == [other]
