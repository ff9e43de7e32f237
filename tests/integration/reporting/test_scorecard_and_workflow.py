"""The scorecard (every criterion of the plan, computed or entered with evidence, month by month) and the report
workflow: draft → submitted → approved → sent by the right people, locked once sent, corrected as a new version."""

from __future__ import annotations

from smartcommune.audit.wiring import audit_verifier
from smartcommune.core.contracts import Role
from smartcommune.reporting.contracts import ReportRequest
from smartcommune.reporting.logic.catalog import IndicatorCatalog
from smartcommune.reporting.wiring import reports, scorecards
from tests.support.identities import staff_token


def test_scorecard_lists_every_criterion_of_the_plan_with_target_and_where_its_value_comes_from(world):
    # Given a loudspeaker bulletin delivered this month (the broadcast capability's own counters)
    from smartcommune.broadcast.wiring import broadcast_stats

    world.services.get(broadcast_stats).record(
        commune_id="giao-phong",
        bulletin_id="b-1",
        command_id="c-1",
        day="2026-11-20",
        rows=[("spk-1", "cl-1", "finished")],
        duration_s=60,
    )
    # When the office reads November's scorecard
    card = world.ok("GET", "/reporting/scorecard", world.office)
    # Then every criterion of the seed's table is there, in the plan's order, with its target
    codes = [c["code"] for c in card["criteria"]]
    assert codes == [i.code for i in IndicatorCatalog().criteria()]
    assert codes[:4] == ["1.1", "1.2", "1.3", "2.1"] and codes[-2:] == ["18.1", "18.2"] and card["total"] == 31
    by_code = {c["code"]: c for c in card["criteria"]}
    assert by_code["3.1"]["target_text"] == "100%" and by_code["4.1"]["target_value"] == 85
    # 1.3 is computed from the delivery; 4.1 has no value until staff enter it
    assert by_code["1.3"]["source"] == "computed" and by_code["1.3"]["met"] is True
    assert "1 bản tin" in by_code["1.3"]["source_detail_vi"]
    assert by_code["4.1"]["source"] == "missing" and by_code["4.1"]["met"] is None
    # When the infrastructure figure is entered with its evidence, it shows as entered, met against 85%
    entered = {"code": "4.1", "period": "2026-11", "value": 87, "evidence": "Văn bản VNPT số 118/VNPT-ND"}
    world.ok("POST", "/reporting/values", world.office, entered)
    again = {c["code"]: c for c in world.ok("GET", "/reporting/scorecard", world.office)["criteria"]}
    assert again["4.1"]["value"] == 87 and again["4.1"]["met"] is True and again["4.1"]["source"] == "entered"
    assert again["4.1"]["evidence"] == "Văn bản VNPT số 118/VNPT-ND"


def test_entered_values_are_checked_against_range_kind_and_last_period(world):
    def enter(body):
        return world.call("POST", "/reporting/values", world.office, body)

    base = {"code": "4.1", "evidence": "Văn bản nhà mạng"}
    status, answer = enter({**base, "period": "2026-10", "value": 120})
    assert status == 422 and "không được lớn hơn 100" in answer["error"]["details"][0]["message"]
    assert enter({**base, "period": "2026-10", "value": 60})[0] == 201
    # A jump of 30 points since October needs an explanation
    status, answer = enter({**base, "period": "2026-11", "value": 90})
    assert status == 422 and "giải thích" in answer["error"]["details"][0]["message"]
    assert enter({**base, "period": "2026-11", "value": 90, "explanation": "Thêm trạm BTS xóm Tây Sơn"})[0] == 201
    # Met/not met takes 1 or 0; no evidence, no entry; a health clerk may enter 9.2 but not 4.1
    assert enter({"code": "9.2", "period": "2026-11", "value": 2, "evidence": "Danh mục thiết bị"})[0] == 422
    assert enter({"code": "9.2", "period": "2026-11", "value": 1})[0] == 422
    health = {"code": "9.2", "period": "2026-11", "value": 1, "evidence": "Danh mục thiết bị"}
    assert world.call("POST", "/reporting/values", world.health, health)[0] == 201
    assert world.call("POST", "/reporting/values", world.health, {**base, "period": "2026-12", "value": 90})[0] == 403
    series = world.ok("GET", "/reporting/values/4.1?from=2026-01&to=2026-12", world.office)["values"]
    assert [(v["period"], v["value"]) for v in series] == [("2026-10", 60), ("2026-11", 90)]


def test_history_keeps_each_month_as_it_stood(world):
    scores = world.services.get(scorecards)
    world.ok("POST", "/reporting/values", world.office, {"code": "5.1", "period": "2026-11", "value": 80,
                                                          "evidence": "Điều tra hộ"})  # fmt: skip
    scores.scorecard("giao-phong")  # November's snapshot
    world.clock.advance(days=5)  # December (Vietnam time): sign in again
    world.office = staff_token(world.services, Role.OFFICE)
    world.ok("POST", "/reporting/values", world.office, {"code": "5.1", "period": "2026-12", "value": 92,
                                                          "evidence": "Điều tra hộ bổ sung"})  # fmt: skip
    history = world.ok("GET", "/reporting/scorecard/5.1/history?months=3", world.office)["scores"]
    assert [(h["value"], h["met"]) for h in history] == [(80, False), (92, True)]
    november = world.ok("GET", "/reporting/scorecard?month=2026-11", world.office)
    assert next(c for c in november["criteria"] if c["code"] == "5.1")["value"] == 80


