"""What telehealth's services need from outside, as protocols (the storage adapters, or in-memory fakes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import date

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.citizens.contracts import Citizen
    from smartcommune.communes.contracts import Commune
    from smartcommune.telehealth.contracts import Booking, Member, RecordEntry, StationSetup
    from smartcommune.telehealth.logic.slots import Reminder


class SlotFullError(Exception):
    """The slot's places were all taken (the capacity condition failed)."""


class AlreadyBookedError(Exception):
    """The patient already holds a place in this slot."""


class StaleError(Exception):
    """The booking changed since it was read."""


class SetupStore(Protocol):
    def setup(self, commune_id: str) -> StationSetup: ...

    def put(self, commune_id: str, kind: str, key: str, document: str) -> None: ...


class BookingStore(Protocol):
    """Bookings, the slots' capacity counters and the sessions' queue numbers
    (``telehealth.storage.bookings.BookingRepository``)."""

    def booked_counts(self, commune_id: str, day: date) -> dict[str, int]: ...

    def book(self, booking: Booking, capacity: int, reminders: list[Reminder]) -> Booking:
        """Take a place in the slot and the session's next queue number, all or nothing; :class:`SlotFullError`
        if the slot is full, :class:`AlreadyBookedError` if the patient holds a place in it."""

    def get(self, commune_id: str, booking_id: str) -> Booking | None: ...

    def update(self, before: Booking, after: Booking) -> Booking:
        """Replace ``before`` (unchanged since read, else :class:`StaleError`)."""

    def cancel(self, before: Booking, after: Booking) -> Booking:
        """Like :meth:`update`, and give the place back to the slot."""

    def by_owner(self, commune_id: str, owner_id: str) -> list[Booking]: ...

    def by_day(self, commune_id: str, day: date) -> list[Booking]:
        """The day's bookings in session and queue-number order."""

    def due_reminders(self, bucket: str) -> list[Reminder]: ...

    def claim_reminder(self, reminder: Reminder, now_iso: str) -> bool:
        """Mark the reminder sent; ``False`` if it already was (so it is sent once)."""

    def release_reminder(self, reminder: Reminder) -> None: ...


class MemberStore(Protocol):
    """Household members a citizen books for (the citizens register keeps accounts, not their dependants)."""

    def add(self, commune_id: str, member: Member) -> Member: ...

    def get(self, commune_id: str, member_id: str) -> Member | None: ...

    def of_guardian(self, commune_id: str, guardian_id: str) -> list[Member]: ...


class RecordStore(Protocol):
    def entries(self, commune_id: str, patient_id: str) -> list[RecordEntry]: ...

    def add(self, commune_id: str, entry: RecordEntry, audit: AuditRecord | None) -> RecordEntry: ...

    def patients_with_record(self, commune_id: str) -> int: ...


class HouseholdRegister(Protocol):
    """The population register (``population.wiring.population_service``): who lives with a citizen."""

    def housemates(self, commune_id: str, citizen_id: str) -> list[Member]:
        """The citizen's household members as bookable members (ids ``r-…``, the citizen as guardian)."""
        ...


class Citizens(Protocol):
    """The citizens register (``citizens.wiring.citizen_repository``)."""

    def get(self, commune_id: str, citizen_id: str) -> Citizen | None: ...

    def find_by_phone(self, commune_id: str, phone: str) -> Citizen | None: ...

    def create(self, citizen: Citizen, audit: AuditRecord | None = None) -> Citizen: ...

    def page(
        self,
        commune_id: str,
        *,
        hamlet_id: str | None,
        status: str | None,
        words: list[str],
        cursor: str | None,
        limit: int,
        cccd_pending: bool | None = None,
    ) -> tuple[list[Citizen], str | None]: ...


class CommuneStore(Protocol):
    def get(self, commune_id: str) -> Commune | None: ...


class SmsGateway(Protocol):
    def send(
        self, phone_e164: str, text: str, purpose: str, thread: str | None = None, order: int | None = None
    ) -> None: ...


class AuditJournal(Protocol):
    def commit(self, commune_id: str, record: AuditRecord, add_writes: Any = None) -> Any: ...


class VideoProvider(Protocol):
    """Issues the meeting link of a remote consultation (the provider is outside the project)."""

    def meeting_url(self, commune_id: str, booking_id: str, start_iso: str) -> str: ...
