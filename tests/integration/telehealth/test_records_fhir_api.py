"""Records (audited staff reads, refusals), remote consultation with chat and pharmacies, criterion 9.1, and the
FHIR R4 API (validated with ``fhir.resources`` and with HL7's R4 JSON schema) through the real app on moto."""

from __future__ import annotations

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient

from smartcommune.audit.wiring import audit_repository
from tests.integration.telehealth.helpers import call

REMOTE = "202611301530.bs-lan.remote"


def test_a_staff_read_of_a_record_is_in_the_audit_and_others_are_refused(api, people, services):
    entry = {"kind": "visit", "text": "Huyết áp 150/95", "diagnoses": [{"code": "I10"}]}
    status, added, _ = call(api, "POST", f"/health/records/{people.citizen_id}/entries", people.nurse, entry)
    assert status == 201 and added["diagnoses"][0]["text"] == "Tăng huyết áp vô căn (nguyên phát)"
    wrong = {"kind": "diagnosis", "diagnoses": [{"code": "I1O"}]}
    status, error, _ = call(api, "POST", f"/health/records/{people.citizen_id}/entries", people.nurse, wrong)
    assert status == 422 and error["error"]["details"][0]["field"] == "diagnoses.0.code"

    status, record, _ = call(api, "GET", f"/health/records/{people.citizen_id}", people.nurse)
    assert status == 200 and [e["kind"] for e in record["entries"]] == ["visit"]
    entries = services.get(audit_repository).page("giao-phong").entries
    reads = [e for e in entries if e.action == "health_record.read"]
    assert len(reads) == 1 and reads[0].target == f"patient/{people.citizen_id}" and reads[0].actor_role == "health"

    assert call(api, "GET", f"/health/records/{people.citizen_id}", people.citizen)[0] == 200  # the patient
    assert call(api, "GET", f"/health/records/{people.citizen_id}", people.other)[0] == 403  # another citizen
    assert call(api, "GET", f"/health/records/{people.citizen_id}", people.police)[0] == 403  # a non-health role
    assert call(api, "GET", f"/health/records/{people.citizen_id}")[0] == 401
    after = services.get(audit_repository).page("giao-phong").entries
    assert len([e for e in after if e.action == "health_record.read"]) == 1  # the patient's own read is no audit


def test_a_child_booked_by_the_guardian_and_read_by_them(api, people):
    status, child, _ = call(
        api,
        "POST",
        "/me/health/members",
        people.citizen,
        {"full_name": "Bé Na", "birth_date": "2023-04-02", "relation": "child"},
    )
    assert status == 201
    body = {"slot_id": "202611300730.hs-thu.maternal-child", "member_id": child["id"]}
    status, booking, _ = call(api, "POST", "/me/health/bookings", people.citizen, body)
    assert status == 201 and booking["patient_id"] == child["id"]
    assert call(api, "POST", "/me/health/bookings", people.citizen, body)[0] == 409  # one place per patient per slot
    assert call(api, "POST", "/me/health/bookings", people.other, body)[0] == 403
    vaccination = {"kind": "vaccination", "vaccination": {"vaccine": "Sởi - Rubella", "dose_number": 1}}
    assert call(api, "POST", f"/health/records/{child['id']}/entries", people.nurse, vaccination)[0] == 201
    status, record, _ = call(api, "GET", f"/health/records/{child['id']}", people.citizen)
    assert status == 200 and record["guardian_id"] == people.citizen_id
    assert call(api, "GET", f"/health/records/{child['id']}", people.other)[0] == 403


def test_remote_consultation_link_chat_notes_prescription_and_pharmacies(api, people, clock):
    status, booking, _ = call(api, "POST", "/me/health/bookings", people.citizen, {"slot_id": REMOTE})
    assert status == 201 and booking["mode"] == "remote"
    assert booking["meeting_url"].startswith(f"/citizen/#/kham-benh/tu-xa/{booking['id']}/")
    assert call(api, "GET", "/me/health/pharmacies", people.citizen)[1] == {"prescription": False, "items": []}
    path = f"/health/bookings/{booking['id']}/messages"
    assert call(api, "POST", path, people.citizen, {"text": "Chào bác sĩ, con tôi ho 3 ngày"})[0] == 201
    clock.advance(seconds=40)
    assert call(api, "POST", path, people.nurse, {"text": "Cháu có sốt không?"})[0] == 201
    assert call(api, "POST", path, people.other, {"text": "xin chào"})[0] == 404
    clock.advance(minutes=20)
    _, chat, _ = call(api, "GET", path, people.citizen)
    assert [m["text"] for m in chat["items"]] == ["Chào bác sĩ, con tôi ho 3 ngày", "Cháu có sốt không?"]
    notes = {
        "kind": "consultation",
        "appointment_id": booking["id"],
        "text": "Viêm họng cấp, theo dõi tại nhà",
        "diagnoses": [{"code": "J02"}],
        "prescription": [{"drug": "Paracetamol 500mg", "dose": "1 viên khi sốt trên 38,5 độ", "days": 3}],
    }
    assert call(api, "POST", f"/health/records/{people.citizen_id}/entries", people.nurse, notes)[0] == 201
    status, pharmacies, _ = call(api, "GET", "/me/health/pharmacies?lat=20.2641&lon=106.4762", people.citizen)
    assert status == 200 and pharmacies["prescription"] is True
    assert pharmacies["items"][0]["id"] == "qt-so-7" and pharmacies["items"][0]["distance_km"] == 0
    _, record, _ = call(api, "GET", f"/health/records/{people.citizen_id}", people.citizen)
    assert [e["kind"] for e in record["entries"]] == ["chat", "chat", "consultation"]


