"""Telehealth repositories: the station's set-up, bookings with their capacity and queue counters (transactions),
reminders, household members and patient records.

Long because: the booking transaction (place, queue number, one place per patient, reminders) and its
cancellation, with the readers and markers that go with them, belong together.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError

from smartcommune.core.errors import ConflictError
from smartcommune.core.table import commune_pk, transaction
from smartcommune.telehealth.contracts import (
    Booking,
    HealthService,
    Member,
    Pharmacy,
    Practitioner,
    RecordEntry,
    ScheduleException,
    StationSetup,
    WorkSchedule,
)
from smartcommune.telehealth.logic.ports import AlreadyBookedError, SlotFullError, StaleError
from smartcommune.telehealth.logic.slots import Reminder, slot_day
from smartcommune.telehealth.storage.items import (
    BookingItem,
    GuardItem,
    MemberItem,
    RecordEntryItem,
    RecordHeadItem,
    ReminderItem,
    SessionCounterItem,
    SetupItem,
    SlotCounterItem,
)

if TYPE_CHECKING:
    from datetime import date

    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.telehealth.logic.ports import AuditJournal

SETUP_KINDS: dict[str, type[Any]] = {
    "PRAC": Practitioner,
    "SVC": HealthService,
    "SCHED": WorkSchedule,
    "EXC": ScheduleException,
    "PHARM": Pharmacy,
}


def _failed(exc: TransactWriteError, index: int) -> bool:
    reasons = exc.cancellation_reasons or []
    reason = reasons[index] if len(reasons) > index else None
    return reason is not None and reason.code == "ConditionalCheckFailed"


class SetupRepository:
    """The station's set-up: one partition per commune, read with one query."""

    def setup(self, commune_id: str) -> StationSetup:
        found: dict[str, list[Any]] = {k: [] for k in SETUP_KINDS}
        for item in SetupItem.query(commune_pk(commune_id, "HEALTH")):
            kind = item.sk.split("#", 1)[0]
            if kind in SETUP_KINDS and isinstance(item, SetupItem):
                found[kind].append(SETUP_KINDS[kind].model_validate_json(item.document))
        return StationSetup(
            practitioners=found["PRAC"],
            services=found["SVC"],
            schedules=found["SCHED"],
            exceptions=found["EXC"],
            pharmacies=found["PHARM"],
        )

    def put(self, commune_id: str, kind: str, key: str, document: str) -> None:
        SetupItem(commune_pk(commune_id, "HEALTH"), f"{kind}#{key}", document=document).save()

    def delete(self, commune_id: str, kind: str, key: str) -> None:
        SetupItem(commune_pk(commune_id, "HEALTH"), f"{kind}#{key}").delete()


def _booking_item(b: Booking) -> BookingItem:
    day = b.session[:10]
    return BookingItem(
        commune_pk(b.commune_id, "APPT", b.id),
        "A",
        document=b.model_dump_json(),
        status=b.status,
        version=b.version,
        gsi1pk=commune_pk(b.commune_id, "APPTBY", b.owner_id),
        gsi1sk=f"{b.start.isoformat()}#{b.id}",
        gsi2pk=commune_pk(b.commune_id, "APPTDAY", day),
        gsi2sk=f"{b.session}#{b.queue_number:05d}#{b.id}",
    )


def _to_booking(item: BookingItem) -> Booking:
    return Booking.model_validate_json(item.document)


