"""The population register and the commune profile, as the dashboard's ports (citizens' and communes' wiring)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from smartcommune.operations.logic.dashboard import CommuneFacts
from smartcommune.operations.logic.forecasts import Person, person_of

if TYPE_CHECKING:
    from smartcommune.core.services import Services

PAGE = 1000
REGISTER_VI = "sổ đăng ký dân cư của xã (mọi nhân khẩu, kể cả trẻ em)"
ACCOUNTS_VI = "tài khoản công dân có ngày sinh hoặc số CCCD"
KEEP_S = 3600
"""How long a read of the register is reused: forecasts count years, and a commune's register is thousands of
entries (pages of a query), so one read an hour per warm function serves every refresh of the screens."""


class PopulationRegister:
    """The people the forecasts count: the population register's age profile (every resident, children included;
    counters read by key) when that capability is installed and holds residents, else the citizen accounts (page by
    page of their commune index: birth date or CCCD, hamlet)."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._kept: dict[str, tuple[datetime, list[Person], int, str]] = {}
        self.source_vi = ACCOUNTS_VI

    def people(self, commune_id: str) -> tuple[list[Person], int]:
        now = self._services.clock()
        kept = self._kept.get(commune_id)
        if kept is not None and (now - kept[0]).total_seconds() < KEEP_S:
            self.source_vi = kept[3]
            return kept[1], kept[2]
        found = self._residents(commune_id)
        people, unknown = (found, 0) if found else self._read(commune_id)
        self.source_vi = REGISTER_VI if found else ACCOUNTS_VI
        self._kept[commune_id] = (now, people, unknown, self.source_vi)
        return people, unknown

    def _residents(self, commune_id: str) -> list[Person]:
        from smartcommune.operations.wiring import installed

        factory = installed("smartcommune.population.wiring", "population_service")
        if factory is None:
            return []
        profile = self._services.get(factory).age_profile(commune_id)
        people: list[Person] = []
        for year, counts in profile.by_birth_year.items():
            people.extend(Person(int(year), None, "male") for _ in range(counts.male))
            people.extend(Person(int(year), None, "female") for _ in range(counts.female))
        return people

    def _read(self, commune_id: str) -> tuple[list[Person], int]:
        from smartcommune.citizens.wiring import citizen_repository

        repo = self._services.get(citizen_repository)
        people: list[Person] = []
        unknown = 0
        cursor: str | None = None
        while True:
            page, cursor = repo.page(commune_id, hamlet_id=None, status=None, words=[], cursor=cursor, limit=PAGE)
            for citizen in page:
                person = person_of(citizen.birth_date, citizen.cccd, citizen.hamlet_id)
                if person is None:
                    unknown += 1
                else:
                    people.append(person)
            if cursor is None:
                return people, unknown


class CommuneProfiles:
    def __init__(self, services: Services) -> None:
        self._services = services

    def facts(self, commune_id: str) -> CommuneFacts | None:
        from smartcommune.communes.wiring import commune_repository

        commune = self._services.get(commune_repository).get(commune_id)
        if commune is None:
            return None
        return CommuneFacts(
            name=commune.name, population=commune.population, hamlets={h.id: h.name for h in commune.hamlets}
        )
