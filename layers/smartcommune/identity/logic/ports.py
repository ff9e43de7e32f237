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
    """A staff account with its password hash and the moment before which its sessions are void."""

    account: StaffAccount
    password_hash: str
    sessions_valid_after: datetime | None = None


@dataclass(frozen=True)
class LoginAttempt:
    """What the sign-in guard of one username said to one attempt, before its password was checked.

    ``admitted``: the attempt may be checked; ``failures`` counts it (and the failures in a row before it).
    Refused: the username is locked out until ``locked_until``.
    """

    admitted: bool
    failures: int = 0
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

    def change(self, before: StaffRecord, after: StaffRecord, audit: AuditRecord, *, admin_witness: str) -> None:
        """Store ``after`` (status, roles, ``sessions_valid_after``) with its audit entry in one transaction.

        Only if the account still is as ``before`` says, and the account ``admin_witness`` (of the same commune)
        still is an active administrator: so two administrators removing each other at once cannot leave a
        commune without one. Else nothing is written and :class:`ConflictError` is raised.
        """

    def replace_password_hash(self, commune_id: str, staff_id: str, old_hash: str, new_hash: str) -> bool:
        """Store ``new_hash`` if the stored hash still is ``old_hash`` (a re-hash at a new cost); True if it did."""

    def admit_attempt(self, guard_key: str, now: datetime, max_failures: int, lockout_s: int) -> LoginAttempt:
        """Count one sign-in attempt on ``guard_key`` atomically, before its password is checked.

        Admitted while fewer than ``max_failures`` attempts in a row have been counted and the key is not locked
        out at ``now``; so of a burst sent at once, at most ``max_failures`` are ever checked. If the count is
        used up but no lock-out was written (the attempt that used it failed mid-way), it locks out for
        ``lockout_s`` now.
        """

    def lock_out(self, guard_key: str, until: datetime) -> None:
        """Lock ``guard_key`` out until ``until`` and start counting afresh after it."""

    def clear_attempts(self, guard_key: str) -> None:
        """A correct password: the failures in a row start again from zero."""


class SessionStore(Protocol):
    def put(self, session: Session) -> None: ...

    def get(self, token_hash: str) -> Session | None: ...

    def get_with_account(
        self, token_hash: str, kind: Literal["citizen", "staff"], commune_id: str, subject_id: str
    ) -> tuple[Session | None, Citizen | StaffRecord | None]:
        """The session and the account it names, read together (one request)."""
        ...

    def delete(self, token_hash: str) -> None: ...

    def delete_all_of_staff(self, commune_id: str, staff_id: str) -> int:
        """Delete every stored session of a staff account (found through its per-account index); how many."""


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

    def release(self, key: str, window_s: int, now: datetime) -> None:
        """Take back one event counted by :meth:`hit` in the same window (it turned out not to count)."""