class BookingRepository:
    """Bookings. A booking is one transaction: a place in the slot (``booked < capacity``), the session's next
    queue number (``n = expected``), one place per patient per slot, the booking and its reminders."""

    MAX_ATTEMPTS = 40

    def booked_counts(self, commune_id: str, day: date) -> dict[str, int]:
        return {
            item.sk: int(item.booked or 0)
            for item in SlotCounterItem.query(commune_pk(commune_id, "HSLOTS", day.isoformat()))
            if isinstance(item, SlotCounterItem)
        }

    def _session_number(self, commune_id: str, session: str) -> int:
        try:
            item = SessionCounterItem.get(commune_pk(commune_id, "HQSEQ"), session, consistent_read=True)
        except SessionCounterItem.DoesNotExist:
            return 0
        return int(item.n or 0)

    def book(self, booking: Booking, capacity: int, reminders: list[Reminder]) -> Booking:
        commune_id = booking.commune_id
        counter = SlotCounterItem(
            commune_pk(commune_id, "HSLOTS", slot_day(booking.slot_id).isoformat()), booking.slot_id
        )
        for attempt in range(self.MAX_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 5)))  # noqa: S311 - jitter, not secrecy
            previous = self._session_number(commune_id, booking.session)
            stored = booking.model_copy(update={"queue_number": previous + 1})
            session = SessionCounterItem(commune_pk(commune_id, "HQSEQ"), booking.session)
            try:
                with transaction() as tx:
                    tx.update(
                        counter,
                        actions=[
                            SlotCounterItem.booked.add(1),
                            SlotCounterItem.capacity.set(capacity),
                            SlotCounterItem.kind.set(SlotCounterItem),  # an update that creates sets no type
                        ],
                        condition=SlotCounterItem.booked.does_not_exist() | (SlotCounterItem.booked < capacity),
                    )
                    tx.update(
                        session,
                        actions=[
                            SessionCounterItem.n.set(previous + 1),
                            SessionCounterItem.kind.set(SessionCounterItem),
                        ],
                        condition=(
                            SessionCounterItem.n.does_not_exist() if previous == 0 else SessionCounterItem.n == previous
                        ),
                    )
                    tx.save(
                        GuardItem(
                            commune_pk(commune_id, "APPTGUARD", booking.slot_id),
                            booking.patient_id,
                            booking_id=booking.id,
                        ),
                        condition=GuardItem.pk.does_not_exist(),
                    )
                    tx.save(_booking_item(stored), condition=BookingItem.pk.does_not_exist())
                    for r in reminders:
                        tx.save(self._reminder_item(r))
            except TransactWriteError as exc:
                # pynamodb sends a transaction's puts first, then its updates: guard, booking, reminders, slot, session
                slot_at = 2 + len(reminders)
                if _failed(exc, slot_at):
                    raise SlotFullError(booking.slot_id) from exc
                if _failed(exc, 0):
                    raise AlreadyBookedError(booking.slot_id) from exc
                if _failed(exc, slot_at + 1) or (exc.cause_response_code or "") == "TransactionConflict":
                    continue  # another booking took this session's number first
                raise
            return stored
        raise ConflictError("Hệ thống đang bận, vui lòng thử lại.", "The system is busy; please try again.")

    @staticmethod
    def _reminder_item(r: Reminder) -> ReminderItem:
        return ReminderItem(
            commune_pk(r.commune_id, "APPT", r.booking_id),
            f"REMIND#{r.kind}",
            commune_id=r.commune_id,
            booking_id=r.booking_id,
            reminder_kind=r.kind,
            bucket=r.bucket,
            gsi1pk=f"HREMIND#{r.bucket}",
            gsi1sk=f"{r.commune_id}#{r.booking_id}#{r.kind}",
        )

    def get(self, commune_id: str, booking_id: str) -> Booking | None:
        try:
            item = BookingItem.get(commune_pk(commune_id, "APPT", booking_id), "A", consistent_read=True)
        except BookingItem.DoesNotExist:
            return None
        return _to_booking(item)

    def update(self, before: Booking, after: Booking) -> Booking:
        try:
            _booking_item(after).save(condition=BookingItem.version == before.version)
        except PutError as exc:
            raise StaleError(before.id) from exc
        return after

    def cancel(self, before: Booking, after: Booking) -> Booking:
        counter = SlotCounterItem(
            commune_pk(before.commune_id, "HSLOTS", slot_day(before.slot_id).isoformat()), before.slot_id
        )
        try:
            with transaction() as tx:
                tx.save(_booking_item(after), condition=BookingItem.version == before.version)
                tx.update(counter, actions=[SlotCounterItem.booked.add(-1)], condition=SlotCounterItem.booked > 0)
                tx.delete(GuardItem(commune_pk(before.commune_id, "APPTGUARD", before.slot_id), before.patient_id))
        except TransactWriteError as exc:
            raise StaleError(before.id) from exc
        return after

    def by_owner(self, commune_id: str, owner_id: str) -> list[Booking]:
        return [
            _to_booking(i)
            for i in BookingItem.gsi1.query(commune_pk(commune_id, "APPTBY", owner_id))
            if isinstance(i, BookingItem)
        ]

    def by_day(self, commune_id: str, day: date) -> list[Booking]:
        return [
            _to_booking(i)
            for i in BookingItem.gsi2.query(commune_pk(commune_id, "APPTDAY", day.isoformat()))
            if isinstance(i, BookingItem)
        ]

    def due_reminders(self, bucket: str) -> list[Reminder]:
        due: list[Reminder] = []
        for item in ReminderItem.gsi1.query(f"HREMIND#{bucket}"):
            if isinstance(item, ReminderItem) and item.sent_at is None:
                due.append(Reminder(item.commune_id, item.booking_id, item.reminder_kind, item.bucket))
        return due

    def claim_reminder(self, reminder: Reminder, now_iso: str) -> bool:
        item = self._reminder_item(reminder)
        try:
            item.update(
                actions=[ReminderItem.sent_at.set(now_iso)],
                condition=ReminderItem.pk.exists() & ReminderItem.sent_at.does_not_exist(),
            )
        except UpdateError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_code):
                return False
            raise
        return True

    def release_reminder(self, reminder: Reminder) -> None:
        self._reminder_item(reminder).update(actions=[ReminderItem.sent_at.remove()])


