"""In-memory fakes of telehealth's ports, with the same conditions as the table (capacity, queue numbers,
one place per patient per slot, versions, reminder markers)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import Role
from smartcommune.core.principal import Principal
from smartcommune.telehealth.logic.booking import BookingService
from smartcommune.telehealth.logic.ports import AlreadyBookedError, SlotFullError, StaleError
from smartcommune.telehealth.logic.records import RecordService
from smartcommune.telehealth.logic.slots import slot_day
from smartcommune_local.health_demo import demo_station
from tests.support.identities import FakeCommunes, InMemoryCitizens, RecordingAudit

if TYPE_CHECKING:
    from datetime import date

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.telehealth.contracts import Booking, Member, RecordEntry, StationSetup
    from smartcommune.telehealth.logic.slots import Reminder


@dataclass
class FakeSetup:
    station: StationSetup

    def setup(self, commune_id: str) -> StationSetup:
        return self.station

    def put(self, commune_id: str, kind: str, key: str, document: str) -> None:  # pragma: no cover - unused
        raise NotImplementedError


@dataclass
class FakeBookings:
    bookings: dict[str, Booking] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)
    guards: set[tuple[str, str]] = field(default_factory=set)
    reminders: dict[tuple[str, str], tuple[Reminder, str | None]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def booked_counts(self, commune_id: str, day: date) -> dict[str, int]:
        return {k: v for k, v in self.counts.items() if slot_day(k) == day}

    def book(self, booking: Booking, capacity: int, reminders: list[Reminder]) -> Booking:
        with self.lock:
            if self.counts.get(booking.slot_id, 0) >= capacity:
                raise SlotFullError(booking.slot_id)
            if (booking.slot_id, booking.patient_id) in self.guards:
                raise AlreadyBookedError(booking.slot_id)
            self.counts[booking.slot_id] = self.counts.get(booking.slot_id, 0) + 1
            self.sessions[booking.session] = self.sessions.get(booking.session, 0) + 1
            self.guards.add((booking.slot_id, booking.patient_id))
            stored = booking.model_copy(update={"queue_number": self.sessions[booking.session]})
            self.bookings[stored.id] = stored
            for r in reminders:
                self.reminders[(r.booking_id, r.kind)] = (r, None)
            return stored

    def get(self, commune_id: str, booking_id: str) -> Booking | None:
        return self.bookings.get(booking_id)

    def update(self, before: Booking, after: Booking) -> Booking:
        with self.lock:
            if self.bookings[before.id].version != before.version:
                raise StaleError(before.id)
            self.bookings[before.id] = after
            return after

    def cancel(self, before: Booking, after: Booking) -> Booking:
        stored = self.update(before, after)
        self.counts[before.slot_id] -= 1
        self.guards.discard((before.slot_id, before.patient_id))
        return stored

    def by_owner(self, commune_id: str, owner_id: str) -> list[Booking]:
        return [b for b in self.bookings.values() if b.owner_id == owner_id]

    def by_day(self, commune_id: str, day: date) -> list[Booking]:
        found = [b for b in self.bookings.values() if b.session.startswith(day.isoformat())]
        return sorted(found, key=lambda b: (b.session, b.queue_number))

    def due_reminders(self, bucket: str) -> list[Reminder]:
        return [r for r, sent in self.reminders.values() if r.bucket == bucket and sent is None]

    def claim_reminder(self, reminder: Reminder, now_iso: str) -> bool:
        with self.lock:
            key = (reminder.booking_id, reminder.kind)
            if self.reminders[key][1] is not None:
                return False
            self.reminders[key] = (reminder, now_iso)
            return True

    def release_reminder(self, reminder: Reminder) -> None:
        self.reminders[(reminder.booking_id, reminder.kind)] = (reminder, None)


@dataclass
class FakeMembers:
    members: dict[str, Member] = field(default_factory=dict)

    def add(self, commune_id: str, member: Member) -> Member:
        self.members[member.id] = member
        return member

    def get(self, commune_id: str, member_id: str) -> Member | None:
        return self.members.get(member_id)

    def of_guardian(self, commune_id: str, guardian_id: str) -> list[Member]:
        return [m for m in self.members.values() if m.guardian_id == guardian_id]


@dataclass
class FakeRecords:
    audit: RecordingAudit
    entries_: list[RecordEntry] = field(default_factory=list)

    def entries(self, commune_id: str, patient_id: str) -> list[RecordEntry]:
        return [e for e in self.entries_ if e.patient_id == patient_id]

    def add(self, commune_id: str, entry: RecordEntry, audit: AuditRecord | None) -> RecordEntry:
        self.entries_.append(entry)
        if audit is not None:
            self.audit.commit(commune_id, audit)
        return entry

    def patients_with_record(self, commune_id: str) -> int:
        return len({e.patient_id for e in self.entries_})


@dataclass
class FakeSms:
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(
        self, phone_e164: str, text: str, purpose: str, thread: str | None = None, order: int | None = None
    ) -> None:
        self.sent.append((phone_e164, text, purpose))


class FakeVideo:
    def meeting_url(self, commune_id: str, booking_id: str, start_iso: str) -> str:
        return f"/citizen/#/kham-benh/tu-xa/{booking_id}/room"


class MovingClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Station:
    """A booking service and a record service on fakes, at 08:00 Monday 30/11/2026 (Vietnam) = 01:00 UTC."""

    clock: MovingClock = field(default_factory=lambda: MovingClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    citizens: InMemoryCitizens = field(default_factory=InMemoryCitizens)
    audit: RecordingAudit = field(default_factory=RecordingAudit)
    bookings_store: FakeBookings = field(default_factory=FakeBookings)
    members: FakeMembers = field(default_factory=FakeMembers)
    sms: FakeSms = field(default_factory=FakeSms)
    setup: Any = None

    def __post_init__(self) -> None:
        self.setup = FakeSetup(demo_station(self.clock().date()))
        self.records_store = FakeRecords(self.audit)
        self.bookings = BookingService(
            clock=self.clock,
            setup=self.setup,
            bookings=self.bookings_store,
            members=self.members,
            citizens=self.citizens,
            sms=self.sms,
            video=FakeVideo(),
            audit=self.audit,
        )
        self.records = RecordService(
            clock=self.clock,
            records=self.records_store,
            members=self.members,
            citizens=self.citizens,
            bookings=self.bookings_store,
            setup=self.setup,
            communes=FakeCommunes(),
            audit=self.audit,
        )


def principal(subject_id: str, *roles: Role, kind: str | None = None) -> Principal:
    return Principal(
        subject_id=subject_id,
        kind=kind or ("citizen" if roles == (Role.CITIZEN,) else "staff"),  # type: ignore[arg-type]
        roles=frozenset(roles),
        commune_id="giao-phong",
        display_name="Thử nghiệm",
        session_id="s",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
