"""HL7 FHIR R4 reads under ``/fhir/r4/``: free slots, schedules and practitioners are public; appointments and
patients need the patient's (or guardian's) or health staff's sign-in. ``application/fhir+json``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from smartcommune.core.api.http import ApiResponse
from smartcommune.core.api.router import PUBLIC, router
from smartcommune.core.contracts import CommuneId, Contract, Role
from smartcommune.core.errors import InvalidInputError, NotFoundError
from smartcommune.telehealth.logic import fhir

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest

CITIZEN_OR_HEALTH = frozenset({Role.CITIZEN, Role.HEALTH})
TAGS = ("fhir",)
PRODUCES = ("application/fhir+json",)


class SlotSearch(Contract):
    commune: CommuneId | None = Field(default=None, description="the station's commune (signed in: your own)")
    status: Literal["free", "busy"] | None = None
    start: date | None = Field(default=None, description="the first day (today by default)")
    days: int = Field(default=7, ge=1, le=14, alias="_days")
    service_type: str | None = Field(default=None, alias="service-type", pattern=r"^[a-z][a-z-]{1,30}$")


class CommuneSearch(Contract):
    commune: CommuneId | None = None


def _fhir(body: dict[str, Any]) -> ApiResponse:
    return ApiResponse(body=body, headers={"Content-Type": fhir.FHIR_JSON})


def _base(request: ApiRequest) -> str:
    return request.services.settings.public_base_url.rstrip("/") + "/api"


def _commune(request: ApiRequest, named: str | None) -> str:
    from smartcommune.communes.wiring import commune_repository

    commune_id = request.principal.commune_id if request.principal is not None else named
    if not commune_id:
        raise InvalidInputError(
            "Hãy cho biết xã (tham số commune).", "Name the commune (the 'commune' search parameter)."
        )
    if request.services.get(commune_repository).get(commune_id) is None:
        raise NotFoundError("Không tìm thấy xã này.", "No such commune.")
    return commune_id


@router.route(
    "GET",
    "/fhir/r4/Slot",
    allow=PUBLIC,
    query=SlotSearch,
    tags=TAGS,
    produces=PRODUCES,
    summary="FHIR R4 Slot search (status=free, start, service-type): a searchset Bundle",
)
def fhir_slots(request: ApiRequest) -> ApiResponse:
    from smartcommune.telehealth.wiring import booking_service

    query: SlotSearch = request.query
    commune_id = _commune(request, query.commune)
    slots = request.services.get(booking_service).slots(commune_id, query.start, query.days, query.service_type)
    resources = [fhir.slot(commune_id, s) for s in slots]
    if query.status:
        resources = [r for r in resources if r["status"] == query.status]
    return _fhir(fhir.bundle(_base(request), resources, f"/fhir/r4/Slot?commune={commune_id}"))


@router.route(
    "GET",
    "/fhir/r4/Schedule",
    allow=PUBLIC,
    query=CommuneSearch,
    tags=TAGS,
    produces=PRODUCES,
    summary="FHIR R4 Schedule search: one Schedule per practitioner of the station",
)
def fhir_schedules(request: ApiRequest) -> ApiResponse:
    from smartcommune.telehealth.wiring import setup_service

    query: CommuneSearch = request.query
    commune_id = _commune(request, query.commune)
    setup = request.services.get(setup_service).setup(commune_id)
    resources = [fhir.schedule(commune_id, setup, s.practitioner_id) for s in setup.schedules]
    return _fhir(fhir.bundle(_base(request), resources, f"/fhir/r4/Schedule?commune={commune_id}"))


@router.route(
    "GET",
    "/fhir/r4/Practitioner",
    allow=PUBLIC,
    query=CommuneSearch,
    tags=TAGS,
    produces=PRODUCES,
    summary="FHIR R4 Practitioner search: the station's doctors, nurses and midwives",
)
def fhir_practitioners(request: ApiRequest) -> ApiResponse:
    from smartcommune.telehealth.wiring import setup_service

    query: CommuneSearch = request.query
    commune_id = _commune(request, query.commune)
    setup = request.services.get(setup_service).setup(commune_id)
    resources = [fhir.practitioner(p) for p in setup.practitioners]
    return _fhir(fhir.bundle(_base(request), resources, f"/fhir/r4/Practitioner?commune={commune_id}"))


class AppointmentSearch(Contract):
    day: date | None = Field(
        default=None, alias="date", description="health staff: the day's appointments (today by default)"
    )


@router.route(
    "GET",
    "/fhir/r4/Appointment",
    allow=CITIZEN_OR_HEALTH,
    query=AppointmentSearch,
    tags=TAGS,
    produces=PRODUCES,
    summary="FHIR R4 Appointment search: a citizen's own (and household's); health staff: the day's",
)
def fhir_appointments(request: ApiRequest) -> ApiResponse:
    from smartcommune.telehealth.wiring import booking_service

    query: AppointmentSearch = request.query
    service = request.services.get(booking_service)
    caller = request.caller
    bookings = service.day(caller.commune_id, query.day) if Role.HEALTH in caller.roles else service.mine(caller)
    resources = [fhir.appointment(b) for b in bookings]
    return _fhir(fhir.bundle(_base(request), resources, "/fhir/r4/Appointment"))


@router.route(
    "GET",
    "/fhir/r4/Appointment/{booking_id}",
    allow=CITIZEN_OR_HEALTH,
    tags=TAGS,
    produces=PRODUCES,
    summary="One FHIR R4 Appointment (its owner, or health staff)",
)
def fhir_appointment(request: ApiRequest) -> ApiResponse:
    from smartcommune.telehealth.wiring import booking_service

    booking = request.services.get(booking_service).get(request.caller, request.path_params["booking_id"])
    return _fhir(fhir.appointment(booking))


@router.route(
    "GET",
    "/fhir/r4/Patient/{patient_id}",
    allow=CITIZEN_OR_HEALTH,
    tags=TAGS,
    produces=PRODUCES,
    summary="One FHIR R4 Patient (the patient, the guardian, or health staff: audited)",
)
def fhir_patient(request: ApiRequest) -> ApiResponse:
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.telehealth.wiring import record_service

    records = request.services.get(record_service)
    info = records.patient_for(request.caller, request.path_params["patient_id"], request.raw.request_id)
    commune = request.services.get(commune_repository).get(request.caller.commune_id)
    return _fhir(fhir.patient(info, commune.name if commune else None))
