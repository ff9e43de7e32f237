"""Telehealth contracts: the station's set-up (practitioners, services, schedules, exceptions, pharmacies), slots,
bookings and the queue, patient records, chat, and the statistics.

Long because: the capability's whole vocabulary lives here (about thirty small models), one place for pages,
FHIR mapping and storage to agree on.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from smartcommune.core.contracts import Contract, PhoneNumber

PRACTITIONER_ID = r"^[a-z0-9][a-z0-9-]{1,30}$"
SERVICE_CODE = r"^[a-z][a-z-]{1,30}$"
SLOT_ID = r"^\d{12}\.[a-z0-9][a-z0-9-]{1,30}\.[a-z][a-z-]{1,30}$"

ServiceMode = Literal["station", "remote"]
BookingStatus = Literal["booked", "checked_in", "called", "done", "cancelled", "no_show"]
ACTIVE_STATUSES: frozenset[str] = frozenset({"booked", "checked_in", "called"})
PractitionerKind = Literal["doctor", "nurse", "midwife"]
ExceptionKind = Literal["leave", "campaign"]
SessionPart = Literal["am", "pm"]
EntryKind = Literal["visit", "note", "diagnosis", "prescription", "vaccination", "consultation", "chat"]


def _hhmm(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError("time must be HH:MM (24 h)")
    return value


HHMM = Annotated[str, AfterValidator(_hhmm)]


def hhmm_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


# ---------------------------------------------------------------- the station's set-up


class Practitioner(Contract):
    """A doctor, nurse or midwife of the station (names are public: they are on the station's board)."""

    id: str = Field(pattern=PRACTITIONER_ID)
    name: str = Field(min_length=2, max_length=100)
    kind: PractitionerKind
    title: str | None = Field(default=None, max_length=60, description="e.g. 'Bác sĩ đa khoa', 'Y sĩ'")
    active: bool = True


class HealthService(Contract):
    """A service the station books: how long one slot is and how many people one slot takes."""

    code: str = Field(pattern=SERVICE_CODE)
    name: str = Field(min_length=2, max_length=100)
    duration_min: int = Field(ge=5, le=240)
    capacity: int = Field(ge=1, le=50, description="people one slot takes (a vaccination slot takes several)")
    mode: ServiceMode = "station"


class WeeklyRule(Contract):
    """One block of a practitioner's week: on ``weekday`` (0 = Monday) from ``start`` to ``end``, ``service``."""

    weekday: int = Field(ge=0, le=6)
    start: HHMM
    end: HHMM
    service: str = Field(pattern=SERVICE_CODE)

    @model_validator(mode="after")
    def _ordered(self) -> WeeklyRule:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class WorkSchedule(Contract):
    """A practitioner's weekly schedule, in the station's time (Asia/Ho_Chi_Minh)."""

    practitioner_id: str = Field(pattern=PRACTITIONER_ID)
    rules: list[WeeklyRule] = Field(min_length=1, max_length=40)
    valid_from: date | None = None
    valid_to: date | None = None


class ScheduleException(Contract):
    """A day off the weekly schedule: a leave (the practitioner, or the whole station when none is named), or a
    campaign day (e.g. vaccination day) that replaces the practitioner's blocks that day with ``service``."""

    id: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    day: date
    kind: ExceptionKind
    practitioner_id: str | None = Field(default=None, pattern=PRACTITIONER_ID)
    service: str | None = Field(default=None, pattern=SERVICE_CODE)
    start: HHMM | None = None
    end: HHMM | None = None
    reason: str = Field(min_length=2, max_length=200)

    @model_validator(mode="after")
    def _campaign_complete(self) -> ScheduleException:
        if self.kind == "campaign" and not (self.practitioner_id and self.service and self.start and self.end):
            raise ValueError("a campaign names the practitioner, the service, start and end")
        if self.start and self.end and self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class Pharmacy(Contract):
    """A pharmacy the station lists for patients with a prescription (kept by staff)."""

    id: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    name: str = Field(min_length=2, max_length=120)
    address: str = Field(min_length=2, max_length=200)
    phone: PhoneNumber | None = None
    lat: float = Field(ge=8, le=24)
    lon: float = Field(ge=102, le=110)
    opens: HHMM = "07:00"
    closes: HHMM = "21:00"


class StationSetup(BaseModel):
    """Everything the slots are made from, read together."""

    practitioners: list[Practitioner] = Field(default_factory=list)
    services: list[HealthService] = Field(default_factory=list)
    schedules: list[WorkSchedule] = Field(default_factory=list)
    exceptions: list[ScheduleException] = Field(default_factory=list)
    pharmacies: list[Pharmacy] = Field(default_factory=list)

    def service(self, code: str) -> HealthService | None:
        return next((s for s in self.services if s.code == code), None)

    def practitioner(self, practitioner_id: str) -> Practitioner | None:
        return next((p for p in self.practitioners if p.id == practitioner_id), None)


# ---------------------------------------------------------------- slots


class Slot(BaseModel):
    """A bookable time of one practitioner for one service; ``booked`` of ``capacity`` places are taken."""

    id: str
    practitioner_id: str
    practitioner_name: str
    service: str
    service_name: str
    mode: ServiceMode
    start: datetime
    end: datetime
    capacity: int
    booked: int = 0

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


class SlotView(Slot):
    free_places: int
    status: Literal["free", "busy"]

    @classmethod
    def of(cls, slot: Slot) -> SlotView:
        return cls(**slot.model_dump(), free_places=slot.free, status="free" if slot.free else "busy")


class SlotQuery(Contract):
    day: date | None = Field(default=None, description="the station's day (today by default)")
    service: str | None = Field(default=None, pattern=SERVICE_CODE)
    days: int = Field(default=1, ge=1, le=14)


class SlotList(BaseModel):
    items: list[SlotView]


# ---------------------------------------------------------------- household members (patients without an account)


MEMBER_ID = r"^[mr]-[0-9a-f]{32}$"  # m-: added at the station or by a guardian; r-: a resident of the register


class NewMember(Contract):
    """A household member a citizen books for (a child, an elderly parent without a phone)."""

    full_name: str = Field(min_length=2, max_length=100)
    birth_date: date
    relation: Literal["child", "parent", "spouse", "grandchild", "other"]


class Member(BaseModel):
    id: str
    guardian_id: str
    full_name: str
    birth_date: date
    relation: str


class MemberList(BaseModel):
    items: list[Member]


# ---------------------------------------------------------------- bookings


class NewBooking(Contract):
    """A citizen books a slot for themselves (no ``member_id``) or a household member."""

    slot_id: str = Field(pattern=SLOT_ID)
    member_id: str | None = Field(default=None, pattern=MEMBER_ID)
    reason: str | None = Field(default=None, max_length=300)


class StaffBooking(Contract):
    """Staff book for someone who came in or phoned: a registered citizen by id, or by phone (and name).

    The patient may be the caller's household member (a grandmother phones for her grandchild): one already listed
    (``member_id``, from ``GET /health/members``) or one added now (``member``), with the caller as guardian.
    """

    slot_id: str = Field(pattern=SLOT_ID)
    citizen_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    phone: PhoneNumber | None = None
    full_name: str | None = Field(default=None, min_length=2, max_length=100)
    member_id: str | None = Field(default=None, pattern=MEMBER_ID)
    member: NewMember | None = None
    reason: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _someone(self) -> StaffBooking:
        if not self.citizen_id and not self.phone:
            raise ValueError("name the citizen (citizen_id) or give their phone")
        if self.member_id and self.member:
            raise ValueError("give either member_id (a listed member) or member (a new one), not both")
        return self


class MemberQuery(Contract):
    """``GET /health/members?phone=…``: the household members of the citizen with this phone."""

    phone: PhoneNumber


class Rebooking(Contract):
    slot_id: str = Field(pattern=SLOT_ID)


class Booking(BaseModel):
    """A booking as stored and as its owner sees it."""

    id: str
    commune_id: str
    code: str
    slot_id: str
    practitioner_id: str
    service: str
    mode: ServiceMode
    start: datetime
    end: datetime
    session: str  # YYYY-MM-DD-am|pm: the queue numbers' scope
    queue_number: int
    owner_id: str  # the citizen account responsible (the patient, or the guardian of a member)
    patient_id: str  # the citizen id, or a member id (m-…)
    patient_name: str | None = None
    phone: str | None = None
    reason: str | None = None
    status: BookingStatus = "booked"
    booked_by: str  # the citizen, or the staff member who booked on their behalf
    meeting_url: str | None = None
    created_at: datetime
    checked_in_at: datetime | None = None
    called_at: datetime | None = None
    finished_at: datetime | None = None
    cancelled_at: datetime | None = None
    version: int = 1


class BookingView(Booking):
    """What the owner and staff see: the phone masked."""

    @classmethod
    def of(cls, booking: Booking) -> BookingView:
        from smartcommune.core.text import mask_phone

        data = booking.model_dump()
        data["phone"] = mask_phone(booking.phone) if booking.phone else None
        return cls(**data)


class BookingList(BaseModel):
    items: list[BookingView]


class DayQuery(Contract):
    day: date | None = None


# ---------------------------------------------------------------- the queue (public: numbers only)


class QueueBoard(BaseModel):
    """The station's TV: the number being served and those waiting, no names."""

    commune_id: str
    session: str
    serving: list[int]
    waiting: list[int]
    updated_at: datetime


# ---------------------------------------------------------------- statistics


class ServiceDay(BaseModel):
    day: date
    service: str
    booked: int
    cancelled: int
    no_show: int
    done: int
    no_show_rate: float | None = Field(description="no-shows among bookings whose time has passed")
    mean_wait_min: float | None = Field(description="check-in to being called")


class BookingStatistics(BaseModel):
    start: date
    end: date
    rows: list[ServiceDay]
    total_booked: int
    no_show_rate: float | None
    mean_wait_min: float | None


class StatsQuery(Contract):
    start: date
    end: date

    @model_validator(mode="after")
    def _range(self) -> StatsQuery:
        if self.end < self.start or (self.end - self.start).days > 62:
            raise ValueError("end must follow start, at most 62 days apart")
        return self


# ---------------------------------------------------------------- patient records


class Diagnosis(Contract):
    code: str = Field(description="ICD-10 code, e.g. I10 or E11.9")
    text: str | None = Field(default=None, max_length=200)


class PrescriptionLine(Contract):
    drug: str = Field(min_length=2, max_length=120)
    dose: str = Field(min_length=1, max_length=120, description="e.g. '1 viên x 2 lần/ngày'")
    days: int = Field(ge=1, le=365)


class Vaccination(Contract):
    vaccine: str = Field(min_length=2, max_length=120)
    dose_number: int = Field(ge=1, le=10)
    lot: str | None = Field(default=None, max_length=40)


class NewEntry(Contract):
    """Staff add to a patient's record: a visit, a note, diagnoses, a prescription, a vaccination, or the notes
    of a remote consultation (``appointment_id``)."""

    kind: Literal["visit", "note", "diagnosis", "prescription", "vaccination", "consultation"]
    appointment_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    text: str | None = Field(default=None, max_length=2000)
    diagnoses: list[Diagnosis] = Field(default_factory=list, max_length=10)
    prescription: list[PrescriptionLine] = Field(default_factory=list, max_length=20)
    vaccination: Vaccination | None = None

    @model_validator(mode="after")
    def _has_content(self) -> NewEntry:
        if self.kind == "diagnosis" and not self.diagnoses:
            raise ValueError("a diagnosis entry lists at least one ICD-10 code")
        if self.kind == "prescription" and not self.prescription:
            raise ValueError("a prescription lists at least one drug")
        if self.kind == "vaccination" and self.vaccination is None:
            raise ValueError("a vaccination entry names the vaccine")
        if self.kind in ("note", "visit", "consultation") and not (self.text or self.diagnoses or self.prescription):
            raise ValueError("the entry has no content")
        return self


class RecordEntry(BaseModel):
    id: str
    patient_id: str
    kind: EntryKind
    at: datetime
    author_id: str
    author_role: str
    appointment_id: str | None = None
    text: str | None = None
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    prescription: list[PrescriptionLine] = Field(default_factory=list)
    vaccination: Vaccination | None = None


class PatientRecord(BaseModel):
    patient_id: str
    commune_id: str
    full_name: str | None
    birth_date: date | None
    guardian_id: str | None
    entries: list[RecordEntry]


class NewMessage(Contract):
    text: str = Field(min_length=1, max_length=1000)


class MessageList(BaseModel):
    items: list[RecordEntry]


# ---------------------------------------------------------------- pharmacies, criteria


class PharmacyQuery(Contract):
    lat: float | None = Field(default=None, ge=8, le=24)
    lon: float | None = Field(default=None, ge=102, le=110)


class PharmacyView(Pharmacy):
    distance_km: float | None
    open_now: bool


class PharmacyList(BaseModel):
    """Empty, with ``prescription`` false, for someone with no prescription (the list is for patients)."""

    prescription: bool
    items: list[PharmacyView]


class PharmacyListAll(BaseModel):
    items: list[Pharmacy]


class Criterion91(BaseModel):
    """Tiêu chí 9.1: share of the population with a health record managed by IT."""

    commune_id: str
    with_record: int
    population: int
    registered_citizens: int
    share: float | None
    population_source: Literal["commune", "register"]
