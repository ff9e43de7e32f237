"""Scenarios of the telehealth routes: the Giao Phong station (``seed_health``) with a campaign morning on the
world's Sunday, so a booking made an hour ago can be past its start (no-show) and numbers can be called today.

Every booking takes a slot no other scenario uses (``_slot``), so the one-place-per-patient rule never refuses one.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.services import Services
from smartcommune.telehealth.contracts import ScheduleException
from smartcommune.telehealth.logic.slots import slots_on
from smartcommune_local.health_demo import SCHEDULES, demo_station, seed_health
from tests.support.access.model import Call, Plan, same, scenario

if TYPE_CHECKING:
    from tests.support.access.world import World

_slots: dict[str, Any] = {}


def _station(w: World) -> None:
    def build() -> None:
        from smartcommune.telehealth.wiring import setup_repository

        seed_health(w.services)
        today = w.clock().astimezone(VN_TZ).date()
        morning = ScheduleException(
            id="access-sunday",
            day=today,
            kind="campaign",
            practitioner_id="bs-hung",
            service="general",
            start="07:00",
            end="11:30",
            reason="Khám lưu động (kiểm tra quyền)",
        )
        w.services.get(setup_repository).put("giao-phong", "EXC", morning.id, morning.model_dump_json())
        setup = demo_station(today)
        future = [s.id for d in range(1, 7) for s in slots_on(setup, today + timedelta(days=d))]
        setup.exceptions.append(morning)
        now = w.clock()
        sunday = [s.id for s in slots_on(setup, today)]
        _slots["future"] = itertools.cycle(future)
        stamp, hour_ago = (
            f"{now.astimezone(VN_TZ):%Y%m%d%H%M}",
            f"{(now - timedelta(hours=1)).astimezone(VN_TZ):%Y%m%d%H%M}",
        )
        _slots["today"] = iter(s for s in sunday if s[:12] > stamp)
        _slots["past"] = iter(s for s in sunday if hour_ago < s[:12] <= stamp)

    w.once("telehealth-station", build)


def _slot(w: World, when: str = "future") -> str:
    _station(w)
    return str(next(_slots[when]))


def _book(w: World, *, other: bool = False, when: str = "future") -> dict[str, Any]:
    token = w.other_citizen if other else w.citizen
    return dict(w.ok("book a slot", Call("POST", "/me/health/bookings", {"slot_id": _slot(w, when)}), token))


def _mine(w: World) -> dict[str, Any]:
    return w.once("telehealth-booking", lambda: _book(w))


def _theirs(w: World) -> dict[str, Any]:
    return w.once("telehealth-booking-other", lambda: _book(w, other=True))


def _checked_in(w: World) -> dict[str, Any]:
    booking = _book(w, when="today")
    w.ok("check in", Call("POST", f"/health/bookings/{booking['id']}/check-in"), Role.HEALTH)
    return booking


def _past_booking(w: World) -> dict[str, Any]:
    """A booking made an hour ago for a slot that has started (a domain service on a clock an hour behind)."""
    from smartcommune.composition import authenticate
    from smartcommune.telehealth.contracts import NewBooking
    from smartcommune.telehealth.wiring import booking_service

    _station(w)
    earlier = Services(w.settings, clock=lambda: w.clock() - timedelta(hours=1))
    principal = authenticate(w.services, w.citizen)
    booking = earlier.get(booking_service).book(principal, NewBooking(slot_id=_slot(w, "past")))
    return booking.model_dump(mode="json")


def _prescribed(w: World) -> None:
    def build() -> None:
        entry = {"kind": "prescription", "prescription": [{"drug": "Paracetamol 500mg", "dose": "1 viên", "days": 3}]}
        w.ok("prescribe", Call("POST", f"/health/records/{w.citizen_id}/entries", entry), Role.HEALTH)

    w.once("telehealth-prescription", build)


# ---------------------------------------------------------------- public


@scenario("GET /communes/{commune_id}/health/slots")
def slots(w: World, role: Role | None) -> Plan:
    _station(w)
    return same(Call("GET", "/communes/giao-phong/health/slots?days=2"))


@scenario("GET /communes/{commune_id}/health/setup")
def station_setup(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/communes/giao-phong/health/setup"))


@scenario("GET /communes/{commune_id}/health/queue")
def board(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/communes/giao-phong/health/queue"))


@scenario("GET /fhir/r4/Slot")
def fhir_slots(w: World, role: Role | None) -> Plan:
    _station(w)
    return same(Call("GET", "/fhir/r4/Slot?status=free&commune=giao-phong&_days=1"))


@scenario("GET /fhir/r4/Schedule")
def fhir_schedules(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/fhir/r4/Schedule?commune=giao-phong"))


@scenario("GET /fhir/r4/Practitioner")
def fhir_practitioners(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/fhir/r4/Practitioner?commune=giao-phong"))


# ---------------------------------------------------------------- citizens


@scenario("GET /me/health/bookings")
def my_bookings(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/me/health/bookings"))


@scenario("POST /me/health/bookings")
def book(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", "/me/health/bookings", {"slot_id": _slot(w)}))


@scenario("GET /me/health/members")
def members(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/me/health/members"))


@scenario("POST /me/health/members")
def add_member(w: World, role: Role | None) -> Plan:
    return same(
        Call("POST", "/me/health/members", {"full_name": "Bé Kiểm", "birth_date": "2022-03-04", "relation": "child"})
    )


@scenario("GET /me/health/pharmacies")
def pharmacies(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        _prescribed(w)
        return Call("GET", "/me/health/pharmacies?lat=20.26&lon=106.47")

    return Plan(mine=build)


# ---------------------------------------------------------------- one booking


@scenario("GET /health/bookings/{booking_id}")
def get_booking(w: World, role: Role | None) -> Plan:
    return Plan(
        mine=lambda: Call("GET", f"/health/bookings/{_mine(w)['id']}"),
        theirs=lambda: Call("GET", f"/health/bookings/{_theirs(w)['id']}"),
    )


@scenario("POST /health/bookings/{booking_id}/cancel")
def cancel(w: World, role: Role | None) -> Plan:
    return Plan(
        mine=lambda: Call("POST", f"/health/bookings/{_book(w)['id']}/cancel"),
        theirs=lambda: Call("POST", f"/health/bookings/{_book(w, other=True)['id']}/cancel"),
    )


@scenario("POST /health/bookings/{booking_id}/rebook")
def rebook(w: World, role: Role | None) -> Plan:
    return Plan(
        mine=lambda: Call("POST", f"/health/bookings/{_book(w)['id']}/rebook", {"slot_id": _slot(w)}),
        theirs=lambda: Call("POST", f"/health/bookings/{_book(w, other=True)['id']}/rebook", {"slot_id": _slot(w)}),
    )


@scenario("GET /health/bookings/{booking_id}/messages")
def messages(w: World, role: Role | None) -> Plan:
    return Plan(
        mine=lambda: Call("GET", f"/health/bookings/{_mine(w)['id']}/messages"),
        theirs=lambda: Call("GET", f"/health/bookings/{_theirs(w)['id']}/messages"),
    )


@scenario("POST /health/bookings/{booking_id}/messages")
def post_message(w: World, role: Role | None) -> Plan:
    text = {"text": "Xin chào bác sĩ"}
    return Plan(
        mine=lambda: Call("POST", f"/health/bookings/{_mine(w)['id']}/messages", text),
        theirs=lambda: Call("POST", f"/health/bookings/{_theirs(w)['id']}/messages", text),
    )


@scenario("GET /health/records/{patient_id}")
def record(w: World, role: Role | None) -> Plan:
    return Plan(
        mine=lambda: Call("GET", f"/health/records/{w.citizen_id}"),
        theirs=lambda: Call("GET", f"/health/records/{w.other_citizen_id}"),
    )


@scenario("GET /fhir/r4/Appointment")
def fhir_appointments(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/fhir/r4/Appointment"))


@scenario("GET /fhir/r4/Appointment/{booking_id}")
def fhir_appointment(w: World, role: Role | None) -> Plan:
    return Plan(
        mine=lambda: Call("GET", f"/fhir/r4/Appointment/{_mine(w)['id']}"),
        theirs=lambda: Call("GET", f"/fhir/r4/Appointment/{_theirs(w)['id']}"),
    )


@scenario("GET /fhir/r4/Patient/{patient_id}")
def fhir_patient(w: World, role: Role | None) -> Plan:
    return Plan(
        mine=lambda: Call("GET", f"/fhir/r4/Patient/{w.citizen_id}"),
        theirs=lambda: Call("GET", f"/fhir/r4/Patient/{w.other_citizen_id}"),
    )


# ---------------------------------------------------------------- staff at the station


@scenario("GET /health/bookings")
def day_bookings(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/health/bookings?day=2026-11-30"))


@scenario("POST /health/bookings")
def book_for(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", "/health/bookings", {"slot_id": _slot(w), "citizen_id": w.citizen_id}))


@scenario("GET /health/members")
def members_of_phone(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/health/members?phone=0912345678"))


@scenario("POST /health/bookings/{booking_id}/check-in")
def check_in(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", f"/health/bookings/{_book(w)['id']}/check-in"))


@scenario("POST /health/bookings/{booking_id}/no-show")
def no_show(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", f"/health/bookings/{_past_booking(w)['id']}/no-show"))


@scenario("POST /health/bookings/{booking_id}/done")
def done(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        _checked_in(w)
        called = w.ok("call the next number", Call("POST", "/health/queue/next"), Role.HEALTH)
        return Call("POST", f"/health/bookings/{called['id']}/done")

    return Plan(mine=build)


@scenario("POST /health/queue/next")
def call_next(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        _checked_in(w)
        return Call("POST", "/health/queue/next")

    return Plan(mine=build)


@scenario("GET /health/statistics")
def statistics(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/health/statistics?start=2026-11-29&end=2026-12-05"))


@scenario("GET /health/criteria/9.1")
def criterion_91(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/health/criteria/9.1"))


@scenario("POST /health/records/{patient_id}/entries")
def add_entry(w: World, role: Role | None) -> Plan:
    entry = {"kind": "visit", "text": "Khám kiểm tra", "diagnoses": [{"code": "Z00"}]}
    return same(Call("POST", f"/health/records/{w.citizen_id}/entries", entry))


# ---------------------------------------------------------------- the station's set-up


@scenario("PUT /health/setup/practitioners/{practitioner_id}")
def put_practitioner(w: World, role: Role | None) -> Plan:
    _station(w)
    body = {"id": "bs-kiem", "name": "BS. Kiểm Tra", "kind": "doctor"}
    return same(Call("PUT", "/health/setup/practitioners/bs-kiem", body))


@scenario("PUT /health/setup/services/{code}")
def put_service(w: World, role: Role | None) -> Plan:
    _station(w)
    body = {"code": "general", "name": "Khám bệnh đa khoa", "duration_min": 15, "capacity": 2}
    return same(Call("PUT", "/health/setup/services/general", body))


@scenario("PUT /health/setup/schedules/{practitioner_id}")
def put_schedule(w: World, role: Role | None) -> Plan:
    _station(w)
    return same(Call("PUT", "/health/setup/schedules/bs-lan", SCHEDULES[0].model_dump(mode="json")))


@scenario("PUT /health/setup/exceptions/{exception_id}")
def put_exception(w: World, role: Role | None) -> Plan:
    _station(w)
    body = {"id": "nghi-tet", "day": "2027-02-06", "kind": "leave", "reason": "Nghỉ Tết Nguyên đán"}
    return same(Call("PUT", "/health/setup/exceptions/nghi-tet", body))


@scenario("PUT /health/setup/pharmacies/{pharmacy_id}")
def put_pharmacy(w: World, role: Role | None) -> Plan:
    _station(w)
    body = {"id": "nt-kiem", "name": "Nhà thuốc Kiểm", "address": "Xóm 2", "lat": 20.26, "lon": 106.47}
    return same(Call("PUT", "/health/setup/pharmacies/nt-kiem", body))
