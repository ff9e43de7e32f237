"""What the register's rules need from storage and from other capabilities (adapters in ``storage``, ``wiring``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.population.contracts import Household, HouseholdSummary, Resident, SexCounts


class RegisterStore(Protocol):
    def register(self, household: Household, record: AuditRecord) -> None:
        """Write a household with its residents and counters at once; ``ConflictError`` if the number is taken."""
        ...

    def add_resident(self, commune_id: str, resident: Resident, record: AuditRecord) -> None: ...

    def change_resident(self, commune_id: str, before: Resident, after: Resident, record: AuditRecord) -> None:
        """Replace ``before`` (at its version) with ``after``; a resident who leaves is no longer counted."""
        ...

    def household(self, commune_id: str, household_id: str) -> Household | None: ...

    def household_of_citizen(self, commune_id: str, citizen_id: str) -> str | None: ...

    def households(
        self, commune_id: str, hamlet_id: str | None, cursor: str | None, limit: int
    ) -> tuple[list[HouseholdSummary], str | None]: ...

    def counters(self, commune_id: str) -> tuple[int, int, dict[int, SexCounts]]:
        """(households, residents, residents by birth year) of one commune's own counters."""
        ...


class CitizenAccounts(Protocol):
    def exists(self, commune_id: str, citizen_id: str) -> bool: ...


class CommunePredecessors(Protocol):
    def predecessors(self, commune_id: str) -> list[str]:
        """Communes merged into this one: their counters stay theirs and are added up (see communes' merger)."""
        ...
