"""What the citizen service needs from the world: its stores, the audit journal, rate counters, a keyed hasher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.citizens.contracts import Citizen


class CitizenStore(Protocol):
    """Where citizens are kept (``smartcommune.citizens.storage.CitizenRepository``; in memory in unit tests)."""

    def get(self, commune_id: str, citizen_id: str) -> Citizen | None: ...

    def find_by_phone(self, commune_id: str, phone: str) -> Citizen | None: ...

    def find_by_cccd(self, commune_id: str, cccd: str) -> Citizen | None: ...

    def create(self, citizen: Citizen, audit: AuditRecord | None = None) -> Citizen:
        """Store a new citizen with its phone (and CCCD) look-ups; :class:`ConflictError` if either is taken."""

    def update(self, before: Citizen, after: Citizen, audit: AuditRecord | None = None) -> Citizen:
        """Replace ``before`` (unchanged since read, else :class:`ConflictError`) by ``after``."""

    def create_many(self, citizens: list[Citizen]) -> None:
        """Bulk import of citizens already checked to be new (no audit; the caller records one entry)."""

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
    ) -> tuple[list[Citizen], str | None]:
        """Citizens of a commune in name order, filtered; the cursor continues where the page ended."""

    def transfer_cccd(self, holder: Citizen, claimant: Citizen, after: Citizen, audit: AuditRecord) -> Citizen:
        """Move ``holder``'s CCCD to ``claimant`` (stored as ``after``): both unchanged since read, one transaction."""


class AuditLog(Protocol):
    def commit(self, commune_id: str, record: AuditRecord, add_writes: Any = None) -> Any: ...


class RateCounters(Protocol):
    """``core.rates.RateCounterRepository`` (in memory in unit tests)."""

    def hit(self, key: str, limit: int, window_s: int, now: datetime) -> int | None: ...


class Hasher(Protocol):
    """``core.pii.PiiHasher``: who is counted never reaches a key in clear."""

    def hash(self, value: str) -> str: ...


@dataclass(frozen=True)
class CitizenLimits:
    """Hourly limits against CCCD probing (``Settings.profile_max_*``, ``cccd_max_lookups_per_staff_per_hour``)."""

    profile_updates_per_citizen: int = 10
    profile_updates_per_client: int = 30
    cccd_lookups_per_staff: int = 30
