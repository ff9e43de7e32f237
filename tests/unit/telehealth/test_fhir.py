"""The FHIR views validate against the R4 models of an independent library (``fhir.resources``, its R4B package:
the R4 line that library ships for pydantic v2; these five resources are the same in R4 and R4B)."""

from __future__ import annotations

import uuid
from datetime import date

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot

from smartcommune.citizens.contracts import Citizen
from smartcommune.core.contracts import Role
from smartcommune.telehealth.contracts import NewBooking
from smartcommune.telehealth.logic import fhir
from smartcommune.telehealth.logic.records import PatientInfo
from tests.unit.telehealth.fakes import Station, principal

# The library checks structure, not code bindings: the R4 value sets (hl7.org/fhir/R4/valueset-*.html) by hand
R4_SLOT_STATUS = {"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"}
R4_APPOINTMENT_STATUS = {
    "proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow", "entered-in-error", "checked-in",
    "waitlist",
}  # fmt: skip


def test_slots_schedules_and_practitioners_validate_and_bundle_as_a_searchset():
    station = Station()
    slots = station.bookings.slots("giao-phong", date(2026, 12, 1), 1)
    resources = [fhir.slot("giao-phong", s) for s in slots]
    for resource in resources[:5]:
        slot = Slot.model_validate(resource)
        assert slot.status == "free" and str(slot.start).endswith("+07:00")
    assert fhir.slot("giao-phong", slots[0].model_copy(update={"booked": 2}))["status"] in R4_SLOT_STATUS
    setup = station.setup.station
    for p in setup.practitioners:
        Practitioner.model_validate(fhir.practitioner(p))
    schedule = Schedule.model_validate(fhir.schedule("giao-phong", setup, "bs-lan"))
    assert schedule.actor[0].reference == "Practitioner/bs-lan"
    assert {c.coding[0].code for c in schedule.serviceType} == {"general", "chronic", "remote"}
    bundle = Bundle.model_validate(fhir.bundle("https://x.vn/api", resources, "/fhir/r4/Slot?status=free"))
    assert (
        bundle.type == "searchset"
        and bundle.total == len(slots)
        and bundle.entry[0].resource.__resource_type__ == "Slot"
    )


def test_appointments_in_every_state_and_patients_validate():
    station = Station()
    now = station.clock()
    hoa = station.citizens.create(
        Citizen(
            id=uuid.uuid4().hex,
            commune_id="giao-phong",
            phone="+84912200001",
            full_name="Lê Thị Hoa",
            created_at=now,
            updated_at=now,
            created_by="t",
        )
    )
    booking = station.bookings.book(principal(hoa.id, Role.CITIZEN), NewBooking(slot_id="202612011530.bs-lan.remote"))
    for status in fhir.APPOINTMENT_STATUS:
        resource = Appointment.model_validate(fhir.appointment(booking.model_copy(update={"status": status})))
        assert resource.participant[0].actor.reference == f"Patient/{hoa.id}"
        assert resource.status in R4_APPOINTMENT_STATUS
    appointment = Appointment.model_validate(fhir.appointment(booking))
    assert appointment.status == "booked" and appointment.identifier[1].value == "2026-12-01-pm/1"
    patient = Patient.model_validate(
        fhir.patient(PatientInfo("m-" + "a" * 32, "Bé Na", date(2023, 4, 2), hoa.id), "Xã Giao Phong")
    )
    assert str(patient.birthDate) == "2023-04-02" and patient.name[0].text == "Bé Na"
