"""The commune's schools (seed V.6, criteria 10.1 and 10.2) and one line of figures per school year: pupils,
classes, teachers, school-management software, digital teaching equipment. Entering a year again replaces that
year's line (a correction); every change is audited with the line as it was and as it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.contracts import VN_TZ
from smartcommune.facilities.contracts import (
    LEVELS_VI,
    NewSchool,
    PublicSchool,
    PublicSchoolList,
    PublicSchoolYear,
    School,
    SchoolList,
    SchoolUpdate,
    SchoolYear,
    SchoolYearEntry,
)
from smartcommune.facilities.logic.common import audit_record, invalid, new_id, not_found, stale

if TYPE_CHECKING:
    from datetime import datetime

    from smartcommune.core.principal import Principal
    from smartcommune.facilities.logic.common import Clock, Communes
    from smartcommune.facilities.logic.ports import FacilitiesStore

SCHOOL_YEAR_STARTS = 8
"""A school year begins in August or September (Vietnam time): from August on, ``Y-(Y+1)`` is the current one."""


def current_school_year(now: datetime) -> str:
    local = now.astimezone(VN_TZ)
    start = local.year if local.month >= SCHOOL_YEAR_STARTS else local.year - 1
    return f"{start}-{start + 1}"


class SchoolService:
    def __init__(self, store: FacilitiesStore, communes: Communes, clock: Clock) -> None:
        self._store = store
        self._communes = communes
        self._clock = clock

    def get(self, caller: Principal, school_id: str) -> School:
        found = self._store.get_school(caller.commune_id, school_id)
        if found is None:
            raise not_found("trường học", "School")
        return found

    def create(self, caller: Principal, new: NewSchool, request_key: str | None) -> School:
        self._communes.check_hamlet(caller.commune_id, new.hamlet_id)
        school_id = new_id("tr", caller, request_key)
        existing = self._store.get_school(caller.commune_id, school_id)
        if existing is not None:
            return existing
        school = School(
            id=school_id,
            commune_id=caller.commune_id,
            **new.model_dump(exclude={"location"}),
            location=new.location,
            updated_at=self._clock(),
            updated_by=caller.display_name,
        )
        audit = audit_record(caller, "facilities.school_added", f"school/{school_id}", None, school)
        return self._store.save_school(None, school, audit)

    def update(self, caller: Principal, school_id: str, change: SchoolUpdate) -> School:
        self._communes.check_hamlet(caller.commune_id, change.hamlet_id)
        before = self.get(caller, school_id)
        if before.version != change.version:
            raise stale()
        after = School.model_validate(
            {
                **before.model_dump(),
                **change.model_dump(exclude={"version"}),
                "updated_at": self._clock(),
                "updated_by": caller.display_name,
            }
        )
        audit = audit_record(
            caller, "facilities.school_changed", f"school/{school_id}", _profile(before), _profile(after)
        )
        return self._store.save_school(before, after, audit)

    def enter_year(self, caller: Principal, school_id: str, entry: SchoolYearEntry) -> School:
        """The figures of one school year (a year entered before is replaced: a correction, audited as such)."""
        latest_allowed = current_school_year(self._clock())
        next_start = int(latest_allowed[:4]) + 1
        if int(entry.school_year[:4]) > next_start:
            raise invalid(
                "school_year",
                f"Năm học chưa tới: nhập tối đa năm học {next_start}-{next_start + 1}.",
                "That school year is too far ahead.",
            )
        before = self.get(caller, school_id)
        if before.version != entry.version:
            raise stale()
        line = SchoolYear(
            **entry.model_dump(exclude={"version"}), entered_at=self._clock(), entered_by=caller.display_name
        )
        previous = next((y for y in before.years if y.school_year == entry.school_year), None)
        years = sorted([*(y for y in before.years if y.school_year != entry.school_year), line], key=_year_key)
        after = before.model_copy(
            update={"years": years, "updated_at": self._clock(), "updated_by": caller.display_name}
        )
        audit = audit_record(
            caller,
            "facilities.school_year_entered",
            f"school/{school_id}/{entry.school_year}",
            previous.model_dump(mode="json") if previous else None,
            line.model_dump(mode="json"),
        )
        return self._store.save_school(before, after, audit)

    def page(self, caller: Principal) -> SchoolList:
        return SchoolList(items=self._store.schools(caller.commune_id))

    def public_list(self, commune_id: str) -> PublicSchoolList:
        hamlets = self._communes.hamlets(commune_id)
        items = []
        for s in self._store.schools(commune_id):
            latest = s.latest
            items.append(
                PublicSchool(
                    id=s.id,
                    name=s.name,
                    level=s.level,
                    level_vi=LEVELS_VI[s.level],
                    hamlet_id=s.hamlet_id,
                    hamlet_name=hamlets.get(s.hamlet_id) if s.hamlet_id else None,
                    location=s.location,
                    latest=PublicSchoolYear(**latest.model_dump(exclude={"entered_at", "entered_by"}))
                    if latest
                    else None,
                )
            )
        return PublicSchoolList(commune_id=commune_id, items=items)


def _year_key(year: SchoolYear) -> str:
    return year.school_year


def _profile(school: School) -> dict[str, object]:
    """A school as the audit trail keeps it on a profile change (the yearly lines have entries of their own)."""
    data: dict[str, object] = school.model_dump(mode="json", exclude={"version", "years"})
    return data
