"""Booking a slot, the queue number of its session, SMS confirmations and reminders, cancellation, rebooking,
check-in, calling the next number, no-shows, and the booking statistics.

Long because: a booking's whole life is one service (book → remind → check in → call → done, or cancel /
no-show), with the statistics read from the same records.
"""

from __future__ import annotations

import secrets
import time as _time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from smartcommune.audit.contracts import AuditRecord
from smartcommune.citizens.contracts import Citizen
from smartcommune.core.contracts import VN_TZ, Role, format_date_vn
from smartcommune.core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from smartcommune.telehealth.contracts import (
    Booking,
    BookingStatistics,
    Member,
    NewBooking,
    NewMember,
    QueueBoard,
    ServiceDay,
    Slot,
    StaffBooking,
)
from smartcommune.telehealth.logic.ports import AlreadyBookedError, SlotFullError, StaleError
from smartcommune.telehealth.logic.slots import (
    DAY_BEFORE,
    find_slot,
    reminders_for,
    session_of,
    slots_on,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from smartcommune.core.principal import Principal
    from smartcommune.telehealth.logic.ports import (
        AuditJournal,
        BookingStore,
        Citizens,
        HouseholdRegister,
        MemberStore,
        SetupStore,
        SmsGateway,
        VideoProvider,
    )

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def booking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def _hm(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%H:%M")


def confirmation_text(booking: Booking, service_name: str) -> str:
    where = "khám từ xa (đường link trên cổng dịch vụ)" if booking.mode == "remote" else "tại Trạm y tế xã"
    return (
        f"Trạm y tế: đã đặt lịch {service_name} lúc {_hm(booking.start)} ngày {format_date_vn(booking.start)}, "
        f"{where}. Số thứ tự {booking.queue_number}. Mã đặt lịch {booking.code}."
    )


def reminder_text(booking: Booking, kind: str) -> str:
    when = "ngày mai" if kind == DAY_BEFORE else "sau 1 giờ nữa"
    return (
        f"Trạm y tế nhắc lịch: {when}, lúc {_hm(booking.start)} ngày {format_date_vn(booking.start)}. "
        f"Số thứ tự {booking.queue_number}, mã {booking.code}. Hủy lịch trên cổng dịch vụ nếu không đến được."
    )


@dataclass(frozen=True)
class Patient:
    """Who a booking is for: a citizen account, or a household member of one (``owner_id`` the guardian)."""

    id: str
    owner_id: str
    name: str | None
    phone: str | None
    birth_date: date | None = None


class BookingService:
    """Bookings at the station. Every write is conditional: no double booking, no lost update."""

    MAX_ATTEMPTS = 10

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        setup: SetupStore,
        bookings: BookingStore,
        members: MemberStore,
        citizens: Citizens,
        sms: SmsGateway,
        video: VideoProvider,
        audit: AuditJournal,
        register: HouseholdRegister | None = None,
    ) -> None:
        self._register = register
        self._clock = clock
        self._setup = setup
        self._bookings = bookings
        self._members = members
        self._citizens = citizens
        self._sms = sms
        self._video = video
        self._audit = audit

    # ------------------------------------------------------------ slots

    def slots(self, commune_id: str, start_day: date | None, days: int, service: str | None = None) -> list[Slot]:
        """The slots of ``days`` days from ``start_day`` (today), places counted; past slots left out."""
        setup = self._setup.setup(commune_id)
        first = start_day or self._clock().astimezone(VN_TZ).date()
        now = self._clock()
        found: list[Slot] = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            counts = self._bookings.booked_counts(commune_id, day)
            for slot in slots_on(setup, day):
                if slot.start <= now or (service and slot.service != service):
                    continue
                found.append(slot.model_copy(update={"booked": counts.get(slot.id, 0)}))
        return found

    def _slot(self, commune_id: str, slot_id: str) -> Slot:
        slot = find_slot(self._setup.setup(commune_id), slot_id)
        if slot is None:
            raise NotFoundError("Không có khung giờ khám này.", "No such slot in the station's schedule.")
        if slot.start <= self._clock():
            raise InvalidInputError("Khung giờ này đã qua.", "This slot has already started.")
        return slot

    # ------------------------------------------------------------ household members

    def add_member(self, caller: Principal, new: NewMember) -> Member:
        return self._add_member(caller.commune_id, caller.subject_id, new)

    def _add_member(self, commune_id: str, guardian_id: str, new: NewMember) -> Member:
        if new.birth_date > self._clock().astimezone(VN_TZ).date():
            raise InvalidInputError("Ngày sinh không thể ở tương lai.", "The birth date is in the future.")
        member = Member(
            id=f"m-{uuid.uuid4().hex}",
            guardian_id=guardian_id,
            full_name=new.full_name,
            birth_date=new.birth_date,
            relation=new.relation,
        )
        return self._members.add(commune_id, member)

    def members(self, caller: Principal) -> list[Member]:
        return self._household(caller.commune_id, caller.subject_id)

    def members_of_phone(self, caller: Principal, phone: str) -> list[Member]:
        """Staff at the station: the household members of the citizen with this phone (none if not registered)."""
        citizen = self._citizens.find_by_phone(caller.commune_id, phone)
        return [] if citizen is None else self._household(caller.commune_id, citizen.id)

    def _household(self, commune_id: str, citizen_id: str) -> list[Member]:
        """Who a citizen books for: the people living with them in the register, and the members they added."""
        added = self._members.of_guardian(commune_id, citizen_id)
        known = {m.id for m in added}
        housemates = self._register.housemates(commune_id, citizen_id) if self._register else []
        return [*added, *(m for m in housemates if m.id not in known)]

    def _member(self, commune_id: str, citizen_id: str, member_id: str) -> Member:
        """A member the citizen may book for; a resident of the register becomes a patient of the station."""
        member = next((m for m in self._household(commune_id, citizen_id) if m.id == member_id), None)
        if member is None:
            raise ForbiddenError("Người này không thuộc hộ của bạn.", "This person is not a member of your household.")
        if member.id.startswith("r-") and self._members.get(commune_id, member.id) is None:
            self._members.add(commune_id, member)  # (a lost race to add it leaves the same patient)
        return member

    # ------------------------------------------------------------ booking

    def book(self, caller: Principal, request: NewBooking) -> Booking:
        """A citizen books for themselves or a household member they are the guardian of."""
        citizen = self._citizens.get(caller.commune_id, caller.subject_id)
        if citizen is None:
            raise NotFoundError("Không tìm thấy tài khoản công dân.", "Citizen account not found.")
        patient = Patient(citizen.id, citizen.id, citizen.full_name, citizen.phone, citizen.birth_date)
        if request.member_id:
            member = self._member(caller.commune_id, citizen.id, request.member_id)
            patient = Patient(member.id, citizen.id, member.full_name, citizen.phone, member.birth_date)
        return self._book(caller.commune_id, request.slot_id, patient, caller.subject_id, request.reason)

    def book_for(self, caller: Principal, request: StaffBooking) -> Booking:
        """Staff book for someone who came in or phoned (registered now if the phone is new)."""
        commune_id = caller.commune_id
        citizen: Citizen | None = None
        if request.citizen_id:
            citizen = self._citizens.get(commune_id, request.citizen_id)
        elif request.phone:
            citizen = self._citizens.find_by_phone(commune_id, request.phone)
            if citizen is None:
                if not request.full_name:
                    raise InvalidInputError(
                        "Số điện thoại chưa đăng ký: hãy ghi họ tên người bệnh.",
                        "This phone is not registered: give the patient's full name.",
                    )
                now = self._clock()
                citizen = self._citizens.create(
                    Citizen(
                        id=uuid.uuid4().hex,
                        commune_id=commune_id,
                        phone=request.phone,
                        full_name=request.full_name,
                        created_at=now,
                        updated_at=now,
                        created_by=caller.subject_id,
                    )
                )
        if citizen is None:
            raise NotFoundError("Không tìm thấy công dân này.", "No such citizen.")
        patient = Patient(citizen.id, citizen.id, citizen.full_name, citizen.phone, citizen.birth_date)
        member: Member | None = None
        if request.member_id:
            try:
                member = self._member(commune_id, citizen.id, request.member_id)
            except ForbiddenError as exc:
                raise ForbiddenError(
                    "Người này không thuộc hộ của người đặt lịch.", "This person is not in the caller's household."
                ) from exc
        elif request.member:
            self._slot(commune_id, request.slot_id)  # a wrong slot adds nobody to the household
            member = self._add_member(commune_id, citizen.id, request.member)
        if member is not None:
            patient = Patient(member.id, citizen.id, member.full_name, citizen.phone, member.birth_date)
        booking = self._book(commune_id, request.slot_id, patient, caller.subject_id, request.reason)
        self._audit.commit(
            commune_id,
            AuditRecord(
                actor_id=caller.subject_id,
                actor_role=caller.primary_role,
                action="appointment.book_for",
                target=f"appointment/{booking.id}",
                after={"slot_id": booking.slot_id, "queue_number": booking.queue_number, "patient": patient.id},
            ),
        )
        return booking

    def _book(self, commune_id: str, slot_id: str, patient: Patient, booked_by: str, reason: str | None) -> Booking:
        slot = self._slot(commune_id, slot_id)
        now = self._clock()
        booking_id = uuid.uuid4().hex
        booking = Booking(
            id=booking_id,
            commune_id=commune_id,
            code=booking_code(),
            slot_id=slot.id,
            practitioner_id=slot.practitioner_id,
            service=slot.service,
            mode=slot.mode,
            start=slot.start,
            end=slot.end,
            session=session_of(slot.start),
            queue_number=0,  # the store gives the session's next number
            owner_id=patient.owner_id,
            patient_id=patient.id,
            patient_name=patient.name,
            phone=patient.phone,
            reason=reason,
            booked_by=booked_by,
            meeting_url=(
                self._video.meeting_url(commune_id, booking_id, slot.start.isoformat())
                if slot.mode == "remote"
                else None
            ),
            created_at=now,
        )
        try:
            stored = self._bookings.book(booking, slot.capacity, reminders_for(commune_id, booking_id, slot.start, now))
        except SlotFullError as exc:
            raise ConflictError(
                "Khung giờ này vừa hết chỗ, vui lòng chọn giờ khác.", "This slot has just been filled; pick another."
            ) from exc
        except AlreadyBookedError as exc:
            raise ConflictError(
                "Người bệnh đã có lịch ở khung giờ này.", "The patient already holds a place in this slot."
            ) from exc
        if stored.phone:
            self._sms.send(stored.phone, confirmation_text(stored, slot.service_name), "health_booking")
        return stored

    # ------------------------------------------------------------ reading and access

    def get(self, caller: Principal, booking_id: str) -> Booking:
        booking = self._bookings.get(caller.commune_id, booking_id)
        if booking is None or not self.may_see(caller, booking):
            raise NotFoundError("Không tìm thấy lịch khám này.", "No such booking.")
        return booking

    @staticmethod
    def may_see(caller: Principal, booking: Booking) -> bool:
        return Role.HEALTH in caller.roles or booking.owner_id == caller.subject_id

    def mine(self, caller: Principal) -> list[Booking]:
        return sorted(
            self._bookings.by_owner(caller.commune_id, caller.subject_id), key=lambda b: b.start, reverse=True
        )

    def day(self, commune_id: str, day: date | None) -> list[Booking]:
        return self._bookings.by_day(commune_id, day or self._clock().astimezone(VN_TZ).date())

    # ------------------------------------------------------------ changes

    def _change(self, booking: Booking, allowed: set[str], *, cancel: bool = False, **update: object) -> Booking:
        if booking.status not in allowed:
            raise ConflictError(
                f"Lịch khám đang ở trạng thái '{booking.status}', không thể thực hiện thao tác này.",
                f"The booking is '{booking.status}'; this step is not possible now.",
            )
        after = booking.model_copy(update={**update, "version": booking.version + 1})
        try:
            return self._bookings.cancel(booking, after) if cancel else self._bookings.update(booking, after)
        except StaleError as exc:
            raise ConflictError(
                "Lịch khám vừa được người khác thay đổi, vui lòng tải lại.",
                "The booking was changed by someone else; reload and try again.",
            ) from exc

    def cancel(self, caller: Principal, booking_id: str) -> Booking:
        """Cancel (the owner, or staff): the place goes back to the slot."""
        booking = self.get(caller, booking_id)
        if booking.status == "booked" and booking.start <= self._clock() and Role.HEALTH not in caller.roles:
            raise ConflictError("Lịch khám đã đến giờ, không thể hủy.", "The booking has started; too late to cancel.")
        return self._change(
            booking, {"booked", "checked_in"}, cancel=True, status="cancelled", cancelled_at=self._clock()
        )

    def rebook(self, caller: Principal, booking_id: str, slot_id: str) -> Booking:
        """Move a booking to another slot: the new place is taken first, then the old one given back."""
        old = self.get(caller, booking_id)
        if old.status != "booked":
            raise ConflictError("Chỉ đổi được lịch chưa đến khám.", "Only a booking not yet attended can be moved.")
        if old.slot_id == slot_id:
            raise InvalidInputError("Đây là khung giờ hiện tại của lịch.", "That is the booking's current slot.")
        patient = Patient(old.patient_id, old.owner_id, old.patient_name, old.phone)
        new = self._book(caller.commune_id, slot_id, patient, caller.subject_id, old.reason)
        self._change(old, {"booked"}, cancel=True, status="cancelled", cancelled_at=self._clock())
        return new

    def check_in(self, caller: Principal, booking_id: str) -> Booking:
        booking = self.get(caller, booking_id)
        return self._change(booking, {"booked"}, status="checked_in", checked_in_at=self._clock())

    def finish(self, caller: Principal, booking_id: str) -> Booking:
        booking = self.get(caller, booking_id)
        return self._change(booking, {"called"}, status="done", finished_at=self._clock())

    def no_show(self, caller: Principal, booking_id: str) -> Booking:
        booking = self.get(caller, booking_id)
        if booking.start > self._clock():
            raise ConflictError("Chưa đến giờ khám, chưa thể ghi vắng mặt.", "The slot has not started yet.")
        return self._change(booking, {"booked"}, status="no_show")

    def call_next(self, caller: Principal) -> Booking:
        """Call the lowest number checked in for this session (two staff calling at once get two people)."""
        now = self._clock()
        session = session_of(now)
        for _attempt in range(self.MAX_ATTEMPTS):
            waiting = [
                b for b in self.day(caller.commune_id, None) if b.session == session and b.status == "checked_in"
            ]
            if not waiting:
                raise NotFoundError("Không còn ai đang chờ.", "No one is waiting.")
            try:
                after = waiting[0].model_copy(
                    update={"status": "called", "called_at": now, "version": waiting[0].version + 1}
                )
                return self._bookings.update(waiting[0], after)
            except StaleError:
                _time.sleep(0.005)
        raise ConflictError("Hệ thống đang bận, thử lại.", "Busy; try again.")

    # ------------------------------------------------------------ the station's queue board

    def board(self, commune_id: str) -> QueueBoard:
        now = self._clock()
        session = session_of(now)
        today = [b for b in self.day(commune_id, None) if b.session == session]
        return QueueBoard(
            commune_id=commune_id,
            session=session,
            serving=sorted(b.queue_number for b in today if b.status == "called"),
            waiting=sorted(b.queue_number for b in today if b.status == "checked_in"),
            updated_at=now,
        )

    # ------------------------------------------------------------ reminders

    def send_due_reminders(self, bucket: str) -> list[str]:
        return ReminderService(self._clock, self._bookings, self._sms).send_due(bucket)

    # ------------------------------------------------------------ statistics

    def statistics(self, commune_id: str, start: date, end: date) -> BookingStatistics:
        now = self._clock()
        rows: list[ServiceDay] = []
        all_bookings: list[Booking] = []
        day = start
        while day <= end:
            bookings = self._bookings.by_day(commune_id, day)
            all_bookings += bookings
            for service in sorted({b.service for b in bookings}):
                rows.append(_row(day, service, [b for b in bookings if b.service == service], now))
            day += timedelta(days=1)
        total = _row(start, "*", all_bookings, now)
        return BookingStatistics(
            start=start,
            end=end,
            rows=rows,
            total_booked=len(all_bookings),
            no_show_rate=total.no_show_rate,
            mean_wait_min=total.mean_wait_min,
        )


class ReminderService:
    """The day-before and hour-before reminders, each sent once (what the ``health_reminders`` function needs: the
    bookings and the SMS queue, no secret)."""

    def __init__(self, clock: Callable[[], datetime], bookings: BookingStore, sms: SmsGateway) -> None:
        self._clock = clock
        self._bookings = bookings
        self._sms = sms

    def send_due(self, bucket: str) -> list[str]:
        """Send the reminders due in ``bucket`` (UTC minute), each once; the ``booking_id:kind`` sent."""
        sent: list[str] = []
        for reminder in self._bookings.due_reminders(bucket):
            booking = self._bookings.get(reminder.commune_id, reminder.booking_id)
            if booking is None or booking.status != "booked" or not booking.phone:
                continue
            if not self._bookings.claim_reminder(reminder, self._clock().isoformat()):
                continue  # an earlier run sent it
            try:
                self._sms.send(booking.phone, reminder_text(booking, reminder.kind), "health_reminder")
            except Exception:
                self._bookings.release_reminder(reminder)  # the next run tries again
                raise
            sent.append(f"{booking.id}:{reminder.kind}")
        return sent


def _row(day: date, service: str, bookings: list[Booking], now: datetime) -> ServiceDay:
    past = [b for b in bookings if b.start <= now and b.status != "cancelled"]
    no_show = sum(1 for b in bookings if b.status == "no_show")
    waits = [
        (b.called_at - b.checked_in_at).total_seconds() / 60
        for b in bookings
        if b.called_at is not None and b.checked_in_at is not None
    ]
    return ServiceDay(
        day=day,
        service=service,
        booked=len(bookings),
        cancelled=sum(1 for b in bookings if b.status == "cancelled"),
        no_show=no_show,
        done=sum(1 for b in bookings if b.status == "done"),
        no_show_rate=round(no_show / len(past), 4) if past else None,
        mean_wait_min=round(sum(waits) / len(waits), 1) if waits else None,
    )