class MemberRepository:
    def add(self, commune_id: str, member: Member) -> Member:
        MemberItem(
            commune_pk(commune_id, "HMEMBER", member.id),
            "M",
            document=member.model_dump_json(),
            gsi1pk=commune_pk(commune_id, "HMEMBERS", member.guardian_id),
            gsi1sk=member.id,
        ).save(condition=MemberItem.pk.does_not_exist())
        return member

    def get(self, commune_id: str, member_id: str) -> Member | None:
        try:
            item = MemberItem.get(commune_pk(commune_id, "HMEMBER", member_id), "M")
        except MemberItem.DoesNotExist:
            return None
        return Member.model_validate_json(item.document)

    def of_guardian(self, commune_id: str, guardian_id: str) -> list[Member]:
        return [
            Member.model_validate_json(i.document)
            for i in MemberItem.gsi1.query(commune_pk(commune_id, "HMEMBERS", guardian_id))
            if isinstance(i, MemberItem)
        ]


class RecordRepository:
    """Patient records: a head (counted for criterion 9.1) and entries in time order."""

    def __init__(self, audit: AuditJournal) -> None:
        self._audit = audit

    def entries(self, commune_id: str, patient_id: str) -> list[RecordEntry]:
        return [
            RecordEntry.model_validate_json(i.document)
            for i in RecordEntryItem.query(
                commune_pk(commune_id, "HREC", patient_id), RecordEntryItem.sk.startswith("E#")
            )
            if isinstance(i, RecordEntryItem)
        ]

    def add(self, commune_id: str, entry: RecordEntry, audit: AuditRecord | None) -> RecordEntry:
        pk = commune_pk(commune_id, "HREC", entry.patient_id)

        def writes(tx: TransactWrite) -> None:
            tx.save(RecordEntryItem(pk, f"E#{entry.at.isoformat()}#{entry.id}", document=entry.model_dump_json()))

        if audit is not None:
            self._audit.commit(commune_id, audit, add_writes=writes)
        else:
            with transaction() as tx:
                writes(tx)
        try:  # the head exists once per patient: the record counted by criterion 9.1
            RecordHeadItem(
                pk,
                "HEAD",
                patient_id=entry.patient_id,
                gsi1pk=commune_pk(commune_id, "HRECS"),
                gsi1sk=entry.patient_id,
            ).save(condition=RecordHeadItem.pk.does_not_exist())
        except PutError as exc:
            if "ConditionalCheckFailed" not in str(exc.cause_response_code):
                raise
        return entry

    def patients_with_record(self, commune_id: str) -> int:
        return RecordHeadItem.gsi1.count(commune_pk(commune_id, "HRECS"))
