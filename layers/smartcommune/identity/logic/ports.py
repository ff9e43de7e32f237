"""The records sign-in keeps and the ports it keeps them through (``typing.Protocol``).

Its own room because these are the seam between the pure service and the world: ``smartcommune.identity.storage``
implements the stores on DynamoDB, ``smartcommune.sms.storage`` the SMS gateway, ``smartcommune.core.rates`` the rate
limiter, and ``tests/support/identities.py`` all of them in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.citizens.contracts import Citizen
    from smartcommune.identity.contracts import StaffAccount


@dataclass(frozen=True)
class Session:
    """A stored session (the token itself is never stored)."""

    token_hash: str
    subject_id: str
    subject_kind: Literal["citizen", "staff"]
    commune_id: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class StaffRecord:
    """A staff account with its secrets and its failed-login state."""

    account: StaffAccount
    password_hash: str
    failed_logins: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True)
class OtpChallenge:
    """A sign-in code waiting to be used: only its HMAC is kept."""

    commune_id: str
    phone_key: str
    code_hash: str
    attempts: int
    sent_at: datetime
    expires_at: datetime


class SmsGateway(Protocol):
    """Sends a text message (queued; delivered by the sms_sender function)."""

    def send(self, phone_e164: str, text: str, purpose: str) -> None: ...


class CitizenAccounts(Protocol):
    """What sign-in needs of the citizen store (``smartcommune.citizens.logic.CitizenStore`` has the rest)."""

    def get(self, commune_id: str, citizen_id: str) -> Citizen | None: ...

    def find_by_phone(self, commune_id: str, phone: str) -> Citizen | None: ...

    def create(self, citizen: Citizen, audit: AuditRecord | None = None) -> Citizen: ...


class StaffStore(Protocol):
    def by_username(self, username: str) -> StaffRecord | None: ...

    def get(self, commune_id: str, staff_id: str) -> StaffRecord | None: ...

    def list(self, commune_id: str) -> list[StaffAccount]: ...

    def create(self, record: StaffRecord, audit: AuditRecord | None = None) -> None:
        """Store a new account; :class:`ConflictError` if the username is taken."""

    def record_failure(
        self, commune_id: str, staff_id: str, now: datetime, max_failures: int, lockout_s: int
    ) -> datetime | None:
        """Count a failed login; when it reaches ``max_failures`` lock the account and return until when."""

    def record_success(self, commune_id: str, staff_id: str) -> None: ...


class SessionStore(Protocol):
    def put(self, session: Session) -> None: ...

    def get(self, token_hash: str) -> Session | None: ...

    def get_with_account(
        self, token_hash: str, kind: Literal["citizen", "staff"], commune_id: str, subject_id: str
    ) -> tuple[Session | None, Citizen | StaffRecord | None]:
        """The session and the account it names, read together (one request)."""
        ...

    def delete(self, token_hash: str) -> None: ...


class OtpStore(Protocol):
    def get(self, commune_id: str, phone_key: str) -> OtpChallenge | None: ...

    def put(self, challenge: OtpChallenge, sent_before: datetime) -> bool:
        """Store ``challenge`` unless one sent after ``sent_before`` exists (a concurrent resend): then False."""

    def add_failed_attempt(self, commune_id: str, phone_key: str, max_attempts: int) -> int | None:
        """Count a wrong try and return the new count; None if the code is gone or already burned."""

    def consume(self, commune_id: str, phone_key: str, code_hash: str, max_attempts: int, now: datetime) -> bool:
        """Delete the challenge if it still has ``code_hash``, is not burned and not expired; True if it did."""

    def delete(self, commune_id: str, phone_key: str) -> None: ...


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_s: int, now: datetime) -> int | None:
        """Count one event in the fixed window around ``now``; None if within ``limit``, else seconds to wait."""
