"""Patient records at the station: visits, notes, ICD-10 diagnoses, prescriptions, vaccinations, consultation notes
and chat with the doctor, kept per patient. Only the patient (or their guardian) and health staff read it; every
read by staff is written to the audit trail, and so is every entry staff add.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.errors import FieldProblem, ForbiddenError, InvalidInputError, NotFoundError
from smartcommune.telehealth.contracts import (
    Criterion91,
    NewEntry,
    PatientRecord,
    Pharmacy,
    PharmacyView,
    RecordEntry,
    hhmm_time,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from smartcommune.core.principal import Principal
    from smartcommune.telehealth.contracts import Booking
    from smartcommune.telehealth.logic.ports import (
        AuditJournal,
        BookingStore,
        Citizens,
        CommuneStore,
        MemberStore,
        RecordStore,
        SetupStore,
    )

ICD10_FORMAT = re.compile(r"^[A-TV-Z]\d{2}(\.\d{1,2})?$")


@lru_cache(maxsize=1)
def icd10_codes() -> dict[str, str]:
    """The shipped code list (``telehealth/icd10.json``)."""
    text = resources.files("smartcommune.telehealth").joinpath("icd10.json").read_text(encoding="utf-8")
    return dict(json.loads(text)["codes"])


def check_icd10(code: str) -> str:
    """The code, upper-cased, if it is ICD-10 by form and its code or category is in the shipped list."""
    value = code.strip().upper()
    if not ICD10_FORMAT.match(value):
        raise ValueError("format")
    codes = icd10_codes()
    if value not in codes and value.split(".")[0] not in codes:
        raise LookupError("unknown")
    return value


def _icd_problem(index: int, code: str) -> FieldProblem | None:
    try:
        check_icd10(code)
    except ValueError:
        return FieldProblem(
            f"diagnoses.{index}.code",
            f"'{code}' không đúng dạng mã ICD-10 (ví dụ I10, E11.9).",
            f"'{code}' is not an ICD-10 code (e.g. I10, E11.9).",
        )
    except LookupError:
        return FieldProblem(
            f"diagnoses.{index}.code",
            f"Mã '{code}' không có trong danh mục ICD-10 của trạm.",
            f"Code '{code}' is not in the station's ICD-10 list.",
        )
    return None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class PatientInfo:
    id: str
    name: str | None
    birth_date: date | None
    guardian_id: str | None


class RecordService:
    """Patient records and their access rules."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        records: RecordStore,
        members: MemberStore,
        citizens: Citizens,
        bookings: BookingStore,
        setup: SetupStore,
        communes: CommuneStore,
        audit: AuditJournal,
    ) -> None:
        self._clock = clock
        self._records = records
        self._members = members
        self._citizens = citizens
        self._bookings = bookings
        self._setup = setup
        self._communes = communes
        self._audit = audit

    # ------------------------------------------------------------ who the patient is, and who may see them

    def patient(self, commune_id: str, patient_id: str) -> PatientInfo:
        if patient_id.startswith(("m-", "r-")):
            member = self._members.get(commune_id, patient_id)
            if member is not None:
                return PatientInfo(member.id, member.full_name, member.birth_date, member.guardian_id)
        else:
            citizen = self._citizens.get(commune_id, patient_id)
            if citizen is not None:
                return PatientInfo(citizen.id, citizen.full_name, citizen.birth_date, None)
        raise NotFoundError("Không tìm thấy người bệnh này.", "No such patient.")

    def _check(self, caller: Principal, patient: PatientInfo) -> None:
        if Role.HEALTH in caller.roles:
            return
        if caller.kind == "citizen" and caller.subject_id in (patient.id, patient.guardian_id):
            return
        raise ForbiddenError(
            "Chỉ người bệnh, người giám hộ và cán bộ y tế được xem hồ sơ sức khỏe.",
            "Only the patient, their guardian and health staff may see a health record.",
        )

    def _audit_read(self, caller: Principal, patient_id: str, what: str, request_id: str | None) -> None:
        if caller.kind == "staff":
            self._audit.commit(
                caller.commune_id,
                AuditRecord(
                    actor_id=caller.subject_id,
                    actor_role=caller.primary_role,
                    action="health_record.read",
                    target=f"patient/{patient_id}",
                    after={"what": what},
                    request_id=request_id,
                ),
            )

    def patient_for(self, caller: Principal, patient_id: str, request_id: str | None = None) -> PatientInfo:
        """Who the patient is, for someone allowed to see their record (a staff read is audited)."""
        patient = self.patient(caller.commune_id, patient_id)
        self._check(caller, patient)
        self._audit_read(caller, patient_id, "patient", request_id)
        return patient

    # ------------------------------------------------------------ the record

    def read(self, caller: Principal, patient_id: str, request_id: str | None = None) -> PatientRecord:
        patient = self.patient(caller.commune_id, patient_id)
        self._check(caller, patient)
        self._audit_read(caller, patient_id, "record", request_id)
        entries = self._records.entries(caller.commune_id, patient_id)
        return PatientRecord(
            patient_id=patient.id,
            commune_id=caller.commune_id,
            full_name=patient.name,
            birth_date=patient.birth_date,
            guardian_id=patient.guardian_id,
            entries=entries,
        )

    def add(self, caller: Principal, patient_id: str, new: NewEntry, request_id: str | None = None) -> RecordEntry:
        """Health staff add to a record (the entry and its audit entry in one transaction)."""
        patient = self.patient(caller.commune_id, patient_id)
        problems = [p for i, d in enumerate(new.diagnoses) if (p := _icd_problem(i, d.code)) is not None]
        if problems:
            raise InvalidInputError(
                "Mã chẩn đoán ICD-10 chưa đúng.", "An ICD-10 diagnosis code is not valid.", details=problems
            )
        if new.appointment_id:
            booking = self._bookings.get(caller.commune_id, new.appointment_id)
            if booking is None or booking.patient_id != patient.id:
                raise InvalidInputError(
                    "Lịch khám không thuộc người bệnh này.", "The appointment is not this patient's."
                )
        diagnoses = [d.model_copy(update={"code": check_icd10(d.code)}) for d in new.diagnoses]
        entry = RecordEntry(
            id=uuid.uuid4().hex,
            patient_id=patient.id,
            kind=new.kind,
            at=self._clock(),
            author_id=caller.subject_id,
            author_role=caller.primary_role.value,
            appointment_id=new.appointment_id,
            text=new.text,
            diagnoses=[d.model_copy(update={"text": d.text or icd10_codes().get(d.code)}) for d in diagnoses],
            prescription=new.prescription,
            vaccination=new.vaccination,
        )
        audit = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action="health_record.add",
            target=f"patient/{patient.id}",
            after={"entry": entry.id, "kind": entry.kind, "codes": [d.code for d in entry.diagnoses]},
            request_id=request_id,
        )
        return self._records.add(caller.commune_id, entry, audit)

    # ------------------------------------------------------------ chat of a remote consultation

    def _booking_for_chat(self, caller: Principal, booking_id: str) -> Booking:
        booking = self._bookings.get(caller.commune_id, booking_id)
        if booking is None or not (Role.HEALTH in caller.roles or booking.owner_id == caller.subject_id):
            raise NotFoundError("Không tìm thấy lịch khám này.", "No such booking.")
        return booking

    def post_message(self, caller: Principal, booking_id: str, text: str) -> RecordEntry:
        booking = self._booking_for_chat(caller, booking_id)
        if booking.status in ("cancelled", "no_show"):
            raise InvalidInputError("Lịch khám đã hủy.", "The booking was cancelled.")
        entry = RecordEntry(
            id=uuid.uuid4().hex,
            patient_id=booking.patient_id,
            kind="chat",
            at=self._clock(),
            author_id=caller.subject_id,
            author_role=caller.primary_role.value,
            appointment_id=booking.id,
            text=text,
        )
        return self._records.add(caller.commune_id, entry, None)

    def messages(self, caller: Principal, booking_id: str, request_id: str | None = None) -> list[RecordEntry]:
        booking = self._booking_for_chat(caller, booking_id)
        self._audit_read(caller, booking.patient_id, f"chat/{booking.id}", request_id)
        return [
            e
            for e in self._records.entries(caller.commune_id, booking.patient_id)
            if e.kind == "chat" and e.appointment_id == booking.id
        ]

    # ------------------------------------------------------------ pharmacies

    def pharmacies_for(self, caller: Principal, lat: float | None, lon: float | None) -> list[PharmacyView] | None:
        """Nearest pharmacies first, for a citizen who (or whose household member) has a prescription; ``None``
        for anyone else."""
        patients = [caller.subject_id] + [m.id for m in self._members.of_guardian(caller.commune_id, caller.subject_id)]
        if not any(
            e.kind in ("prescription", "consultation", "visit") and e.prescription
            for p in patients
            for e in self._records.entries(caller.commune_id, p)
        ):
            return None
        return nearest(self._setup.setup(caller.commune_id).pharmacies, lat, lon, self._clock())

    # ------------------------------------------------------------ criterion 9.1

    def criterion_91(self, commune_id: str) -> Criterion91:
        """Share of the population with a health record managed by IT (Tiêu chí 9.1)."""
        with_record = self._records.patients_with_record(commune_id)
        registered, cursor = 0, None
        while True:
            page, cursor = self._citizens.page(
                commune_id, hamlet_id=None, status=None, words=[], cursor=cursor, limit=100
            )
            registered += len(page)
            if not cursor:
                break
        commune = self._communes.get(commune_id)
        population = commune.population if commune is not None and commune.population else None
        denominator = population or registered
        return Criterion91(
            commune_id=commune_id,
            with_record=with_record,
            population=denominator,
            registered_citizens=registered,
            share=round(with_record / denominator, 4) if denominator else None,
            population_source="commune" if population else "register",
        )


def nearest(pharmacies: list[Pharmacy], lat: float | None, lon: float | None, now: datetime) -> list[PharmacyView]:
    clock = now.astimezone(VN_TZ).time()
    views = [
        PharmacyView(
            **p.model_dump(),
            distance_km=round(distance_km(lat, lon, p.lat, p.lon), 2) if lat is not None and lon is not None else None,
            open_now=hhmm_time(p.opens) <= clock < hhmm_time(p.closes),
        )
        for p in pharmacies
    ]
    return sorted(views, key=lambda v: (v.distance_km if v.distance_km is not None else 0, v.name))
