"""Slots, bookings, the station's queue, the set-up and the statistics.

Long because: about twenty thin routes (citizen, staff, public board, set-up), each parse → one call → map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.api.router import CITIZENS, PUBLIC, router
from smartcommune.core.contracts import Role
from smartcommune.core.errors import NotFoundError
from smartcommune.telehealth.contracts import (
    Booking,
    BookingList,
    BookingStatistics,
    BookingView,
    Criterion91,
    DayQuery,
    HealthService,
    Member,
    MemberList,
    MemberQuery,
    NewBooking,
    NewMember,
    Pharmacy,
    PharmacyList,
    PharmacyQuery,
    Practitioner,
    QueueBoard,
    Rebooking,
    ScheduleException,
    SlotList,
    SlotQuery,
    SlotView,
    StaffBooking,
    StationSetup,
    StatsQuery,
    WorkSchedule,
)

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.telehealth.logic.booking import BookingService
    from smartcommune.telehealth.logic.setup import SetupRecord

HEALTH = frozenset({Role.HEALTH})
HEALTH_LEADERS = frozenset({Role.HEALTH, Role.ADMIN})
CITIZEN_OR_HEALTH = frozenset({Role.CITIZEN, Role.HEALTH})
TAGS = ("telehealth",)


def _bookings(request: ApiRequest) -> BookingService:
    from smartcommune.telehealth.wiring import booking_service

    return request.services.get(booking_service)


def _known_commune(request: ApiRequest) -> str:
    from smartcommune.communes.wiring import commune_repository

    commune_id = request.path_params["commune_id"]
    if request.services.get(commune_repository).get(commune_id) is None:
        raise NotFoundError("Không tìm thấy xã này.", "No such commune.")
    return commune_id


def _views(bookings: list[Booking]) -> BookingList:
    return BookingList(items=[BookingView.of(b) for b in bookings])


# ---------------------------------------------------------------- public: the station's schedule and board


@router.route(
    "GET",
    "/communes/{commune_id}/health/slots",
    allow=PUBLIC,
    query=SlotQuery,
    response=SlotList,
    tags=TAGS,
    summary="The health station's slots from a day (today by default), with the places left",
)
def station_slots(request: ApiRequest) -> SlotList:
    query: SlotQuery = request.query
    slots = _bookings(request).slots(_known_commune(request), query.day, query.days, query.service)
    return SlotList(items=[SlotView.of(s) for s in slots])


@router.route(
    "GET",
    "/communes/{commune_id}/health/setup",
    allow=PUBLIC,
    response=StationSetup,
    tags=TAGS,
    summary="The health station's practitioners, services, weekly schedules, exceptions and pharmacies",
)
def station_setup(request: ApiRequest) -> StationSetup:
    from smartcommune.telehealth.wiring import setup_service

    return request.services.get(setup_service).setup(_known_commune(request))


@router.route(
    "GET",
    "/communes/{commune_id}/health/queue",
    allow=PUBLIC,
    response=QueueBoard,
    tags=TAGS,
    summary="The station's queue board: numbers being served and waiting in this session (numbers only)",
)
def queue_board(request: ApiRequest) -> QueueBoard:
    return _bookings(request).board(_known_commune(request))


# ---------------------------------------------------------------- citizens


@router.route(
    "GET",
    "/me/health/bookings",
    allow=CITIZENS,
    response=BookingList,
    tags=TAGS,
    summary="My bookings and my household members' (newest first), with their queue numbers",
)
def my_bookings(request: ApiRequest) -> BookingList:
    return _views(_bookings(request).mine(request.caller))


@router.route(
    "POST",
    "/me/health/bookings",
    allow=CITIZENS,
    body=NewBooking,
    response=BookingView,
    status=201,
    tags=TAGS,
    summary="Book a slot for myself or a household member; an SMS confirms the code and queue number",
)
def book_slot(request: ApiRequest) -> BookingView:
    return BookingView.of(_bookings(request).book(request.caller, request.body))


@router.route(
    "GET",
    "/me/health/members",
    allow=CITIZENS,
    response=MemberList,
    tags=TAGS,
    summary="The household members I book for",
)
def my_members(request: ApiRequest) -> MemberList:
    return MemberList(items=_bookings(request).members(request.caller))


@router.route(
    "POST",
    "/me/health/members",
    allow=CITIZENS,
    body=NewMember,
    response=Member,
    status=201,
    tags=TAGS,
    summary="Add a household member (a child, a parent without a phone) I book for and am guardian of",
)
def add_member(request: ApiRequest) -> Member:
    return _bookings(request).add_member(request.caller, request.body)


@router.route(
    "GET",
    "/me/health/pharmacies",
    allow=CITIZENS,
    query=PharmacyQuery,
    response=PharmacyList,
    tags=TAGS,
    summary="Nearest pharmacies with opening hours (for a patient with a prescription; empty for anyone else)",
)
def my_pharmacies(request: ApiRequest) -> PharmacyList:
    from smartcommune.telehealth.wiring import record_service

    query: PharmacyQuery = request.query
    items = request.services.get(record_service).pharmacies_for(request.caller, query.lat, query.lon)
    return PharmacyList(prescription=items is not None, items=items or [])


# ---------------------------------------------------------------- one booking (its owner, or health staff)


@router.route(
    "GET",
    "/health/bookings/{booking_id}",
    allow=CITIZEN_OR_HEALTH,
    response=BookingView,
    tags=TAGS,
    summary="One booking (its owner, or health staff)",
)
def get_booking(request: ApiRequest) -> BookingView:
    return BookingView.of(_bookings(request).get(request.caller, request.path_params["booking_id"]))


@router.route(
    "POST",
    "/health/bookings/{booking_id}/cancel",
    allow=CITIZEN_OR_HEALTH,
    response=BookingView,
    tags=TAGS,
    summary="Cancel a booking: the place goes back to the slot",
)
def cancel_booking(request: ApiRequest) -> BookingView:
    return BookingView.of(_bookings(request).cancel(request.caller, request.path_params["booking_id"]))


@router.route(
    "POST",
    "/health/bookings/{booking_id}/rebook",
    allow=CITIZEN_OR_HEALTH,
    body=Rebooking,
    response=BookingView,
    status=201,
    tags=TAGS,
    summary="Move a booking to another slot (the new place is taken first, then the old one freed)",
)
def rebook(request: ApiRequest) -> BookingView:
    body: Rebooking = request.body
    return BookingView.of(_bookings(request).rebook(request.caller, request.path_params["booking_id"], body.slot_id))


# ---------------------------------------------------------------- staff at the station


@router.route(
    "GET",
    "/health/bookings",
    allow=HEALTH,
    query=DayQuery,
    response=BookingList,
    tags=TAGS,
    summary="The day's bookings in queue order (today by default)",
)
def day_bookings(request: ApiRequest) -> BookingList:
    query: DayQuery = request.query
    return _views(_bookings(request).day(request.caller.commune_id, query.day))


@router.route(
    "POST",
    "/health/bookings",
    allow=HEALTH,
    body=StaffBooking,
    response=BookingView,
    status=201,
    tags=TAGS,
    summary="Book for someone who came in or phoned (registered by phone if new)",
)
def book_for(request: ApiRequest) -> BookingView:
    return BookingView.of(_bookings(request).book_for(request.caller, request.body))


@router.route(
    "GET",
    "/health/members",
    allow=HEALTH,
    query=MemberQuery,
    response=MemberList,
    tags=TAGS,
    summary="The household members of the citizen with this phone, to book for one of them (empty if none)",
)
def members_of_phone(request: ApiRequest) -> MemberList:
    query: MemberQuery = request.query
    return MemberList(items=_bookings(request).members_of_phone(request.caller, query.phone))


def _staff_step(request: ApiRequest, step: str) -> BookingView:
    service = _bookings(request)
    action = {"check-in": service.check_in, "no-show": service.no_show, "done": service.finish}[step]
    return BookingView.of(action(request.caller, request.path_params["booking_id"]))


@router.route(
    "POST",
    "/health/bookings/{booking_id}/check-in",
    allow=HEALTH,
    response=BookingView,
    tags=TAGS,
    summary="The patient has arrived: they wait for their number",
)
def check_in(request: ApiRequest) -> BookingView:
    return _staff_step(request, "check-in")


@router.route(
    "POST",
    "/health/bookings/{booking_id}/no-show",
    allow=HEALTH,
    response=BookingView,
    tags=TAGS,
    summary="The patient did not come (after the slot's start)",
)
def no_show(request: ApiRequest) -> BookingView:
    return _staff_step(request, "no-show")


@router.route(
    "POST",
    "/health/bookings/{booking_id}/done",
    allow=HEALTH,
    response=BookingView,
    tags=TAGS,
    summary="The consultation of a called number is over",
)
def finish(request: ApiRequest) -> BookingView:
    return _staff_step(request, "done")


@router.route(
    "POST",
    "/health/queue/next",
    allow=HEALTH,
    response=BookingView,
    tags=TAGS,
    summary="Call the next number checked in for this session",
)
def call_next(request: ApiRequest) -> BookingView:
    return BookingView.of(_bookings(request).call_next(request.caller))


@router.route(
    "GET",
    "/health/statistics",
    allow=HEALTH_LEADERS,
    query=StatsQuery,
    response=BookingStatistics,
    tags=TAGS,
    summary="Bookings per service and day, no-show rate, waiting time from check-in to being called",
)
def statistics(request: ApiRequest) -> BookingStatistics:
    query: StatsQuery = request.query
    return _bookings(request).statistics(request.caller.commune_id, query.start, query.end)


@router.route(
    "GET",
    "/health/criteria/9.1",
    allow=HEALTH_LEADERS,
    response=Criterion91,
    tags=TAGS,
    summary="Criterion 9.1: share of the population with a health record managed by IT",
)
def criterion_91(request: ApiRequest) -> Criterion91:
    from smartcommune.telehealth.wiring import record_service

    return request.services.get(record_service).criterion_91(request.caller.commune_id)


# ---------------------------------------------------------------- the station's set-up (health staff)


def _put(request: ApiRequest, key_param: str) -> SetupRecord:
    from smartcommune.telehealth.wiring import setup_service

    return request.services.get(setup_service).put(request.caller, request.path_params[key_param], request.body)


@router.route(
    "PUT",
    "/health/setup/practitioners/{practitioner_id}",
    allow=HEALTH,
    body=Practitioner,
    response=Practitioner,
    tags=TAGS,
    summary="Add or change a practitioner of the station",
)
def put_practitioner(request: ApiRequest) -> SetupRecord:
    return _put(request, "practitioner_id")


@router.route(
    "PUT",
    "/health/setup/services/{code}",
    allow=HEALTH,
    body=HealthService,
    response=HealthService,
    tags=TAGS,
    summary="Add or change a service (duration, capacity, station or remote)",
)
def put_service(request: ApiRequest) -> SetupRecord:
    return _put(request, "code")


@router.route(
    "PUT",
    "/health/setup/schedules/{practitioner_id}",
    allow=HEALTH,
    body=WorkSchedule,
    response=WorkSchedule,
    tags=TAGS,
    summary="Set a practitioner's weekly schedule",
)
def put_schedule(request: ApiRequest) -> SetupRecord:
    return _put(request, "practitioner_id")


@router.route(
    "PUT",
    "/health/setup/exceptions/{exception_id}",
    allow=HEALTH,
    body=ScheduleException,
    response=ScheduleException,
    tags=TAGS,
    summary="A leave or a campaign day (e.g. vaccination day) off the weekly schedule",
)
def put_exception(request: ApiRequest) -> SetupRecord:
    return _put(request, "exception_id")


@router.route(
    "PUT",
    "/health/setup/pharmacies/{pharmacy_id}",
    allow=HEALTH,
    body=Pharmacy,
    response=Pharmacy,
    tags=TAGS,
    summary="Add or change a pharmacy shown to patients with a prescription",
)
def put_pharmacy(request: ApiRequest) -> SetupRecord:
    return _put(request, "pharmacy_id")
