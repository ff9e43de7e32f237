"""Registering households and residents, their moves and deaths, and the commune's age profile.

Counters by birth year and sex move in the same transaction as the record that changes them, so the figures a
forecast reads are those of the register, without a scan. After a commune merger, the old communes' counters stay
where they were (their residents moved; see ``communes.logic.merger``) and are added up with the new one's.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import VN_TZ
from smartcommune.core.errors import ConflictError, InvalidInputError, NotFoundError
from smartcommune.population.contracts import (
    AgeBand,
    AgeProfile,
    Household,
    HouseholdPage,
    HouseholdQuery,
    NewHousehold,
    NewResident,
    PopulationView,
    Resident,
    ResidentChange,
    SexCounts,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from smartcommune.core.principal import Principal
    from smartcommune.population.logic.ports import CitizenAccounts, CommunePredecessors, RegisterStore


def age_bands(profile: AgeProfile, as_of: date, width: int = 5, last: int = 80) -> list[AgeBand]:
    """Five-year bands '0–4' … '75–79', '80+' of the age each birth year reaches in ``as_of``'s year."""
    bands: dict[int, SexCounts] = {start: SexCounts() for start in range(0, last + 1, width)}
    for year, counts in profile.by_birth_year.items():
        age = max(0, as_of.year - year)
        start = min(last, age - age % width)
        bands[start] = SexCounts(male=bands[start].male + counts.male, female=bands[start].female + counts.female)
    return [
        AgeBand(label=f"{s}+" if s == last else f"{s}–{s + width - 1}", male=c.male, female=c.female)
        for s, c in sorted(bands.items())
    ]


class PopulationService:
    def __init__(
        self,
        store: RegisterStore,
        citizens: CitizenAccounts,
        communes: CommunePredecessors,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._citizens = citizens
        self._communes = communes
        self._clock = clock

    def _today(self) -> date:
        return self._clock().astimezone(VN_TZ).date()

    def _resident(self, household_id: str, new: NewResident) -> Resident:
        if new.birth_date > self._today():
            raise InvalidInputError("Ngày sinh không thể ở tương lai.", "The birth date is in the future.")
        return Resident(id=f"r-{uuid.uuid4().hex}", household_id=household_id, **new.model_dump())

    def _check_accounts(self, commune_id: str, residents: list[NewResident]) -> None:
        for r in residents:
            if r.citizen_id and not self._citizens.exists(commune_id, r.citizen_id):
                raise InvalidInputError(
                    f"Không có tài khoản công dân {r.citizen_id} trong xã.",
                    f"No citizen account {r.citizen_id} in this commune.",
                )

    def register(self, caller: Principal, new: NewHousehold) -> Household:
        self._check_accounts(caller.commune_id, new.residents)
        residents = [self._resident(new.id, r) for r in new.residents]
        head = next(r for r in residents if r.relation == "head")
        household = Household(
            id=new.id,
            commune_id=caller.commune_id,
            hamlet_id=new.hamlet_id,
            address=new.address,
            head_name=head.full_name,
            created_at=self._clock(),
            residents=residents,
        )
        record = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action="population.household_registered",
            target=f"household/{new.id}",
            after={"hamlet_id": new.hamlet_id, "residents": len(residents)},  # no names or dates in the trail
        )
        try:
            self._store.register(household, record)
        except ConflictError as exc:
            raise ConflictError(
                f"Số hộ {new.id} đã có trong sổ đăng ký.", f"Household {new.id} is already registered."
            ) from exc
        return household

    def add_resident(self, caller: Principal, household_id: str, new: NewResident) -> Resident:
        household = self.household(caller, household_id)
        if new.relation == "head":
            raise InvalidInputError(
                "Hộ đã có chủ hộ; hãy ghi quan hệ khác.", "The household has a head already; give another relation."
            )
        self._check_accounts(caller.commune_id, [new])
        resident = self._resident(household.id, new)
        record = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action="population.resident_added",
            target=f"household/{household.id}/resident/{resident.id}",
            after={"relation": resident.relation, "birth_year": resident.birth_date.year},
        )
        self._store.add_resident(caller.commune_id, resident, record)
        return resident

    def change_resident(
        self, caller: Principal, household_id: str, resident_id: str, change: ResidentChange
    ) -> Resident:
        household = self.household(caller, household_id)
        before = next((r for r in household.residents if r.id == resident_id), None)
        if before is None:
            raise NotFoundError("Không có người này trong hộ.", "No such resident in this household.")
        if before.status != "resident":
            raise ConflictError("Người này đã không còn cư trú trong hộ.", "This person no longer lives here.")
        if change.since > self._today() or change.since < before.birth_date:
            raise InvalidInputError("Ngày thay đổi không hợp lệ.", "The date of the change is not valid.")
        after = before.model_copy(
            update={
                "status": change.status,
                "status_since": change.since,
                "status_note": change.note,
                "version": before.version + 1,
            }
        )
        record = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action=f"population.resident_{change.status}",
            target=f"household/{household.id}/resident/{resident_id}",
            before={"status": before.status},
            after={"status": after.status, "since": change.since.isoformat()},
        )
        self._store.change_resident(caller.commune_id, before, after, record)
        return after

    def household(self, caller: Principal, household_id: str) -> Household:
        household = self._store.household(caller.commune_id, household_id)
        if household is None:
            raise NotFoundError("Không có hộ này trong sổ đăng ký.", "No such household in the register.")
        return household

    def households(self, caller: Principal, query: HouseholdQuery) -> HouseholdPage:
        items, cursor = self._store.households(caller.commune_id, query.hamlet_id, query.cursor, query.limit)
        return HouseholdPage(items=items, next_cursor=cursor)

    def my_household(self, caller: Principal) -> Household:
        """A citizen's own household (the one a resident linked to their account lives in)."""
        household_id = self._store.household_of_citizen(caller.commune_id, caller.subject_id)
        household = self._store.household(caller.commune_id, household_id) if household_id else None
        if household is None:
            raise NotFoundError(
                "Tài khoản của bạn chưa gắn với hộ nào trong sổ đăng ký; hãy liên hệ văn phòng UBND xã.",
                "Your account is not linked to a household of the register; ask the commune office.",
            )
        return household

    def household_of_account(self, commune_id: str, citizen_id: str) -> Household | None:
        """The household a citizen's account lives in, as the register holds it (None if not registered)."""
        household_id = self._store.household_of_citizen(commune_id, citizen_id)
        return self._store.household(commune_id, household_id) if household_id else None

    def age_profile(self, commune_id: str) -> AgeProfile:
        """The commune's residents by birth year and sex, with those of the communes merged into it."""
        households = residents = 0
        by_year: dict[int, SexCounts] = {}
        for cid in [commune_id, *self._communes.predecessors(commune_id)]:
            h, r, years = self._store.counters(cid)
            households, residents = households + h, residents + r
            for year, counts in years.items():
                total = by_year.get(year, SexCounts())
                by_year[year] = SexCounts(male=total.male + counts.male, female=total.female + counts.female)
        return AgeProfile(
            commune_id=commune_id,
            households=households,
            residents=residents,
            by_birth_year={y: c for y, c in sorted(by_year.items()) if c.total},
        )

    def public_view(self, commune_id: str) -> PopulationView:
        profile = self.age_profile(commune_id)
        today = self._today()
        return PopulationView(
            commune_id=commune_id,
            households=profile.households,
            residents=profile.residents,
            as_of=today,
            bands=age_bands(profile, today),
        )
