"""HL7 FHIR R4 views of the station: ``Practitioner``, ``Schedule`` (one per practitioner), ``Slot``,
``Appointment`` and ``Patient``, and searchset ``Bundle`` s. Plain dicts in FHIR JSON; the tests validate them
with an independent library (``fhir.resources``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import VN_TZ

if TYPE_CHECKING:
    from smartcommune.telehealth.contracts import Booking, Practitioner, Slot, StationSetup
    from smartcommune.telehealth.logic.records import PatientInfo

FHIR_JSON = "application/fhir+json; charset=utf-8"
SERVICE_TYPE_SYSTEM = "https://smartcommune.vn/fhir/CodeSystem/health-station-service"
BOOKING_CODE_SYSTEM = "https://smartcommune.vn/fhir/sid/booking-code"
QUEUE_SYSTEM = "https://smartcommune.vn/fhir/sid/queue-number"

# SmartCommune's booking states as FHIR Appointment.status (R4 value set appointmentstatus)
APPOINTMENT_STATUS = {
    "booked": "booked",
    "checked_in": "arrived",
    "called": "checked-in",
    "done": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
}
PRACTITIONER_ROLE_TEXT = {"doctor": "Bác sĩ", "nurse": "Điều dưỡng", "midwife": "Hộ sinh"}


def _instant(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).isoformat(timespec="seconds")


def practitioner(p: Practitioner) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": p.id,
        "active": p.active,
        "name": [{"text": p.name}],
        "qualification": [{"code": {"text": p.title or PRACTITIONER_ROLE_TEXT[p.kind]}}],
    }


def schedule_id(commune_id: str, practitioner_id: str) -> str:
    return f"{commune_id}.{practitioner_id}"


def schedule(commune_id: str, setup: StationSetup, practitioner_id: str) -> dict[str, Any]:
    p = setup.practitioner(practitioner_id)
    rules = next((s.rules for s in setup.schedules if s.practitioner_id == practitioner_id), [])
    codes = sorted({r.service for r in rules})
    return {
        "resourceType": "Schedule",
        "id": schedule_id(commune_id, practitioner_id),
        "active": bool(p and p.active),
        "serviceType": [
            {"coding": [{"system": SERVICE_TYPE_SYSTEM, "code": c}], "text": _service_name(setup, c)} for c in codes
        ],
        "actor": [{"reference": f"Practitioner/{practitioner_id}", "display": p.name if p else practitioner_id}],
        "comment": "Lịch làm việc hằng tuần tại Trạm y tế xã (giờ Việt Nam).",
    }


def _service_name(setup: StationSetup, code: str) -> str:
    service = setup.service(code)
    return service.name if service else code


def slot(commune_id: str, s: Slot) -> dict[str, Any]:
    return {
        "resourceType": "Slot",
        "id": s.id,
        "schedule": {"reference": f"Schedule/{schedule_id(commune_id, s.practitioner_id)}"},
        "serviceType": [{"coding": [{"system": SERVICE_TYPE_SYSTEM, "code": s.service}], "text": s.service_name}],
        "status": "free" if s.free else "busy",
        "start": _instant(s.start),
        "end": _instant(s.end),
        "comment": f"Còn {s.free}/{s.capacity} chỗ",
    }


def appointment(b: Booking, service_name: str | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": b.id,
        "identifier": [
            {"system": BOOKING_CODE_SYSTEM, "value": b.code},
            {"system": QUEUE_SYSTEM, "value": f"{b.session}/{b.queue_number}"},
        ],
        "status": APPOINTMENT_STATUS[b.status],
        "serviceType": [
            {"coding": [{"system": SERVICE_TYPE_SYSTEM, "code": b.service}], "text": service_name or b.service}
        ],
        "start": _instant(b.start),
        "end": _instant(b.end),
        "created": _instant(b.created_at),
        "slot": [{"reference": f"Slot/{b.slot_id}"}],
        "participant": [
            {"actor": {"reference": f"Patient/{b.patient_id}"}, "status": "accepted"},
            {"actor": {"reference": f"Practitioner/{b.practitioner_id}"}, "status": "accepted"},
        ],
    }
    if b.reason:
        resource["description"] = b.reason
    if b.meeting_url:
        resource["comment"] = f"Khám từ xa: {b.meeting_url}"
    return resource


def patient(info: PatientInfo, commune_name: str | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": info.id, "active": True}
    if info.name:
        resource["name"] = [{"text": info.name}]
    if info.birth_date:
        resource["birthDate"] = str(info.birth_date)
    if commune_name:
        resource["address"] = [{"text": commune_name, "country": "VN"}]
    if info.guardian_id:
        resource["contact"] = [{"relationship": [{"text": "Người giám hộ"}], "name": {"text": info.guardian_id}}]
    return resource


def bundle(base_url: str, resources: list[dict[str, Any]], self_link: str) -> dict[str, Any]:
    """A searchset ``Bundle`` of ``resources`` (each with its ``fullUrl``)."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": f"{base_url}{self_link}"}],
        "entry": [
            {"fullUrl": f"{base_url}/fhir/r4/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }
