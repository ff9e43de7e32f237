"""Identity: citizen sign-in by phone OTP, staff sign-in by password, and sessions.

Design decision: identity is our own, in DynamoDB, for citizens and staff alike — not Cognito.

* Citizens sign in with a one-time code sent by SMS. In Cognito that needs custom-auth Lambda triggers
  (define/create/verify challenge), which moto cannot run, so the flow could not be tested offline.
* Sessions are opaque tokens (32 random bytes, URL-safe) stored in DynamoDB with a TTL, not JWTs: every request
  looks its session up, so locking an account (or logging out) takes effect at once, which a JWT valid for
  hours cannot do. Only ``sha256(token)`` is stored (key ``SESSION#<hash>``), so a copy of the table holds no
  usable token; ``expires_at`` is both the check and DynamoDB's TTL.
* Staff passwords are hashed with ``hashlib.scrypt`` (n=2**14, r=8, p=1, 16-byte random salt) and compared in
  constant time; an unknown user costs the same hash as a wrong password, and both get the same message.
* Phone numbers and CCCD in keys are ``HMAC-SHA256(settings.pii_hash_key, value)`` in hex (:class:`PiiHasher`):
  look-ups by exact value work, yet neither ever appears in clear in a key or a log line.
* One-time codes: 6 digits from :mod:`secrets`, stored as an HMAC, valid ``otp_ttl_s``; at most
  ``otp_max_attempts`` wrong tries, then the code is burned; a code is used once (conditional delete). Sending is
  rate-limited per phone and per client (fixed one-hour windows, atomic counters) and a resend must wait
  ``otp_resend_after_s``.

The service is pure: its stores and the SMS gateway are ports (protocols below) that ``smartcommune.dal``
implements on DynamoDB/SQS and the unit tests implement in memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, NoReturn, Protocol

from smartcommune.audit.contracts import AuditRecord
from smartcommune.citizens.contracts import Citizen
from smartcommune.core.contracts import Role
from smartcommune.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
)
from smartcommune.core.principal import Principal
from smartcommune.core.text import mask_phone
from smartcommune.identity.contracts import NewStaffAccount, OtpRequested, PrincipalView, SessionIssued, StaffAccount

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.communes.logic import CommuneStore
    from smartcommune.core.pii import PiiHasher


# ---------------------------------------------------------------- hashing


def new_token(kind: Literal["citizen", "staff"] = "citizen", commune_id: str = "", subject_id: str = "") -> str:
    """A session token: ``<c|s>.<commune>.<subject>.<32 random bytes, URL-safe base64>``.

    The prefix names the account, which is no secret; it lets :meth:`IdentityService.authenticate` read the session
    and the account in one request. Only the whole token's hash finds the session, so the prefix grants nothing.
    """
    return f"{kind[0]}.{commune_id}.{subject_id}.{secrets.token_urlsafe(32)}"


def parse_token(token: str) -> tuple[Literal["citizen", "staff"], str, str] | None:
    """``(kind, commune_id, subject_id)`` named by a token's prefix, or ``None`` if it has none."""
    parts = token.split(".", 3)
    if len(parts) != 4 or parts[0] not in ("c", "s") or not parts[1] or not parts[2] or not parts[3]:
        return None
    return ("citizen" if parts[0] == "c" else "staff"), parts[1], parts[2]


def token_hash(token: str) -> str:
    """What is stored for a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64 parts), so the cost can be raised later without breaking old hashes."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``, compared in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


# Checked against when the username is unknown, so that case costs as much as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password", salt=b"\0" * 16)


# ---------------------------------------------------------------- records and ports


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


# ---------------------------------------------------------------- messages

_BAD_LOGIN = (
    "Tên đăng nhập hoặc mật khẩu không đúng.",
    "The username or password is incorrect.",
)
_SESSION_GONE = (
    "Phiên đăng nhập đã hết hạn hoặc không còn hiệu lực. Vui lòng đăng nhập lại.",
    "Your session has expired or is no longer valid. Please sign in again.",
)


def _commune_short_name(commune: Commune) -> str:
    """``Xã Giao Phong`` → ``Giao Phong`` (the app is "Công dân số Giao Phong")."""
    name = commune.name
    for prefix in ("Xã ", "xã ", "Phường ", "Thị trấn "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def otp_sms_text(commune: Commune, code: str, ttl_s: int) -> str:
    """The SMS a citizen receives with their sign-in code (Vietnamese)."""
    minutes = max(1, ttl_s // 60)
    return (
        f"Mã đăng nhập Công dân số {_commune_short_name(commune)}: {code}. "
        f"Hiệu lực {minutes} phút. Không chia sẻ mã này."
    )


def _ceil_s(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


# ---------------------------------------------------------------- the service


@dataclass(frozen=True)
class IdentityPolicy:
    """The limits of sign-in, taken from :class:`~smartcommune.core.settings.Settings`."""

    citizen_session_ttl_s: int = 30 * 24 * 3600
    staff_session_ttl_s: int = 12 * 3600
    otp_ttl_s: int = 300
    otp_max_attempts: int = 5
    otp_resend_after_s: int = 60
    otp_max_sends_per_phone_per_hour: int = 5
    otp_max_sends_per_client_per_hour: int = 20
    staff_max_failed_logins: int = 5
    staff_lockout_s: int = 15 * 60

    @classmethod
    def of(cls, settings: object) -> IdentityPolicy:
        """The policy named by ``settings`` (the deployment's :class:`~smartcommune.core.settings.Settings`)."""
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})


