"""What a province reads from and asks of its communes through the signed API: scorecards, reports (the signed
JWS), indicator series, ad hoc report requests (idempotent), and the rollup — only for its own province."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from smartcommune.communes.contracts import Commune, Hamlet
from smartcommune.communes.wiring import commune_repository
from smartcommune.core.contracts import Role
from smartcommune.province.contracts import NewProvinceClient
from smartcommune.province.wiring import province_clients
from smartcommune.reporting.wiring import reports
from tests.support.fixtures import Clock
from tests.support.identities import auth, ensure_demo_communes, staff_token
from tests.support.province import sign

THAI_BINH = Commune(
    id="vu-thu",
    name="Xã Vũ Thư",
    district="Huyện Vũ Thư",
    province_id="thai-binh",
    province="Tỉnh Thái Bình",
    hamlets=[Hamlet(id="thon-1", name="Thôn 1")],
)
GP = "/province/v1/communes/giao-phong"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))  # the signers sign at the wall clock's time


@pytest.fixture
def keys(services, clock) -> dict[str, tuple[str, str]]:
    ensure_demo_communes(services)
    services.get(commune_repository).put(THAI_BINH)
    made = {}
    for province in ("nam-dinh", "thai-binh"):
        issued = services.get(province_clients).create(NewProvinceClient(province_id=province), "test")
        made[province] = (issued.client.access_key_id, issued.secret_access_key)
    made["clock"] = clock  # type: ignore[assignment]
    return made


def call(api, keys, method: str, path: str, province: str = "nam-dinh", **kwargs):
    """Signed at the API's clock, which then moves a second on: a retry is a fresh signature, as in real life
    (the very same request signed twice within one second is the same signature, and a replay)."""
    key, secret = keys[province]
    clock = keys["clock"]
    signed = sign(method, path, key, secret, at=clock(), **kwargs)
    clock.advance(seconds=1)
    return signed.send(api)


def error_of(response) -> dict:
    return json.loads(response.body)["error"]


def send_a_report(api, services) -> str:
    """The office prepares last month's report, the chairman approves and sends it; its id."""
    office, admin = staff_token(services, Role.OFFICE), staff_token(services, Role.ADMIN)

    def ok(method: str, path: str, token: str, body: dict) -> dict:
        response = api.http.request(method, path, headers=auth(token), body=json.dumps(body))
        assert 200 <= response.status_code < 300, response.body
        return json.loads(response.body)

    report = ok("POST", "/reports", office, {"period": "2026-11"})
    values = [
        {"code": line["code"], "value": 1 if line["unit"] == "dat" else 90, "evidence": "QĐ 12/QĐ-UBND ngày 02/11"}
        for line in report["lines"]
        if line["value"] is None
    ]
    ok("PUT", f"/reports/{report['id']}/values", office, {"values": values})
    ok("POST", f"/reports/{report['id']}/submit", office, {})
    ok("POST", f"/reports/{report['id']}/approve", admin, {"note": "Đồng ý"})
    ok("POST", f"/reports/{report['id']}/send", admin, {})
    return str(report["id"])


def test_a_province_reads_giao_phongs_scorecard_and_another_province_cannot(api, keys):
    # When Nam Định's client asks for Giao Phong's scorecard
    response = call(api, keys, "GET", f"{GP}/scorecard")
    # Then it gets the criteria with their targets and values
    assert response.status_code == 200, response.body
    card = json.loads(response.body)
    assert card["commune_id"] == "giao-phong"
    assert card["total"] == len(card["criteria"]) > 10
    # And Thái Bình's client is refused, in the same words as for a commune that does not exist
    elsewhere = call(api, keys, "GET", f"{GP}/scorecard", province="thai-binh")
    nowhere = call(api, keys, "GET", "/province/v1/communes/xa-khong-co/scorecard", province="thai-binh")
    assert elsewhere.status_code == nowhere.status_code == 403
    assert error_of(elsewhere) == error_of(nowhere)
    assert error_of(elsewhere)["message"].startswith("Xã này không thuộc phạm vi")
    # while Thái Bình's client reads its own commune
    assert call(api, keys, "GET", "/province/v1/communes/vu-thu/scorecard", province="thai-binh").status_code == 200
    # And without a signature nobody learns anything, not even that the commune is refused
    unsigned = api.http.get(f"{GP}/scorecard")
    assert unsigned.status_code == 401


