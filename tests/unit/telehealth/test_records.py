"""Patient records: ICD-10 checks, who may read (and the audit of staff reads), chat, pharmacies, criterion 9.1."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from smartcommune.citizens.contracts import Citizen
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ForbiddenError, InvalidInputError, NotFoundError
from smartcommune.telehealth.contracts import NewBooking, NewEntry, NewMember
from smartcommune.telehealth.logic.records import check_icd10
from tests.unit.telehealth.fakes import Station, principal

DOCTOR = principal("doctor-1", Role.HEALTH)


def citizen(station: Station, phone: str) -> Citizen:
    now = station.clock()
    return station.citizens.create(
        Citizen(
            id=uuid.uuid4().hex,
            commune_id="giao-phong",
            phone=phone,
            full_name="Lê Thị Hoa",
            birth_date=date(1961, 5, 1),
            created_at=now,
            updated_at=now,
            created_by="test",
        )
    )


@pytest.fixture
def station() -> Station:
    return Station()


def test_icd10_codes_are_checked_by_form_and_against_the_shipped_list():
    assert check_icd10("i10") == "I10"
    assert check_icd10("E11.9") == "E11.9"
    assert check_icd10("J45.0") == "J45.0"  # a subcode of a listed category
    with pytest.raises(ValueError):
        check_icd10("110")
    with pytest.raises(ValueError):
        check_icd10("U07.1")  # U is reserved, not a chapter letter
    with pytest.raises(LookupError):
        check_icd10("C34")  # well formed, not in the station's list


def test_staff_write_diagnoses_and_a_prescription_and_a_wrong_code_is_named(station):
    hoa = citizen(station, "+84912100001")
    entry = station.records.add(
        DOCTOR,
        hoa.id,
        NewEntry(
            kind="visit",
            text="Huyết áp 150/95",
            diagnoses=[{"code": "i10"}],
            prescription=[{"drug": "Amlodipin 5mg", "dose": "1 viên sáng", "days": 30}],
        ),
    )
    assert entry.diagnoses[0].code == "I10" and entry.diagnoses[0].text == "Tăng huyết áp vô căn (nguyên phát)"
    assert station.audit.records[-1][1].action == "health_record.add"
    with pytest.raises(InvalidInputError) as refused:
        station.records.add(DOCTOR, hoa.id, NewEntry(kind="diagnosis", diagnoses=[{"code": "I10"}, {"code": "X"}]))
    assert [p.field for p in refused.value.details] == ["diagnoses.1.code"]


def test_the_patient_reads_their_record_staff_reads_are_audited_others_are_refused(station):
    hoa, other = citizen(station, "+84912100011"), citizen(station, "+84912100012")
    station.records.add(DOCTOR, hoa.id, NewEntry(kind="note", text="Khám định kỳ"))
    before = len(station.audit.records)
    own = station.records.read(principal(hoa.id, Role.CITIZEN), hoa.id)
    assert [e.text for e in own.entries] == ["Khám định kỳ"]
    assert len(station.audit.records) == before  # the patient's own read is not a staff access
    station.records.read(DOCTOR, hoa.id, "req-1")
    commune, record = station.audit.records[-1]
    assert (commune, record.action, record.target, record.actor_id) == (
        "giao-phong",
        "health_record.read",
        f"patient/{hoa.id}",
        "doctor-1",
    )
    with pytest.raises(ForbiddenError):
        station.records.read(principal(other.id, Role.CITIZEN), hoa.id)
    with pytest.raises(ForbiddenError):  # a staff member of another department
        station.records.read(principal("police-1", Role.POLICE), hoa.id)
    with pytest.raises(NotFoundError):
        station.records.read(DOCTOR, "0" * 32)


def test_a_guardian_reads_the_childs_record(station):
    mother, other = citizen(station, "+84912100021"), citizen(station, "+84912100022")
    child = station.bookings.add_member(
        principal(mother.id, Role.CITIZEN), NewMember(full_name="Bé Bơ", birth_date=date(2024, 1, 9), relation="child")
    )
    station.records.add(
        DOCTOR, child.id, NewEntry(kind="vaccination", vaccination={"vaccine": "Sởi - Rubella", "dose_number": 1})
    )
    record = station.records.read(principal(mother.id, Role.CITIZEN), child.id)
    assert record.guardian_id == mother.id and record.entries[0].vaccination.vaccine == "Sởi - Rubella"
    with pytest.raises(ForbiddenError):
        station.records.read(principal(other.id, Role.CITIZEN), child.id)


def test_chat_of_a_remote_booking_is_kept_with_the_record(station):
    hoa = citizen(station, "+84912100031")
    me = principal(hoa.id, Role.CITIZEN)
    booking = station.bookings.book(me, NewBooking(slot_id="202612011530.bs-lan.remote"))
    assert booking.mode == "remote" and booking.meeting_url and booking.meeting_url.startswith("/citizen/")
    station.records.post_message(me, booking.id, "Chào bác sĩ, tôi bị ho 3 ngày")
    station.records.post_message(DOCTOR, booking.id, "Chị có sốt không?")
    assert [m.text for m in station.records.messages(me, booking.id)] == [
        "Chào bác sĩ, tôi bị ho 3 ngày",
        "Chị có sốt không?",
    ]
    assert [e.kind for e in station.records.read(me, hoa.id).entries] == ["chat", "chat"]
    with pytest.raises(NotFoundError):
        station.records.messages(principal(citizen(station, "+84912100032").id, Role.CITIZEN), booking.id)


def test_pharmacies_are_shown_nearest_first_to_a_patient_with_a_prescription(station):
    hoa = citizen(station, "+84912100041")
    me = principal(hoa.id, Role.CITIZEN)
    assert station.records.pharmacies_for(me, 20.2612, 106.4731) is None
    station.records.add(
        DOCTOR,
        hoa.id,
        NewEntry(
            kind="prescription", prescription=[{"drug": "Paracetamol 500mg", "dose": "1 viên khi sốt", "days": 3}]
        ),
    )
    items = station.records.pharmacies_for(me, 20.2612, 106.4731) or []  # at the station
    assert items[0].id == "nt-tram-y-te" and items[0].distance_km == 0
    assert [i.distance_km for i in items] == sorted(i.distance_km for i in items)
    assert all(i.open_now for i in items)  # 08:00 in Vietnam


def test_criterion_9_1_counts_patients_with_a_record_against_the_population(station):
    for n in range(3):
        citizen(station, f"+8491210005{n}")
    patients = list(station.citizens.items.values())
    for p in patients[:2]:
        station.records.add(DOCTOR, p.id, NewEntry(kind="note", text="Lập hồ sơ sức khỏe"))
    result = station.records.criterion_91("giao-phong")
    assert (result.with_record, result.population, result.registered_citizens) == (2, 6835, 3)
    assert result.share == round(2 / 6835, 4) and result.population_source == "commune"