class IdentityService:
    """Signs people in and out, and resolves a session token to the :class:`Principal` behind it."""

    def __init__(
        self,
        *,
        policy: IdentityPolicy,
        clock: Callable[[], datetime],
        pii: PiiHasher,
        communes: CommuneStore,
        citizens: CitizenAccounts,
        staff: StaffStore,
        sessions: SessionStore,
        otps: OtpStore,
        rates: RateLimiter,
        sms: SmsGateway,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._pii = pii
        self._communes = communes
        self._citizens = citizens
        self._staff = staff
        self._sessions = sessions
        self._otps = otps
        self._rates = rates
        self._sms = sms

    # ------------------------------------------------------------ citizens: one-time codes

    def _commune(self, commune_id: str) -> Commune:
        commune = self._communes.get(commune_id)
        if commune is None:
            raise NotFoundError(
                "Không tìm thấy xã này trên hệ thống.", f"There is no commune '{commune_id}' on the platform."
            )
        return commune

    def _code_hash(self, challenge_phone_key: str, sent_at: datetime, code: str) -> str:
        return self._pii.hash(f"otp|{challenge_phone_key}|{sent_at.isoformat()}|{code}")

    def request_otp(self, commune_id: str, phone: str, client_ip: str) -> OtpRequested:
        """Send a 6-digit sign-in code to ``phone`` (E.164) by SMS.

        Raises :class:`NotFoundError` for an unknown commune and :class:`RateLimitedError` when a resend comes too
        early or the hourly limit per phone or per client is reached.
        """
        policy = self.policy
        commune = self._commune(commune_id)
        now = self._clock()
        phone_key = self._pii.hash(phone)
        existing = self._otps.get(commune_id, phone_key)
        if existing is not None and existing.expires_at > now:
            resend_at = existing.sent_at + timedelta(seconds=policy.otp_resend_after_s)
            if resend_at > now:
                wait = _ceil_s(resend_at - now)
                raise RateLimitedError(
                    f"Mã vừa được gửi. Vui lòng đợi {wait} giây trước khi yêu cầu mã mới.",
                    f"A code was just sent. Please wait {wait} seconds before asking for a new one.",
                    retry_after_s=wait,
                )
        self._limit(f"otp-client#{self._pii.hash(client_ip)}", policy.otp_max_sends_per_client_per_hour, now)
        self._limit(f"otp-phone#{phone_key}", policy.otp_max_sends_per_phone_per_hour, now)
        code = f"{secrets.randbelow(10**6):06d}"
        challenge = OtpChallenge(
            commune_id=commune_id,
            phone_key=phone_key,
            code_hash=self._code_hash(phone_key, now, code),
            attempts=0,
            sent_at=now,
            expires_at=now + timedelta(seconds=policy.otp_ttl_s),
        )
        if not self._otps.put(challenge, sent_before=now - timedelta(seconds=policy.otp_resend_after_s)):
            raise RateLimitedError(
                "Mã vừa được gửi. Vui lòng đợi trước khi yêu cầu mã mới.",
                "A code was just sent. Please wait before asking for a new one.",
                retry_after_s=policy.otp_resend_after_s,
            )
        self._sms.send(phone, otp_sms_text(commune, code, policy.otp_ttl_s), "otp")
        minutes = max(1, policy.otp_ttl_s // 60)
        return OtpRequested(
            message=f"Mã đăng nhập đã được gửi tới số {mask_phone(phone)}. Mã có hiệu lực {minutes} phút.",
            message_en=f"A sign-in code was sent to {mask_phone(phone)}. It is valid for {minutes} minutes.",
            expires_in_s=policy.otp_ttl_s,
            resend_after_s=policy.otp_resend_after_s,
        )

    def _limit(self, key: str, limit: int, now: datetime) -> None:
        wait = self._rates.hit(key, limit, 3600, now)
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            raise RateLimitedError(
                f"Bạn đã yêu cầu quá nhiều mã đăng nhập. Vui lòng thử lại sau {minutes} phút.",
                f"Too many sign-in codes were requested. Please try again in {minutes} minutes.",
                retry_after_s=wait,
            )

    def verify_otp(self, commune_id: str, phone: str, code: str) -> SessionIssued:
        """Sign a citizen in with the code they received; the first sign-in creates their account.

        Raises :class:`UnauthenticatedError` for a wrong, expired, burned or already used code and
        :class:`ForbiddenError` when the account is locked.
        """
        policy = self.policy
        commune = self._commune(commune_id)
        now = self._clock()
        phone_key = self._pii.hash(phone)
        challenge = self._otps.get(commune_id, phone_key)
        if challenge is None:
            raise UnauthenticatedError(
                "Mã đăng nhập không còn hiệu lực (đã dùng hoặc chưa được yêu cầu). Vui lòng yêu cầu mã mới.",
                "This sign-in code is no longer valid (already used or never requested). Please ask for a new one.",
            )
        if challenge.expires_at <= now:
            self._otps.delete(commune_id, phone_key)
            raise UnauthenticatedError(
                "Mã đăng nhập đã hết hạn. Vui lòng yêu cầu mã mới.",
                "The sign-in code has expired. Please ask for a new one.",
            )
        if challenge.attempts >= policy.otp_max_attempts:
            self._burned(commune_id, phone_key)
        if not hmac.compare_digest(self._code_hash(phone_key, challenge.sent_at, code), challenge.code_hash):
            attempts = self._otps.add_failed_attempt(commune_id, phone_key, policy.otp_max_attempts)
            if attempts is None or attempts >= policy.otp_max_attempts:
                self._burned(commune_id, phone_key)
            left = policy.otp_max_attempts - attempts
            raise UnauthenticatedError(
                f"Mã đăng nhập không đúng. Bạn còn {left} lần thử.",
                f"The sign-in code is wrong. {left} tries left.",
            )
        if not self._otps.consume(commune_id, phone_key, challenge.code_hash, policy.otp_max_attempts, now):
            raise UnauthenticatedError(
                "Mã đăng nhập đã được sử dụng. Vui lòng yêu cầu mã mới.",
                "This sign-in code was already used. Please ask for a new one.",
            )
        citizen = self._citizens.find_by_phone(commune_id, phone) or self._register_self(commune_id, phone, now)
        if citizen.status == "locked":
            raise ForbiddenError(
                f"Tài khoản của bạn đã bị khóa. Vui lòng liên hệ Bộ phận một cửa UBND {commune.name} để được hỗ trợ.",
                f"Your account is locked. Please contact the one-stop desk of the People's Committee of "
                f"{commune.name}.",
            )
        return self._issue(_citizen_view(citizen), now)

    def _burned(self, commune_id: str, phone_key: str) -> NoReturn:
        self._otps.delete(commune_id, phone_key)
        raise UnauthenticatedError(
            f"Bạn đã nhập sai mã quá {self.policy.otp_max_attempts} lần nên mã đã bị hủy. Vui lòng yêu cầu mã mới.",
            f"The code was entered wrongly {self.policy.otp_max_attempts} times and is void. Please ask for a new one.",
        )

    def _register_self(self, commune_id: str, phone: str, now: datetime) -> Citizen:
        citizen = Citizen(
            id=uuid.uuid4().hex,
            commune_id=commune_id,
            phone=phone,
            created_at=now,
            updated_at=now,
            created_by="self",
        )
        try:
            return self._citizens.create(citizen)
        except ConflictError:  # signed up at the same moment from another device
            found = self._citizens.find_by_phone(commune_id, phone)
            if found is None:
                raise
            return found

    # ------------------------------------------------------------ staff

    def staff_login(self, username: str, password: str) -> SessionIssued:
        """Sign a staff member in. The same message answers an unknown user and a wrong password.

        After ``staff_max_failed_logins`` failures the account is locked for ``staff_lockout_s``
        (:class:`RateLimitedError`).
        """
        now = self._clock()
        record = self._staff.by_username(username.strip().lower())
        if record is None:
            verify_password(password, _DUMMY_HASH)
            raise UnauthenticatedError(*_BAD_LOGIN)
        account = record.account
        if record.locked_until is not None and record.locked_until > now:
            raise self._locked_out(record.locked_until - now)
        if not verify_password(password, record.password_hash):
            locked_until = self._staff.record_failure(
                account.commune_id, account.id, now, self.policy.staff_max_failed_logins, self.policy.staff_lockout_s
            )
            if locked_until is not None:
                raise self._locked_out(locked_until - now)
            raise UnauthenticatedError(*_BAD_LOGIN)
        if account.status == "locked":
            raise ForbiddenError(
                "Tài khoản cán bộ này đã bị khóa. Vui lòng liên hệ quản trị hệ thống của xã.",
                "This staff account is locked. Please contact the commune's administrator.",
            )
        if record.failed_logins:
            self._staff.record_success(account.commune_id, account.id)
        return self._issue(_staff_view(account), now)

    @staticmethod
    def _locked_out(remaining: timedelta) -> RateLimitedError:
        wait = _ceil_s(remaining)
        minutes = max(1, math.ceil(wait / 60))
        return RateLimitedError(
            f"Đăng nhập sai quá nhiều lần. Tài khoản tạm khóa, vui lòng thử lại sau {minutes} phút.",
            f"Too many failed sign-ins. The account is locked; try again in {minutes} minutes.",
            retry_after_s=wait,
        )

    def create_staff_account(  # noqa: PLR0917 - the seeder's documented signature
        self,
        commune_id: str,
        username: str,
        display_name: str,
        roles: list[Role],
        password: str,
        actor: Principal | None = None,
        request_id: str | None = None,
    ) -> StaffAccount:
        """Create a staff account (used by the demo-data seeder and by ``POST /staff``); idempotent.

        If ``username`` already exists the existing account is returned unchanged (its password is not touched).
        ``actor`` is who does it (``None``: the system, e.g. the seeder); the creation is audited either way.
        Raises :class:`NotFoundError` for an unknown commune and :class:`InvalidInputError` for a bad username,
        role or a password shorter than 10 characters.
        """
        existing = self._staff.by_username(username.strip().lower())
        if existing is not None:
            return existing.account
        return self._create_staff(
            commune_id=commune_id,
            username=username,
            display_name=display_name,
            roles=roles,
            password=password,
            actor=actor,
            request_id=request_id,
        )

    def add_staff(self, actor: Principal, new: NewStaffAccount, request_id: str | None = None) -> StaffAccount:
        """``POST /staff``: an administrator creates an account in their own commune; a taken username → 409."""
        if self._staff.by_username(new.username) is not None:
            raise ConflictError(
                "Tên đăng nhập này đã được dùng. Vui lòng chọn tên khác.",
                "This username is taken. Please choose another.",
            )
        roles = new.staff_roles()
        return self._create_staff(
            commune_id=actor.commune_id,
            username=new.username,
            display_name=new.display_name,
            roles=roles,
            password=new.password,
            actor=actor,
            request_id=request_id,
        )

    def _create_staff(
        self,
        *,
        commune_id: str,
        username: str,
        display_name: str,
        roles: list[Role],
        password: str,
        actor: Principal | None,
        request_id: str | None,
    ) -> StaffAccount:
        from pydantic import ValidationError

        from smartcommune.core.validation import invalid_input

        try:
            new = NewStaffAccount.model_validate(
                {
                    "username": username.strip().lower(),
                    "display_name": display_name,
                    "roles": [str(r) for r in roles],
                    "password": password,
                }
            )
        except ValidationError as exc:
            raise invalid_input(exc) from exc
        self._commune(commune_id)
        now = self._clock()
        account = StaffAccount(
            id=uuid.uuid4().hex,
            username=new.username,
            display_name=new.display_name,
            roles=new.staff_roles(),
            commune_id=commune_id,
            created_at=now,
        )
        audit = AuditRecord(
            actor_id=actor.subject_id if actor else "system",
            actor_role=actor.primary_role if actor else Role.ADMIN,
            action="staff.create",
            target=f"staff/{account.id}",
            before=None,
            after={
                "username": account.username,
                "display_name": account.display_name,
                "roles": [str(r) for r in account.roles],
            },
            request_id=request_id,
        )
        self._staff.create(StaffRecord(account=account, password_hash=hash_password(new.password)), audit)
        return account

    def list_staff(self, actor: Principal) -> list[StaffAccount]:
        """The staff accounts of the caller's commune."""
        return self._staff.list(actor.commune_id)

    def staff_account(self, actor: Principal) -> StaffAccount:
        record = self._staff.get(actor.commune_id, actor.subject_id)
        if record is None:
            raise NotFoundError("Không tìm thấy tài khoản.", "Account not found.")
        return record.account

    # ------------------------------------------------------------ sessions

    def _issue(self, who: PrincipalView, now: datetime) -> SessionIssued:
        ttl = self.policy.citizen_session_ttl_s if who.kind == "citizen" else self.policy.staff_session_ttl_s
        token = new_token(who.kind, who.commune_id, who.subject_id)
        session = Session(
            token_hash=token_hash(token),
            subject_id=who.subject_id,
            subject_kind=who.kind,
            commune_id=who.commune_id,
            issued_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        self._sessions.put(session)
        return SessionIssued(token=token, expires_at=session.expires_at, principal=who)

    def start_session(self, commune_id: str, subject_id: str, kind: Literal["citizen", "staff"]) -> SessionIssued:
        """A session for an existing account without a code or password (tests and trusted tooling only)."""
        now = self._clock()
        if kind == "citizen":
            citizen = self._citizens.get(commune_id, subject_id)
            if citizen is None:
                raise NotFoundError("Không tìm thấy tài khoản.", "Account not found.")
            return self._issue(_citizen_view(citizen), now)
        record = self._staff.get(commune_id, subject_id)
        if record is None:
            raise NotFoundError("Không tìm thấy tài khoản.", "Account not found.")
        account = record.account
        return self._issue(_staff_view(account), now)

    def authenticate(self, token: str) -> Principal:
        """The principal behind a session token; :class:`UnauthenticatedError` if unknown, expired or locked.

        The account is read with the session on every call (one batched read: the token's prefix names the
        account), so locking it (or changing a staff member's roles) applies at once.
        """
        now = self._clock()
        named = parse_token(token)
        if named is None:
            raise UnauthenticatedError(*_SESSION_GONE)
        kind, commune_id, subject_id = named
        session, account = self._sessions.get_with_account(token_hash(token), kind, commune_id, subject_id)
        if (
            session is None
            or session.expires_at <= now
            or (session.subject_kind, session.commune_id, session.subject_id) != named
        ):
            raise UnauthenticatedError(*_SESSION_GONE)
        if session.subject_kind == "citizen":
            citizen = account if isinstance(account, Citizen) else None
            if citizen is None:
                raise UnauthenticatedError(*_SESSION_GONE)
            if citizen.status == "locked" or (
                citizen.sessions_valid_after is not None and session.issued_at <= citizen.sessions_valid_after
            ):
                raise UnauthenticatedError(
                    "Tài khoản của bạn đã bị khóa hoặc phiên đăng nhập đã bị thu hồi. "
                    "Vui lòng liên hệ Bộ phận một cửa UBND xã.",
                    "Your account is locked or this session was revoked. Please contact the commune's one-stop desk.",
                )
            roles: frozenset[Role] = frozenset({Role.CITIZEN})
            name = _citizen_name(citizen)
        else:
            record = account if isinstance(account, StaffRecord) else None
            if record is None or record.account.status == "locked":
                raise UnauthenticatedError(*_SESSION_GONE)
            roles = frozenset(record.account.roles)
            name = record.account.display_name
        return Principal(
            subject_id=session.subject_id,
            kind=session.subject_kind,
            roles=roles,
            commune_id=session.commune_id,
            display_name=name,
            session_id=session.token_hash,
            expires_at=session.expires_at,
        )

    def logout(self, principal: Principal) -> None:
        """End the caller's session (the one whose token signed this request)."""
        self._sessions.delete(principal.session_id)


def _citizen_name(citizen: Citizen) -> str:
    return citizen.full_name or mask_phone(citizen.phone)


def _citizen_view(citizen: Citizen) -> PrincipalView:
    return PrincipalView(
        subject_id=citizen.id,
        kind="citizen",
        roles=[Role.CITIZEN],
        commune_id=citizen.commune_id,
        display_name=_citizen_name(citizen),
    )


def _staff_view(account: StaffAccount) -> PrincipalView:
    return PrincipalView(
        subject_id=account.id,
        kind="staff",
        roles=account.roles,
        commune_id=account.commune_id,
        display_name=account.display_name,
    )
