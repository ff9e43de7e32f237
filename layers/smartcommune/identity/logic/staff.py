"""Staff sign-in by password and the staff accounts behind it (:class:`StaffSignIn`): ``IdentityService``'s staff part.

Its own room because staff accounts have their own life (created by an administrator or the seeder, locked out after
failed passwords) that citizens' code sign-in never touches.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import Role
from smartcommune.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
)
from smartcommune.identity.contracts import NewStaffAccount, SessionIssued, StaffAccount
from smartcommune.identity.logic.messages import BAD_LOGIN, ceil_s
from smartcommune.identity.logic.passwords import hash_password, verify_password
from smartcommune.identity.logic.ports import StaffRecord
from smartcommune.identity.logic.sessions import staff_view

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.identity.logic.policy import IdentityPolicy
    from smartcommune.identity.logic.ports import StaffStore
    from smartcommune.identity.logic.sessions import SessionKeeper

# Checked against when the username is unknown, so that case costs as much as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password", salt=b"\0" * 16)


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
        commune: Callable[[str], Commune],
        staff: StaffStore,
        sessions: SessionKeeper,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._commune = commune
        self._staff = staff
        self._sessions = sessions

    def staff_login(self, username: str, password: str) -> SessionIssued:
        """Sign a staff member in. The same message answers an unknown user and a wrong password.

        After ``staff_max_failed_logins`` failures the account is locked for ``staff_lockout_s``
        (:class:`RateLimitedError`).
        """
        now = self._clock()
        record = self._staff.by_username(username.strip().lower())
        if record is None:
            verify_password(password, _DUMMY_HASH)
            raise UnauthenticatedError(*BAD_LOGIN)
        account = record.account
        if record.locked_until is not None and record.locked_until > now:
            raise self._locked_out(record.locked_until - now)
        if not verify_password(password, record.password_hash):
            locked_until = self._staff.record_failure(
                account.commune_id, account.id, now, self.policy.staff_max_failed_logins, self.policy.staff_lockout_s
            )
            if locked_until is not None:
                raise self._locked_out(locked_until - now)
            raise UnauthenticatedError(*BAD_LOGIN)
        if account.status == "locked":
            raise ForbiddenError(
                "Tài khoản cán bộ này đã bị khóa. Vui lòng liên hệ quản trị hệ thống của xã.",
                "This staff account is locked. Please contact the commune's administrator.",
            )
        if record.failed_logins:
            self._staff.record_success(account.commune_id, account.id)
        return self._sessions.issue(staff_view(account), now)

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