def test_a_province_reads_a_sent_report_as_its_signed_jws(api, services, keys):
    report_id = send_a_report(api, services)
    # The province lists Giao Phong's reports and finds the sent one
    listed = call(api, keys, "GET", f"{GP}/reports?status=sent")
    assert listed.status_code == 200, listed.body
    assert [r["id"] for r in json.loads(listed.body)["reports"]] == [report_id]
    # and downloads its JWS, which verifies against the platform's published keys
    response = call(api, keys, "GET", f"{GP}/reports/{report_id}")
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"].startswith("application/jose")
    jws = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert jws.count(".") == 2
    assert services.get(reports).verify(jws).valid
    # Thái Bình's client cannot read it
    assert call(api, keys, "GET", f"{GP}/reports/{report_id}", province="thai-binh").status_code == 403


def test_an_indicator_series_by_month_range(api, keys):
    response = call(api, keys, "GET", f"{GP}/indicators/1.2?from=2026-06&to=2026-11")
    assert response.status_code == 200, response.body
    series = json.loads(response.body)
    assert series["commune_id"] == "giao-phong"
    assert series["code"] == "1.2"
    assert all("2026-06" <= v["period"] <= "2026-11" for v in series["values"])
    backwards = call(api, keys, "GET", f"{GP}/indicators/1.2?from=2026-11&to=2026-06")
    assert backwards.status_code == 422


def test_an_ad_hoc_report_request_is_idempotent(api, services, keys):
    body = {"codes": ["1.2", "4.1"], "period": "2026-11", "due_date": "2026-12-20", "note": "Phục vụ hội nghị"}
    headers = {"Idempotency-Key": "req-2026-12-001"}
    first = call(api, keys, "POST", f"{GP}/report-requests", body=body, headers=headers)
    assert first.status_code == 201, first.body
    report = json.loads(first.body)
    assert report["status"] == "draft"
    assert report["due_date"] == "2026-12-20"
    assert [line["code"] for line in report["lines"]] == ["1.2", "4.1"]
    # A retry (freshly signed, same key, same request) gets the same report, not a second one
    again = call(api, keys, "POST", f"{GP}/report-requests", body=body, headers=headers)
    assert again.status_code == 201
    assert json.loads(again.body)["id"] == report["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    # The same key for another request is a conflict; no key at all is refused
    other = call(api, keys, "POST", f"{GP}/report-requests", body={**body, "period": "2026-10"}, headers=headers)
    assert other.status_code == 409
    assert call(api, keys, "POST", f"{GP}/report-requests", body=body).status_code == 422
    # The commune's office sees one request from the province, with its due date
    office = staff_token(services, Role.OFFICE)
    listed = json.loads(api.http.get("/reports?status=draft", headers=auth(office)).body)["reports"]
    assert [r["id"] for r in listed if r["id"].startswith("adhoc-")] == [report["id"]]


def test_the_rollup_has_every_commune_of_the_province(api, keys):
    response = call(api, keys, "GET", "/province/v1/scorecards")
    assert response.status_code == 200, response.body
    rollup = json.loads(response.body)
    assert rollup["province_id"] == "nam-dinh"
    assert [(c["commune_id"], c["status"]) for c in rollup["communes"]] == [("bach-long", "ok"), ("giao-phong", "ok")]
    assert all(c["scorecard"]["total"] > 10 for c in rollup["communes"])
    assert call(api, keys, "GET", "/province/v1/scorecards?month=2099-01").status_code == 422
