"""Staff sign-in by password and the staff accounts behind it (:class:`StaffSignIn`): ``IdentityService``'s staff part.

Its own room because staff accounts have their own life (created by an administrator or the seeder, locked out after
failed passwords) that citizens' code sign-in never touches. Managing accounts (lock, roles, sign-out) is in
:mod:`.staff_admin`.

Guessing passwords is bounded three ways, each counted atomically before the password is checked, so a burst sent at
once is bounded too: per username typed (``staff_max_failed_logins`` failures in a row lock it out for
``staff_lockout_s``, whether an account has that username or not), per client address and across the deployment
(failures per window: password spraying). Every answer but success costs one password hash and says the same for an
unknown user, a wrong password and a locked account.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, NotFoundError, RateLimitedError, UnauthenticatedError
from smartcommune.identity.contracts import NewStaffAccount, SessionIssued, StaffAccount
from smartcommune.identity.logic.messages import BAD_LOGIN, ceil_s
from smartcommune.identity.logic.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    stored_cost,
    verify_password,
)
from smartcommune.identity.logic.ports import StaffRecord
from smartcommune.identity.logic.sessions import staff_view

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.pii import PiiHasher
    from smartcommune.core.principal import Principal
    from smartcommune.identity.logic.policy import IdentityPolicy
    from smartcommune.identity.logic.ports import RateLimiter, StaffStore
    from smartcommune.identity.logic.sessions import SessionKeeper

GLOBAL_FAILURES_KEY = "staff-login-failures#all"


def guard_key(pii: PiiHasher, username: str) -> str:
    """The sign-in guard's key for a username as typed (normalised), keyed-hashed like a phone number."""
    return pii.hash(f"staff-login|{username.strip().lower()}")


class StaffSignIn:
    """Signs staff in by username and password, and creates, lists and reads staff accounts.

    ``commune`` is the commune look-up that raises :class:`~smartcommune.core.errors.NotFoundError`; ``sessions``
    issues the session a correct password earns.
    """

    def __init__(
        self,
        *,
        policy: IdentityPolicy,
        clock: Callable[[], datetime],
        pii: PiiHasher,
        commune: Callable[[str], Commune],
        staff: StaffStore,
        rates: RateLimiter,
        sessions: SessionKeeper,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._pii = pii
        self._commune = commune
        self._staff = staff
        self._rates = rates
        self._sessions = sessions

    def staff_login(self, username: str, password: str, client_ip: str) -> SessionIssued:
        """Sign a staff member in. An unknown user, a wrong password and a locked account get the same answer.

        :class:`RateLimitedError` when the username is locked out (``staff_max_failed_logins`` failures in a row
        lock it for ``staff_lockout_s``), or too many passwords failed from ``client_ip`` or across the platform.
        An account whose hash was made at an older cost gets a new hash at today's cost.
        """
        policy = self.policy
        now = self._clock()
        name = username.strip().lower()
        reserved = self._reserve(client_ip, now)
        record = self._staff.by_username(name)
        key = guard_key(self._pii, name)
        attempt = self._staff.admit_attempt(key, now, policy.staff_max_failed_logins, policy.staff_lockout_s)
        correct = self._check(password, record)
        if not attempt.admitted:
            raise self._locked_out((attempt.locked_until or now) - now)
        if record is None or not correct or record.account.status == "locked":
            if attempt.failures >= policy.staff_max_failed_logins:
                until = now + timedelta(seconds=policy.staff_lockout_s)
                self._staff.lock_out(key, until)
                raise self._locked_out(until - now)
            raise UnauthenticatedError(*BAD_LOGIN)
        self._staff.clear_attempts(key)
        for rate_key, window_s in reserved:  # a success is no failure
            self._rates.release(rate_key, window_s, now)
        account = record.account
        if needs_rehash(record.password_hash, policy.password_cost):
            new_hash = hash_password(password, cost=policy.password_cost)
            self._staff.replace_password_hash(account.commune_id, account.id, record.password_hash, new_hash)
        return self._sessions.issue(staff_view(account), now)

    def _check(self, password: str, record: StaffRecord | None) -> bool:
        """Whether ``password`` is the account's, at no less than one hash at today's cost whatever the account."""
        cost = self.policy.password_cost
        if record is None:
            verify_password(password, dummy_hash(cost))
            return False
        correct = verify_password(password, record.password_hash)
        if stored_cost(record.password_hash) != cost:  # an old, cheaper hash: pay today's price as well
            verify_password(password, dummy_hash(cost))
        return correct

    def _reserve(self, client_ip: str, now: datetime) -> list[tuple[str, int]]:
        """Count this attempt as a failure from ``client_ip`` and across the platform (taken back on success)."""
        policy = self.policy
        client_key = (f"staff-login-failures#{self._pii.hash(client_ip)}", policy.staff_login_client_window_s)
        wait = self._rates.hit(client_key[0], policy.staff_login_max_failures_per_client, client_key[1], now)
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            raise RateLimitedError(
                f"Có quá nhiều lần đăng nhập sai từ mạng của bạn. Vui lòng thử lại sau {minutes} phút.",
                f"Too many failed sign-ins from your network. Please try again in {minutes} minutes.",
                retry_after_s=wait,
            )
        global_key = (GLOBAL_FAILURES_KEY, policy.staff_login_global_window_s)
        wait = self._rates.hit(global_key[0], policy.staff_login_max_failures_global, global_key[1], now)
        if wait is not None:
            self._rates.release(client_key[0], client_key[1], now)
            minutes = max(1, math.ceil(wait / 60))
            raise RateLimitedError(
                "Đăng nhập cán bộ đang tạm hạn chế vì có quá nhiều lần đăng nhập sai trên hệ thống. "
                f"Vui lòng thử lại sau {minutes} phút.",
                "Staff sign-in is briefly restricted after too many failed sign-ins across the platform. "
                f"Please try again in {minutes} minutes.",
                retry_after_s=wait,
            )
        return [client_key, global_key]

    @staticmethod
    def _locked_out(remaining: timedelta) -> RateLimitedError:
        wait = ceil_s(remaining)
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
        password_hash = hash_password(new.password, cost=self.policy.password_cost)
        self._staff.create(StaffRecord(account=account, password_hash=password_hash), audit)
        return account

    def list_staff(self, actor: Principal) -> list[StaffAccount]:
        """The staff accounts of the caller's commune."""
        return self._staff.list(actor.commune_id)

    def staff_account(self, actor: Principal) -> StaffAccount:
        record = self._staff.get(actor.commune_id, actor.subject_id)
        if record is None:
            raise NotFoundError("Không tìm thấy tài khoản.", "Account not found.")
        return record.account