def test_workflow_roles_lock_and_correction(world):
    report = world.open()
    assert report["status"] == "draft" and report["id"] == "monthly-2026-11" and len(report["lines"]) == 31
    status, answer = world.call("POST", "/reports", world.office, {"period": "2026-11"})
    assert status == 409 and "monthly-2026-11" in answer["error"]["message"]
    # Submitting with indicators still empty is refused, naming them
    status, answer = world.call("POST", f"/reports/{report['id']}/submit", world.office, {})
    assert status == 409 and "4.1" in answer["error"]["message"]
    report = world.fill_missing(report)
    assert all(line["value"] is not None for line in report["lines"])
    world.ok("POST", f"/reports/{report['id']}/submit", world.office, {})
    # The office cannot approve or send; the chairman can
    assert world.call("POST", f"/reports/{report['id']}/approve", world.office, {})[0] == 403
    world.ok("POST", f"/reports/{report['id']}/approve", world.admin, {})
    sent = world.ok("POST", f"/reports/{report['id']}/send", world.admin, {})
    assert sent["status"] == "sent" and sent["document_sha256"] and [s["status"] for s in sent["steps"]] == [
        "draft", "submitted", "approved", "sent"]  # fmt: skip
    # Locked: no more entry, no second send
    fill = {"values": [{"code": "4.1", "value": 88, "evidence": "x y z"}]}
    status, answer = world.call("PUT", f"/reports/{report['id']}/values", world.office, fill)
    assert status == 409 and "đính chính" in answer["error"]["message"]
    assert world.call("POST", f"/reports/{report['id']}/send", world.admin, {})[0] == 409
    # A correction is version 2 with its reason; the province still holds version 1's signed copy
    short = world.call("POST", f"/reports/{report['id']}/corrections", world.office, {"reason": "sai"})
    assert short[0] == 422
    fixed = world.ok("POST", f"/reports/{report['id']}/corrections", world.office, {"reason": "Sai số hộ có Internet"})
    assert (fixed["version"], fixed["status"], fixed["correction_of"]) == (2, "draft", 1)
    assert fixed["correction_reason"] == "Sai số hộ có Internet"
    service = world.services.get(reports)
    assert service.sent_version("giao-phong", report["id"]).version == 1
    assert service.verify(service.signed_jws("giao-phong", report["id"])).version == 1
    listed = world.ok("GET", "/reports", world.office)["reports"]
    assert [(r["id"], r["version"], r["status"]) for r in listed] == [(report["id"], 2, "draft")]
    assert world.ok("GET", "/reports?status=draft", world.office)["reports"][0]["version"] == 2
    # Every step is on the commune's audit chain, which still verifies
    assert world.services.get(audit_verifier).verify("giao-phong").ok


def test_an_ad_hoc_report_from_the_province_arrives_as_a_draft_with_its_due_date(world):
    from datetime import date

    service = world.services.get(reports)
    request = ReportRequest(codes=["4.1", "T01"], period="2026", due_date=date(2026, 12, 15), note="Phục vụ tổng kết")
    made = service.request_report("giao-phong", request, requested_by="so-nn-nam-dinh")
    assert made.period_type == "adhoc" and made.status == "draft" and made.due_date == date(2026, 12, 15)
    assert [line.code for line in made.lines] == ["4.1", "T01"] and made.requested_by == "so-nn-nam-dinh"
    shown = world.ok("GET", f"/reports/{made.id}", world.office)
    assert shown["due_date"] == "2026-12-15" and shown["steps"][0]["by"] == "province:so-nn-nam-dinh"


def test_criterion_9_1_is_computed_from_the_health_stations_records(world):
    # Given two patients with a record at the health station (telehealth's own records)
    from datetime import UTC, datetime

    from smartcommune.communes.wiring import commune_repository
    from smartcommune.telehealth.contracts import RecordEntry
    from smartcommune.telehealth.wiring import record_repository

    for patient in ("p-1", "p-2"):
        entry = RecordEntry(id=f"e-{patient}", patient_id=patient, kind="note", at=datetime(2026, 11, 20, tzinfo=UTC),
                            author_id="s-1", author_role="health", text="Khám định kỳ")  # fmt: skip
        world.services.get(record_repository).add("giao-phong", entry, None)
    population = world.services.get(commune_repository).get("giao-phong").population
    # When the scorecard is read, 9.1 is the share of the commune's population with a record
    card = {c["code"]: c for c in world.ok("GET", "/reporting/scorecard", world.office)["criteria"]}
    assert card["9.1"]["source"] == "computed" and card["9.1"]["met"] is False
    assert card["9.1"]["value"] == round(2 / population * 100, 1)
    assert f"2/{population}" in card["9.1"]["source_detail_vi"]
