"""Staff accounts, their usernames and their sign-in guards (see the package docstring for the keys)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError

from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError
from smartcommune.core.table import MainTable, MergePolicy, commune_pk, transaction
from smartcommune.identity.contracts import StaffAccount
from smartcommune.identity.logic.ports import LoginAttempt, StaffRecord
from smartcommune.identity.storage.common import epoch as _epoch
from smartcommune.identity.storage.common import failed_condition as _failed_condition

if TYPE_CHECKING:
    from pynamodb.expressions.update import Action
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal


class StaffAccountItem(MainTable, discriminator="staff_account"):
    merge = MergePolicy.MOVE

    staff_id = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    username = UnicodeAttribute()
    display_name = UnicodeAttribute()
    roles = ListAttribute(of=UnicodeAttribute)
    status = UnicodeAttribute(default="active")
    password_hash = UnicodeAttribute()
    # Sessions issued before this moment are void (signed out everywhere, or locked).
    sessions_valid_after = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    # An account that came in a merger keeps its roles until the new commune's administrator confirms them.
    roles_reviewed_at = UTCDateTimeAttribute(null=True)


class StaffLoginItem(MainTable, discriminator="staff_login"):
    merge = MergePolicy.MOVE

    commune_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()


def staff_pk(commune_id: str, staff_id: str) -> str:
    return commune_pk(commune_id, "STAFF", staff_id)


def _login_pk(username: str) -> str:
    return f"STAFFLOGIN#{username}"


def to_record(item: StaffAccountItem) -> StaffRecord:
    return StaffRecord(
        account=StaffAccount(
            id=item.staff_id,
            username=item.username,
            display_name=item.display_name,
            roles=[Role(str(r)) for r in item.roles],
            commune_id=item.commune_id,
            status="locked" if item.status == "locked" else "active",
            created_at=item.created_at,
            merged_from=item.merged_from,
            roles_review_pending=item.merged_from is not None and item.roles_reviewed_at is None,
        ),
        password_hash=item.password_hash,
        sessions_valid_after=item.sessions_valid_after,
    )


class LoginGuardItem(MainTable, discriminator="staff_login_guard"):
    merge = MergePolicy.GLOBAL

    failures = NumberAttribute(default=0)
    locked_until = UTCDateTimeAttribute(null=True)


def _guard_pk(guard_key: str) -> str:
    return f"LOGINGUARD#{guard_key}"


# A guard forgets failures a day after the last one (TTL); a guess a day is no threat.
_GUARD_TTL_S = 24 * 3600


def sessions_index(commune_id: str, staff_id: str) -> str:
    return commune_pk(commune_id, "STAFF", staff_id, "SESSIONS")


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
            item = StaffAccountItem.get(staff_pk(commune_id, staff_id), "ACCOUNT", consistent_read=True)
        except StaffAccountItem.DoesNotExist:
            return None
        return to_record(item)

    def list(self, commune_id: str) -> list[StaffAccount]:
        return [
            to_record(item).account
            for item in StaffAccountItem.gsi1.query(commune_pk(commune_id, "STAFF"))
            if isinstance(item, StaffAccountItem)
        ]

    def create(self, record: StaffRecord, audit: AuditRecord | None = None) -> None:
        account = record.account

        def writes(tx: TransactWrite) -> None:
            login = StaffLoginItem(
                _login_pk(account.username),
                "LOGIN",
                commune_id=account.commune_id,
                staff_id=account.id,
                tenant=account.commune_id,  # a global key, but a merger must find and re-point it
            )
            item = StaffAccountItem(
                staff_pk(account.commune_id, account.id),
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

    def change(self, before: StaffRecord, after: StaffRecord, audit: AuditRecord, *, admin_witness: str) -> None:
        account = after.account

        def writes(tx: TransactWrite) -> None:
            roles: Any = [str(r) for r in account.roles]  # pynamodb types a list's items as attributes
            was: Any = [str(r) for r in before.account.roles]
            actions: list[Action] = [StaffAccountItem.status.set(account.status), StaffAccountItem.roles.set(roles)]
            if after.sessions_valid_after is not None:
                actions.append(StaffAccountItem.sessions_valid_after.set(after.sessions_valid_after))
            if before.account.roles_review_pending and not account.roles_review_pending:
                actions.append(StaffAccountItem.roles_reviewed_at.set(datetime.now(UTC)))
            unchanged = (StaffAccountItem.status == before.account.status) & (StaffAccountItem.roles == was)
            tx.update(StaffAccountItem(staff_pk(account.commune_id, account.id), "ACCOUNT"), actions, unchanged)
            if admin_witness != account.id:  # one transaction may not name an item twice
                tx.condition_check(
                    StaffAccountItem,
                    staff_pk(account.commune_id, admin_witness),
                    "ACCOUNT",
                    condition=(StaffAccountItem.status == "active") & StaffAccountItem.roles.contains("admin"),
                )

        self._audit.commit(account.commune_id, audit, add_writes=writes)

    def replace_password_hash(self, commune_id: str, staff_id: str, old_hash: str, new_hash: str) -> bool:
        item = StaffAccountItem(staff_pk(commune_id, staff_id), "ACCOUNT")
        try:
            item.update(
                actions=[StaffAccountItem.password_hash.set(new_hash)],
                condition=StaffAccountItem.password_hash == old_hash,
            )
        except UpdateError as exc:
            if _failed_condition(exc):
                return False
            raise
        return True

    def admit_attempt(self, guard_key: str, now: datetime, max_failures: int, lockout_s: int) -> LoginAttempt:
        item = LoginGuardItem(_guard_pk(guard_key), "ATTEMPTS")
        not_locked = LoginGuardItem.locked_until.does_not_exist() | (LoginGuardItem.locked_until <= now)
        tries_left = LoginGuardItem.failures.does_not_exist() | (LoginGuardItem.failures < max_failures)
        try:
            item.update(
                actions=[LoginGuardItem.failures.add(1), LoginGuardItem.expires_at.set(_epoch(now) + _GUARD_TTL_S)],
                condition=not_locked & tries_left,
            )
        except UpdateError as exc:
            if not _failed_condition(exc):
                raise
            return self._refused(guard_key, now, max_failures, lockout_s)
        return LoginAttempt(admitted=True, failures=int(item.failures or 0))

    def _refused(self, guard_key: str, now: datetime, max_failures: int, lockout_s: int) -> LoginAttempt:
        pk = _guard_pk(guard_key)
        for _ in range(3):
            try:
                current = LoginGuardItem.get(pk, "ATTEMPTS", consistent_read=True)
            except LoginGuardItem.DoesNotExist:
                break
            if current.locked_until is not None and current.locked_until > now:
                return LoginAttempt(admitted=False, locked_until=current.locked_until)
            # Every try is used up yet no lock-out was written: the attempt that used the last one has not
            # finished (or never will). Lock out now; whichever of the two writes first, the lock-out stands.
            until = now + timedelta(seconds=lockout_s)
            try:
                current.update(
                    actions=[
                        LoginGuardItem.failures.set(0),
                        LoginGuardItem.locked_until.set(until),
                        LoginGuardItem.expires_at.set(_epoch(until) + _GUARD_TTL_S),
                    ],
                    condition=(LoginGuardItem.failures >= max_failures)
                    & (LoginGuardItem.locked_until.does_not_exist() | (LoginGuardItem.locked_until <= now)),
                )
            except UpdateError as exc:
                if not _failed_condition(exc):
                    raise
                continue  # it changed under us: read again
            return LoginAttempt(admitted=False, locked_until=until)
        # Cleared or unlocked between our write and our read: refuse this one attempt all the same.
        return LoginAttempt(admitted=False, locked_until=now + timedelta(seconds=1))

    def lock_out(self, guard_key: str, until: datetime) -> None:
        LoginGuardItem(_guard_pk(guard_key), "ATTEMPTS").update(
            actions=[
                LoginGuardItem.failures.set(0),
                LoginGuardItem.locked_until.set(until),
                LoginGuardItem.expires_at.set(_epoch(until) + _GUARD_TTL_S),
            ]
        )

    def clear_attempts(self, guard_key: str) -> None:
        LoginGuardItem(_guard_pk(guard_key), "ATTEMPTS").delete()
