"""Staff accounts, sessions, one-time sign-in codes in the main table.

Keys (no phone number, CCCD or client address appears in clear in any key):

=====================  ===========================================  =========  ================================
item                   PK                                           SK         GSI1
=====================  ===========================================  =========  ================================
staff account          ``C#<commune>#STAFF#<id>``                   ACCOUNT    ``C#<commune>#STAFF`` / username
staff username         ``STAFFLOGIN#<username>``                    LOGIN      -
session                ``SESSION#<sha256(token)>``                  SESSION    -
sign-in code           ``C#<commune>#OTP#<hmac(phone)>``            CHALLENGE  -
=====================  ===========================================  =========  ================================

Usernames are unique across the deployment (staff sign in with a username alone), so their index item sits
outside any commune's partition and names the commune the account belongs to. Sessions and codes
carry ``ttl`` so DynamoDB removes them; code still checks expiry itself, since TTL deletion is lazy.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError
from smartcommune.core.table import MainTable, commune_pk, transaction
from smartcommune.identity.contracts import StaffAccount
from smartcommune.identity.logic.ports import OtpChallenge, Session, StaffRecord

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal
    from smartcommune.citizens.contracts import Citizen


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(int(epoch), tz=UTC)


def _failed_condition(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


# ---------------------------------------------------------------- staff


class StaffAccountItem(MainTable, discriminator="staff_account"):
    staff_id = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    username = UnicodeAttribute()
    display_name = UnicodeAttribute()
    roles = ListAttribute(of=UnicodeAttribute)
    status = UnicodeAttribute(default="active")
    password_hash = UnicodeAttribute()
    failed_logins = NumberAttribute(default=0)
    locked_until = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class StaffLoginItem(MainTable, discriminator="staff_login"):
    commune_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()


def _staff_pk(commune_id: str, staff_id: str) -> str:
    return commune_pk(commune_id, "STAFF", staff_id)


def _login_pk(username: str) -> str:
    return f"STAFFLOGIN#{username}"


def _to_record(item: StaffAccountItem) -> StaffRecord:
    return StaffRecord(
        account=StaffAccount(
            id=item.staff_id,
            username=item.username,
            display_name=item.display_name,
            roles=[Role(str(r)) for r in item.roles],
            commune_id=item.commune_id,
            status="locked" if item.status == "locked" else "active",
            created_at=item.created_at,
        ),
        password_hash=item.password_hash,
        failed_logins=int(item.failed_logins or 0),
        locked_until=item.locked_until,
    )


class StaffRepository:
    """Staff accounts; implements ``smartcommune.identity.logic.ports.StaffStore``."""

    def __init__(self, audit: AuditJournal) -> None:
        self._audit = audit

    def by_username(self, username: str) -> StaffRecord | None:
        try:
            login = StaffLoginItem.get(_login_pk(username), "LOGIN", consistent_read=True)
        except StaffLoginItem.DoesNotExist:
            return None
        return self.get(login.commune_id, login.staff_id)

    def get(self, commune_id: str, staff_id: str) -> StaffRecord | None:
        try:
            item = StaffAccountItem.get(_staff_pk(commune_id, staff_id), "ACCOUNT", consistent_read=True)
        except StaffAccountItem.DoesNotExist:
            return None
        return _to_record(item)

    def list(self, commune_id: str) -> list[StaffAccount]:
        return [
            _to_record(item).account
            for item in StaffAccountItem.gsi1.query(commune_pk(commune_id, "STAFF"))
            if isinstance(item, StaffAccountItem)
        ]

    def create(self, record: StaffRecord, audit: AuditRecord | None = None) -> None:
        account = record.account

        def writes(tx: TransactWrite) -> None:
            login = StaffLoginItem(
                _login_pk(account.username), "LOGIN", commune_id=account.commune_id, staff_id=account.id
            )
            item = StaffAccountItem(
                _staff_pk(account.commune_id, account.id),
                "ACCOUNT",
                gsi1pk=commune_pk(account.commune_id, "STAFF"),
                gsi1sk=account.username,
                staff_id=account.id,
                commune_id=account.commune_id,
                username=account.username,
                display_name=account.display_name,
                roles=[str(r) for r in account.roles],
                status=account.status,
                password_hash=record.password_hash,
                failed_logins=0,
                created_at=account.created_at,
            )
            tx.save(login, condition=StaffLoginItem.pk.does_not_exist())
            tx.save(item, condition=StaffAccountItem.pk.does_not_exist())

        if audit is not None:
            self._audit.commit(account.commune_id, audit, add_writes=writes)
            return
        try:
            with transaction() as tx:
                writes(tx)
        except TransactWriteError as exc:
            raise ConflictError("Tên đăng nhập này đã được dùng.", "This username is already taken.") from exc

    def record_failure(
        self, commune_id: str, staff_id: str, now: datetime, max_failures: int, lockout_s: int
    ) -> datetime | None:
        item = StaffAccountItem(_staff_pk(commune_id, staff_id), "ACCOUNT")
        item.update(actions=[StaffAccountItem.failed_logins.add(1)], condition=StaffAccountItem.pk.exists())
        if int(item.failed_logins or 0) < max_failures:
            return None
        until = now + timedelta(seconds=lockout_s)
        item.update(
            actions=[StaffAccountItem.failed_logins.set(0), StaffAccountItem.locked_until.set(until)],
            condition=StaffAccountItem.pk.exists(),
        )
        return until

    def record_success(self, commune_id: str, staff_id: str) -> None:
        item = StaffAccountItem(_staff_pk(commune_id, staff_id), "ACCOUNT")
        item.update(
            actions=[StaffAccountItem.failed_logins.set(0), StaffAccountItem.locked_until.remove()],
            condition=StaffAccountItem.pk.exists(),
        )


# ---------------------------------------------------------------- sessions


class SessionItem(MainTable, discriminator="session"):
    subject_id = UnicodeAttribute()
    subject_kind = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    issued_at = UTCDateTimeAttribute()


class CitizenRecords(Protocol):
    """How a citizen's record is keyed and read in the table (``citizens.storage.CitizenRepository``).

    Authentication reads the session and the account in one ``BatchGetItem``; the citizen's key and item type
    stay the citizens capability's own.
    """

    def account_key(self, commune_id: str, citizen_id: str) -> tuple[str, str]: ...

    def account_from(self, item: object) -> Citizen | None: ...


class SessionRepository:
    """Sessions by the hash of their token; implements ``smartcommune.identity.logic.ports.SessionStore``."""

    def __init__(self, citizens: CitizenRecords) -> None:
        self._citizens = citizens

    def put(self, session: Session) -> None:
        SessionItem(
            f"SESSION#{session.token_hash}",
            "SESSION",
            subject_id=session.subject_id,
            subject_kind=session.subject_kind,
            commune_id=session.commune_id,
            issued_at=session.issued_at,
            expires_at=_epoch(session.expires_at),
        ).save()

    def get(self, token_hash: str) -> Session | None:
        try:
            item = SessionItem.get(f"SESSION#{token_hash}", "SESSION")
        except SessionItem.DoesNotExist:
            return None
        return self._to_session(token_hash, item)

    def get_with_account(
        self, token_hash: str, kind: Literal["citizen", "staff"], commune_id: str, subject_id: str
    ) -> tuple[Session | None, Citizen | StaffRecord | None]:
        """Session and account in one ``BatchGetItem`` (the request path's only read for authentication)."""
        try:
            account_key = (
                self._citizens.account_key(commune_id, subject_id)
                if kind == "citizen"
                else (_staff_pk(commune_id, subject_id), "ACCOUNT")
            )
        except ValueError:  # a forged prefix that cannot even form a key
            return None, None
        session: Session | None = None
        account: Citizen | StaffRecord | None = None
        keys = [(f"SESSION#{token_hash}", "SESSION"), account_key]
        for item in MainTable.batch_get(keys, consistent_read=True):
            if isinstance(item, SessionItem):
                session = self._to_session(token_hash, item)
            elif kind == "citizen" and (citizen := self._citizens.account_from(item)) is not None:
                account = citizen
            elif isinstance(item, StaffAccountItem) and kind == "staff":
                account = _to_record(item)
        return session, account

    @staticmethod
    def _to_session(token_hash: str, item: SessionItem) -> Session:
        return Session(
            token_hash=token_hash,
            subject_id=item.subject_id,
            subject_kind="staff" if item.subject_kind == "staff" else "citizen",
            commune_id=item.commune_id,
            issued_at=item.issued_at,
            expires_at=_moment(item.expires_at or 0),
        )

    def delete(self, token_hash: str) -> None:
        SessionItem(f"SESSION#{token_hash}", "SESSION").delete()


# ---------------------------------------------------------------- one-time codes


class OtpChallengeItem(MainTable, discriminator="otp_challenge"):
    code_hash = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    sent_at = UTCDateTimeAttribute()


def _otp_pk(commune_id: str, phone_key: str) -> str:
    return commune_pk(commune_id, "OTP", phone_key)


class OtpRepository:
    """Sign-in codes; implements ``smartcommune.identity.logic.ports.OtpStore`` with conditional writes."""

    def get(self, commune_id: str, phone_key: str) -> OtpChallenge | None:
        try:
            item = OtpChallengeItem.get(_otp_pk(commune_id, phone_key), "CHALLENGE", consistent_read=True)
        except OtpChallengeItem.DoesNotExist:
            return None
        return OtpChallenge(
            commune_id=commune_id,
            phone_key=phone_key,
            code_hash=item.code_hash,
            attempts=int(item.attempts or 0),
            sent_at=item.sent_at,
            expires_at=_moment(item.expires_at or 0),
        )

    def put(self, challenge: OtpChallenge, sent_before: datetime) -> bool:
        item = OtpChallengeItem(
            _otp_pk(challenge.commune_id, challenge.phone_key),
            "CHALLENGE",
            code_hash=challenge.code_hash,
            attempts=challenge.attempts,
            sent_at=challenge.sent_at,
            expires_at=_epoch(challenge.expires_at),
        )
        try:
            item.save(
                condition=OtpChallengeItem.pk.does_not_exist()
                | (OtpChallengeItem.sent_at <= sent_before)
                | (OtpChallengeItem.expires_at <= _epoch(challenge.sent_at))
            )
        except PutError as exc:
            if _failed_condition(exc):
                return False
            raise
        return True

    def add_failed_attempt(self, commune_id: str, phone_key: str, max_attempts: int) -> int | None:
        item = OtpChallengeItem(_otp_pk(commune_id, phone_key), "CHALLENGE")
        try:
            item.update(
                actions=[OtpChallengeItem.attempts.add(1)],
                condition=OtpChallengeItem.pk.exists() & (OtpChallengeItem.attempts < max_attempts),
            )
        except UpdateError as exc:
            if _failed_condition(exc):
                return None
            raise
        return int(item.attempts)

    def consume(self, commune_id: str, phone_key: str, code_hash: str, max_attempts: int, now: datetime) -> bool:
        item = OtpChallengeItem(_otp_pk(commune_id, phone_key), "CHALLENGE")
        try:
            item.delete(
                condition=(OtpChallengeItem.code_hash == code_hash)
                & (OtpChallengeItem.attempts < max_attempts)
                & (OtpChallengeItem.expires_at > _epoch(now))
            )
        except DeleteError as exc:
            if _failed_condition(exc):
                return False
            raise
        return True

    def delete(self, commune_id: str, phone_key: str) -> None:
        OtpChallengeItem(_otp_pk(commune_id, phone_key), "CHALLENGE").delete()
