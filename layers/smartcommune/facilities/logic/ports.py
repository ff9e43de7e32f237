"""What the facilities' services need from outside: their records (committed with an audit entry) and the
commune's hamlets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.facilities.contracts import School, WifiPoint


class FacilitiesStore(Protocol):
    """The wifi points and schools of a commune (``facilities.storage.FacilitiesRepository``)."""

    def get_point(self, commune_id: str, point_id: str) -> WifiPoint | None: ...

    def points(self, commune_id: str) -> list[WifiPoint]: ...

    def save_point(self, before: WifiPoint | None, after: WifiPoint, audit: AuditRecord) -> WifiPoint:
        """Create (``before`` None: must not exist) or change (conditional on ``before.version``), with the audit
        entry in the same transaction; ``ConflictError`` when someone else changed it first."""
        ...

    def get_school(self, commune_id: str, school_id: str) -> School | None: ...

    def schools(self, commune_id: str) -> list[School]: ...

    def save_school(self, before: School | None, after: School, audit: AuditRecord) -> School: ...


class Hamlets(Protocol):
    """The commune's hamlets by id → name, in the commune's order; ``None`` when the commune does not exist."""

    def __call__(self, commune_id: str) -> dict[str, str] | None: ...