def test_criterion_9_1_from_the_records_and_the_register(api, people):
    call(
        api, "POST", f"/health/records/{people.citizen_id}/entries", people.nurse, {"kind": "note", "text": "Lập hồ sơ"}
    )
    call(
        api, "POST", f"/health/records/{people.citizen_id}/entries", people.nurse, {"kind": "note", "text": "Tái khám"}
    )
    status, result, _ = call(api, "GET", "/health/criteria/9.1", people.admin)
    assert status == 200 and result["with_record"] == 1 and result["population"] == 6835
    assert result["registered_citizens"] == 2 and result["share"] == round(1 / 6835, 4)
    assert call(api, "GET", "/health/criteria/9.1", people.police)[0] == 403


def test_fhir_free_slots_are_public_appointments_and_patients_need_a_sign_in(api, people):
    status, bundle, headers = call(api, "GET", "/fhir/r4/Slot?status=free&commune=giao-phong&start=2026-11-30&_days=1")
    assert status == 200 and headers["Content-Type"].startswith("application/fhir+json")
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "searchset" and parsed.total == len(parsed.entry) > 0
    assert {e.resource.status for e in parsed.entry} == {"free"}
    assert call(api, "GET", "/fhir/r4/Slot?status=free")[0] == 422  # anonymous: which commune?
    assert call(api, "GET", "/fhir/r4/Slot?status=free", people.citizen)[0] == 200  # signed in: their own
    for kind in ("Schedule", "Practitioner"):
        status, found, _ = call(api, "GET", f"/fhir/r4/{kind}?commune=giao-phong")
        assert status == 200 and Bundle.model_validate(found).total == 4

    _, booking, _ = call(api, "POST", "/me/health/bookings", people.citizen, {"slot_id": REMOTE})
    assert call(api, "GET", "/fhir/r4/Appointment")[0] == 401
    status, mine, headers = call(api, "GET", "/fhir/r4/Appointment", people.citizen)
    assert status == 200 and headers["Content-Type"].startswith("application/fhir+json")
    [entry] = Bundle.model_validate(mine).entry
    appointment = Appointment.model_validate(entry.resource.model_dump())
    assert appointment.id == booking["id"] and appointment.status == "booked"
    assert call(api, "GET", f"/fhir/r4/Appointment/{booking['id']}", people.other)[0] == 404
    _, day, _ = call(api, "GET", "/fhir/r4/Appointment?date=2026-11-30", people.nurse)
    assert Bundle.model_validate(day).total == 1
    _, busy, _ = call(api, "GET", "/fhir/r4/Slot?status=busy&commune=giao-phong&start=2026-11-30&_days=1")
    assert [e["resource"]["id"] for e in busy["entry"]] == [REMOTE]

    status, patient, _ = call(api, "GET", f"/fhir/r4/Patient/{people.citizen_id}", people.citizen)
    assert status == 200 and Patient.model_validate(patient).id == people.citizen_id
    assert call(api, "GET", f"/fhir/r4/Patient/{people.citizen_id}", people.other)[0] == 403
    assert call(api, "GET", f"/fhir/r4/Patient/{people.citizen_id}", people.police)[0] == 403


def test_every_fhir_answer_is_valid_against_hl7s_r4_json_schema(api, people):
    from tests.support.fhir_r4 import r4_errors

    _, booking, _ = call(api, "POST", "/me/health/bookings", people.citizen, {"slot_id": REMOTE})
    answers = [
        call(api, "GET", "/fhir/r4/Slot?status=free&commune=giao-phong&start=2026-11-30&_days=1")[1],
        call(api, "GET", "/fhir/r4/Slot?status=busy&commune=giao-phong&start=2026-11-30&_days=1")[1],
        call(api, "GET", "/fhir/r4/Schedule?commune=giao-phong")[1],
        call(api, "GET", "/fhir/r4/Practitioner?commune=giao-phong")[1],
        call(api, "GET", "/fhir/r4/Appointment", people.citizen)[1],
        call(api, "GET", f"/fhir/r4/Appointment/{booking['id']}", people.citizen)[1],
        call(api, "GET", "/fhir/r4/Appointment?date=2026-11-30", people.nurse)[1],
        call(api, "GET", f"/fhir/r4/Patient/{people.citizen_id}", people.citizen)[1],
    ]
    kinds = {a["resourceType"] for a in answers} | {
        e["resource"]["resourceType"] for a in answers for e in a.get("entry", [])
    }
    assert kinds == {"Bundle", "Slot", "Schedule", "Practitioner", "Appointment", "Patient"}
    for answer in answers:
        assert r4_errors(answer) == [], answer["resourceType"]
    # And the schema is no rubber stamp: a status R4 does not know, or a misspelt field, is caught
    wrong = dict(answers[5], status="waiting")
    assert any("status" in e for e in r4_errors(wrong))
    assert r4_errors(dict(answers[7], birthdate="2000-01-01"))
