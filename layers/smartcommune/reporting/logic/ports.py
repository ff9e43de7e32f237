"""What the reporting rules need from the outside world (storage, other capabilities, keys), as protocols."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.reporting.contracts import Computed, IndicatorValue, Report, ReportStatus, Scorecard


class Provider(Protocol):
    """Computes one indicator of one commune for one period from another capability's data (through its wiring).

    ``None`` means the platform does not hold the number (yet): the scorecard then shows the value staff entered.
    """

    def __call__(self, commune_id: str, period: str) -> Computed | None: ...


class ValueStore(Protocol):
    """Values staff entered, per commune, indicator and period (``reporting.storage``)."""

    def at_or_before(self, commune_id: str, code: str, period: str) -> IndicatorValue | None: ...

    def before(self, commune_id: str, code: str, period: str) -> IndicatorValue | None: ...

    def series(self, commune_id: str, code: str, start: str, end: str) -> list[IndicatorValue]: ...

    def put(self, value: IndicatorValue, audit: AuditRecord) -> None: ...


class SnapshotStore(Protocol):
    """The scorecard of each commune and month as it stood (``reporting.storage``)."""

    def get(self, commune_id: str, month: str) -> Scorecard | None: ...

    def put(self, scorecard: Scorecard) -> None: ...

    def between(self, commune_id: str, first: str, last: str) -> list[Scorecard]: ...


class ReportStore(Protocol):
    """Reports, one item per version plus a head (``reporting.storage``); every write carries its audit entry."""

    def create(self, report: Report, audit: AuditRecord) -> Report: ...

    def save(self, before: Report, after: Report, audit: AuditRecord, jws: str | None = None) -> Report: ...

    def get(self, commune_id: str, report_id: str, version: int | None = None) -> Report | None: ...

    def list(self, commune_id: str, status: ReportStatus | None) -> list[Report]: ...

    def latest_sent(self, commune_id: str) -> Report | None: ...

    def jws(self, commune_id: str, report_id: str, version: int) -> str | None: ...


class Signer(Protocol):
    """Signs JWS input with ES256 (a local key file, or KMS in AWS); returns the raw 64-byte r‖s signature."""

    @property
    def key_id(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...

    def public_jwk(self) -> dict[str, Any]: ...


class PdfSigner(Protocol):
    """Signs a PDF with PAdES (pyHanko), by the demo CA's certificate locally, the commune's in AWS."""

    def sign(self, pdf: bytes, *, reason: str, location: str) -> bytes: ...

    def ca_pem(self) -> str: ...


class CommuneNames(Protocol):
    def name_of(self, commune_id: str) -> str: ...
