"""Patient records (the patient, their guardian, health staff; staff reads audited) and consultation chat."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.api.router import router
from smartcommune.core.contracts import Role
from smartcommune.telehealth.contracts import MessageList, NewEntry, NewMessage, PatientRecord, RecordEntry

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.telehealth.logic.records import RecordService

HEALTH = frozenset({Role.HEALTH})
CITIZEN_OR_HEALTH = frozenset({Role.CITIZEN, Role.HEALTH})
TAGS = ("telehealth",)


def _records(request: ApiRequest) -> RecordService:
    from smartcommune.telehealth.wiring import record_service

    return request.services.get(record_service)


@router.route(
    "GET",
    "/health/records/{patient_id}",
    allow=CITIZEN_OR_HEALTH,
    response=PatientRecord,
    tags=TAGS,
    summary="A patient's record (the patient, the guardian of a household member, or health staff: audited)",
)
def read_record(request: ApiRequest) -> PatientRecord:
    return _records(request).read(request.caller, request.path_params["patient_id"], request.raw.request_id)


@router.route(
    "POST",
    "/health/records/{patient_id}/entries",
    allow=HEALTH,
    body=NewEntry,
    response=RecordEntry,
    status=201,
    tags=TAGS,
    summary="Add a visit, note, ICD-10 diagnoses, a prescription, a vaccination or consultation notes",
)
def add_entry(request: ApiRequest) -> RecordEntry:
    return _records(request).add(
        request.caller, request.path_params["patient_id"], request.body, request.raw.request_id
    )


@router.route(
    "GET",
    "/health/bookings/{booking_id}/messages",
    allow=CITIZEN_OR_HEALTH,
    response=MessageList,
    tags=TAGS,
    summary="Chat between patient and doctor of a booking (kept with the record)",
)
def messages(request: ApiRequest) -> MessageList:
    items = _records(request).messages(request.caller, request.path_params["booking_id"], request.raw.request_id)
    return MessageList(items=items)


@router.route(
    "POST",
    "/health/bookings/{booking_id}/messages",
    allow=CITIZEN_OR_HEALTH,
    body=NewMessage,
    response=RecordEntry,
    status=201,
    tags=TAGS,
    summary="Write in the chat of a booking",
)
def post_message(request: ApiRequest) -> RecordEntry:
    body: NewMessage = request.body
    return _records(request).post_message(request.caller, request.path_params["booking_id"], body.text)
