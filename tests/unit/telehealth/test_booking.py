"""Bookings on in-memory stores: queue numbers, SMS, capacity, cancellation, rebooking, members, staff booking,
check-in and the queue, no-shows, statistics and reminders."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

from smartcommune.citizens.contracts import Citizen
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from smartcommune.telehealth.contracts import NewBooking, NewMember, StaffBooking
from tests.unit.telehealth.fakes import Station, principal

TUESDAY = "20261201"


def citizen(station: Station, phone: str, name: str = "Nguyễn Văn An") -> Citizen:
    now = station.clock()
    return station.citizens.create(
        Citizen(
            id=uuid.uuid4().hex,
            commune_id="giao-phong",
            phone=phone,
            full_name=name,
            created_at=now,
            updated_at=now,
            created_by="test",
        )
    )


@pytest.fixture
def station() -> Station:
    return Station()


def test_bookings_of_a_session_get_consecutive_queue_numbers_and_an_sms(station):
    a, b = citizen(station, "+84912000001"), citizen(station, "+84912000002")
    first = station.bookings.book(principal(a.id, Role.CITIZEN), NewBooking(slot_id=f"{TUESDAY}0730.bs-lan.general"))
    second = station.bookings.book(principal(b.id, Role.CITIZEN), NewBooking(slot_id=f"{TUESDAY}0900.bs-hung.chronic"))
    afternoon = station.bookings.book(
        principal(a.id, Role.CITIZEN), NewBooking(slot_id=f"{TUESDAY}1330.bs-hung.general")
    )
    assert (first.queue_number, second.queue_number, afternoon.queue_number) == (1, 2, 1)
    assert first.session == "2026-12-01-am" and afternoon.session == "2026-12-01-pm"
    phone, text, purpose = station.sms.sent[0]
    assert phone == a.phone and purpose == "health_booking"
    assert "07:30 ngày 01/12/2026" in text and "Số thứ tự 1" in text and first.code in text
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", first.code)


def test_a_full_slot_is_refused_and_a_cancellation_frees_it(station):
    people = [citizen(station, f"+8491200001{n}") for n in range(3)]
    slot = f"{TUESDAY}0730.bs-lan.general"  # 2 places
    kept = [station.bookings.book(principal(p.id, Role.CITIZEN), NewBooking(slot_id=slot)) for p in people[:2]]
    with pytest.raises(ConflictError, match="filled"):
        station.bookings.book(principal(people[2].id, Role.CITIZEN), NewBooking(slot_id=slot))
    listed = {s.id: s for s in station.bookings.slots("giao-phong", date(2026, 12, 1), 1)}
    assert listed[slot].booked == 2 and listed[slot].free == 0
    cancelled = station.bookings.cancel(principal(people[0].id, Role.CITIZEN), kept[0].id)
    assert cancelled.status == "cancelled"
    station.bookings.book(principal(people[2].id, Role.CITIZEN), NewBooking(slot_id=slot))
    with pytest.raises(ConflictError):  # a cancelled booking is not cancelled twice
        station.bookings.cancel(principal(people[0].id, Role.CITIZEN), kept[0].id)


def test_one_place_per_patient_per_slot_and_slots_outside_the_schedule(station):
    a = citizen(station, "+84912000021")
    me = principal(a.id, Role.CITIZEN)
    station.bookings.book(me, NewBooking(slot_id=f"{TUESDAY}0730.bs-lan.general"))
    with pytest.raises(ConflictError, match="already holds"):
        station.bookings.book(me, NewBooking(slot_id=f"{TUESDAY}0730.bs-lan.general"))
    with pytest.raises(NotFoundError):
        station.bookings.book(me, NewBooking(slot_id=f"{TUESDAY}0731.bs-lan.general"))
    with pytest.raises(InvalidInputError, match="started"):
        station.bookings.book(me, NewBooking(slot_id="202611300730.bs-lan.general"))  # 07:30 today, now 08:00


def test_rebooking_moves_the_place(station):
    a = citizen(station, "+84912000031")
    me = principal(a.id, Role.CITIZEN)
    old = station.bookings.book(me, NewBooking(slot_id=f"{TUESDAY}0730.bs-lan.general"))
    new = station.bookings.rebook(me, old.id, f"{TUESDAY}1400.bs-hung.general")
    assert new.slot_id.endswith("1400.bs-hung.general") and new.session == "2026-12-01-pm"
    assert station.bookings_store.bookings[old.id].status == "cancelled"
    assert station.bookings_store.counts[old.slot_id] == 0
    assert [b.id for b in station.bookings.mine(me) if b.status == "booked"] == [new.id]


def test_a_guardian_books_for_a_household_member_and_nobody_else_can(station):
    mother, neighbour = citizen(station, "+84912000041"), citizen(station, "+84912000042")
    child = station.bookings.add_member(
        principal(mother.id, Role.CITIZEN), NewMember(full_name="Bé Na", birth_date=date(2023, 4, 2), relation="child")
    )
    booking = station.bookings.book(
        principal(mother.id, Role.CITIZEN),
        NewBooking(slot_id=f"{TUESDAY}0730.hs-thu.maternal-child", member_id=child.id),
    )
    assert booking.patient_id == child.id and booking.owner_id == mother.id and booking.patient_name == "Bé Na"
    assert station.sms.sent[-1][0] == mother.phone  # the guardian's phone is told
    with pytest.raises(ForbiddenError):
        station.bookings.book(
            principal(neighbour.id, Role.CITIZEN),
            NewBooking(slot_id=f"{TUESDAY}0750.hs-thu.maternal-child", member_id=child.id),
        )
    with pytest.raises(NotFoundError):  # the neighbour cannot see or cancel it
        station.bookings.cancel(principal(neighbour.id, Role.CITIZEN), booking.id)


def test_staff_book_for_a_caller_by_phone_registering_them_and_the_audit_says_so(station):
    nurse = principal("staff-1", Role.HEALTH)
    booking = station.bookings.book_for(
        nurse, StaffBooking(slot_id=f"{TUESDAY}0800.bs-hung.chronic", phone="0987 654 321", full_name="Cụ Đặng Văn Tư")
    )
    registered = station.citizens.find_by_phone("giao-phong", "+84987654321")
    assert registered is not None and registered.full_name == "Cụ Đặng Văn Tư"
    assert booking.patient_id == registered.id and booking.booked_by == "staff-1"
    assert station.audit.records[-1][1].action == "appointment.book_for"
    with pytest.raises(InvalidInputError):  # a new phone needs the name
        station.bookings.book_for(nurse, StaffBooking(slot_id=f"{TUESDAY}0800.bs-hung.chronic", phone="0987000111"))


def test_check_in_call_next_board_no_show_and_statistics(station):
    nurse = principal("staff-1", Role.HEALTH)
    people = [citizen(station, f"+8491200005{n}") for n in range(3)]
    bookings = [
        station.bookings.book(principal(p.id, Role.CITIZEN), NewBooking(slot_id=f"{TUESDAY}{hhmm}.bs-lan.general"))
        for hhmm, p in zip(("0730", "0745", "0800"), people, strict=True)
    ]
    assert [b.queue_number for b in bookings] == [1, 2, 3]
    station.clock.now += timedelta(days=1)  # Tuesday 08:00
    with pytest.raises(NotFoundError):
        station.bookings.call_next(nurse)
    station.bookings.check_in(nurse, bookings[1].id)
    station.bookings.check_in(nurse, bookings[0].id)
    board = station.bookings.board("giao-phong")
    assert board.serving == [] and board.waiting == [1, 2]
    station.clock.now += timedelta(minutes=12)
    called = station.bookings.call_next(nurse)
    assert called.queue_number == 1
    board = station.bookings.board("giao-phong")
    assert board.serving == [1] and board.waiting == [2]
    station.bookings.finish(nurse, called.id)
    station.clock.now += timedelta(minutes=6)
    assert station.bookings.call_next(nurse).queue_number == 2
    station.bookings.no_show(nurse, bookings[2].id)  # 08:00 slot, now 08:18
    stats = station.bookings.statistics("giao-phong", date(2026, 12, 1), date(2026, 12, 1))
    [row] = stats.rows
    assert (row.service, row.booked, row.no_show, row.done) == ("general", 3, 1, 1)
    assert row.no_show_rate == pytest.approx(1 / 3, abs=1e-4)
    assert row.mean_wait_min == pytest.approx(15.0)  # 12 and 18 minutes from check-in to call
    with pytest.raises(ConflictError):  # a called number is no no-show
        station.bookings.no_show(nurse, called.id)


def test_no_show_is_refused_before_the_slot_starts(station):
    a = citizen(station, "+84912000061")
    booking = station.bookings.book(principal(a.id, Role.CITIZEN), NewBooking(slot_id=f"{TUESDAY}0730.bs-lan.general"))
    with pytest.raises(ConflictError, match="not started"):
        station.bookings.no_show(principal("staff-1", Role.HEALTH), booking.id)


def test_each_reminder_is_sent_once_and_not_for_a_cancelled_booking(station):
    a, b = citizen(station, "+84912000071"), citizen(station, "+84912000072")
    kept = station.bookings.book(principal(a.id, Role.CITIZEN), NewBooking(slot_id="202612020730.bs-lan.general"))
    dropped = station.bookings.book(principal(b.id, Role.CITIZEN), NewBooking(slot_id="202612020730.bs-lan.general"))
    station.bookings.cancel(principal(b.id, Role.CITIZEN), dropped.id)
    before = len(station.sms.sent)
    assert station.bookings.send_due_reminders("2026-12-01T00:30") == [f"{kept.id}:day_before"]
    assert station.bookings.send_due_reminders("2026-12-01T00:30") == []
    assert station.bookings.send_due_reminders("2026-12-01T23:30") == [f"{kept.id}:hour_before"]
    texts = [t for _, t, p in station.sms.sent[before:] if p == "health_reminder"]
    assert len(texts) == 2 and "ngày mai" in texts[0] and "sau 1 giờ nữa" in texts[1]
