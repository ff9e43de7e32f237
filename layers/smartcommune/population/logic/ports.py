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

    def replace(
        self, before: Household, version: int, after: Household, changed: Resident, record: AuditRecord
    ) -> None:
        """Write ``after`` over ``before`` read at ``version`` (``ConflictError`` if it changed meanwhile); the
        ``changed`` resident is counted or uncounted with it."""
        ...

    def household(self, commune_id: str, household_id: str) -> tuple[Household, int] | None:
        """The household book and its version."""
        ...

    def household_of_citizen(self, commune_id: str, citizen_id: str) -> str | None: ...

    def households(
        self, commune_id: str, hamlet_id: str | None, cursor: str | None, limit: int
    ) -> tuple[list[HouseholdSummary], str | None]: ...

    def counters(self, commune_id: str) -> tuple[int, int, dict[str, dict[int, SexCounts]]]:
        """(households, residents, residents by hamlet and birth year) of one commune's own counters."""
        ...


class CitizenAccounts(Protocol):
    def exists(self, commune_id: str, citizen_id: str) -> bool: ...


class CommunePredecessors(Protocol):
    def predecessors(self, commune_id: str) -> list[str]:
        """Communes merged into this one: their counters stay theirs and are added up (see communes' merger)."""
        ...
