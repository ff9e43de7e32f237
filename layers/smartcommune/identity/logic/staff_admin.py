"""An administrator manages the staff accounts of their commune (:class:`StaffAdministration`): lock, unlock, roles,
sign out everywhere. Every change is committed with its audit entry in one transaction.

Its own room because these are changes one person makes to another's access, with rules of their own: an
administrator cannot lock themselves out (lock their own account or drop their own ``admin`` role), so a commune
always keeps the administrator making the change; and the transaction checks that this administrator still is one,
so two administrators removing each other at the same moment cannot leave the commune without any.

How a change reaches live sessions: every request reads the account with its session
(:meth:`~smartcommune.identity.logic.sessions.SessionKeeper.authenticate`), so a lock or a new set of roles applies to
the very next request. Signing out everywhere (and locking) sets ``sessions_valid_after`` on the account, in the same
transaction as the audit entry: every session issued before it is void at once, and stays void after an unlock. The
sessions themselves are then deleted through their per-account index (``C#<c>#STAFF#<id>#SESSIONS``); that index is
eventually consistent, which is why it only tidies up and the stamp is what revokes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, ForbiddenError, NotFoundError

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.identity.contracts import StaffAccount
    from smartcommune.identity.logic.ports import SessionStore, StaffRecord, StaffStore


class StaffAdministration:
    """Locks, unlocks, re-roles and signs out staff accounts of the administrator's own commune (audited)."""

    def __init__(self, *, clock: Callable[[], datetime], staff: StaffStore, sessions: SessionStore) -> None:
        self._clock = clock
        self._staff = staff
        self._sessions = sessions

    def lock(self, actor: Principal, staff_id: str, reason: str, request_id: str | None = None) -> StaffAccount:
        """Lock an account: it cannot sign in, and its sessions end at once (and stay ended after an unlock)."""
        before = self._target(actor, staff_id)
        if staff_id == actor.subject_id:
            raise ConflictError("Bạn không thể tự khóa tài khoản của chính mình.", "You cannot lock your own account.")
        if before.account.status == "locked":
            raise ConflictError("Tài khoản này đã bị khóa từ trước.", "This account is already locked.")
        now = self._clock()
        after = replace(
            before, account=before.account.model_copy(update={"status": "locked"}), sessions_valid_after=now
        )
        self._commit(
            actor, before, after, "staff.lock", {"status": "active"}, {"status": "locked", "reason": reason}, request_id
        )
        self._sessions.delete_all_of_staff(actor.commune_id, staff_id)
        return after.account

    def unlock(self, actor: Principal, staff_id: str, reason: str, request_id: str | None = None) -> StaffAccount:
        """Unlock an account. Sessions from before the lock stay void: its owner signs in again."""
        before = self._target(actor, staff_id)
        if before.account.status != "locked":
            raise ConflictError("Tài khoản này không bị khóa.", "This account is not locked.")
        after = replace(before, account=before.account.model_copy(update={"status": "active"}))
        self._commit(
            actor,
            before,
            after,
            "staff.unlock",
            {"status": "locked"},
            {"status": "active", "reason": reason},
            request_id,
        )
        return after.account

    def set_roles(
        self, actor: Principal, staff_id: str, roles: list[Role], request_id: str | None = None
    ) -> StaffAccount:
        """Give an account exactly ``roles``; its sessions carry them from the next request on.

        For an account that came in a merger this is also the administrator's review of its roles (the same
        roles confirm them).
        """
        before = self._target(actor, staff_id)
        if staff_id == actor.subject_id and Role.ADMIN not in roles:
            raise ConflictError(
                "Bạn không thể tự bỏ quyền quản trị của mình. Hãy nhờ một quản trị viên khác của xã.",
                "You cannot remove your own administrator role. Ask another administrator of the commune.",
            )
        if roles == before.account.roles and not before.account.roles_review_pending:
            return before.account
        after = replace(
            before, account=before.account.model_copy(update={"roles": roles, "roles_review_pending": False})
        )
        self._commit(
            actor,
            before,
            after,
            "staff.roles",
            {"roles": [str(r) for r in before.account.roles]},
            {"roles": [str(r) for r in roles]},
            request_id,
        )
        return after.account

    def sign_out_everywhere(self, actor: Principal, staff_id: str, reason: str, request_id: str | None = None) -> int:
        """End every session of an account (the caller's own too, if it is theirs); how many were deleted."""
        before = self._target(actor, staff_id)
        now = self._clock()
        after = replace(before, sessions_valid_after=now)
        self._commit(
            actor,
            before,
            after,
            "staff.sign_out",
            None,
            {"sessions_valid_after": now.isoformat(), "reason": reason},
            request_id,
        )
        return self._sessions.delete_all_of_staff(actor.commune_id, staff_id)

    def _target(self, actor: Principal, staff_id: str) -> StaffRecord:
        if Role.ADMIN not in actor.roles:
            raise ForbiddenError(
                "Chỉ quản trị viên của xã mới quản lý được tài khoản cán bộ.",
                "Only the commune's administrators manage staff accounts.",
            )
        record = self._staff.get(actor.commune_id, staff_id)  # the caller's commune only
        if record is None:
            raise NotFoundError("Không tìm thấy tài khoản cán bộ này.", "There is no such staff account.")
        return record

    def _commit(  # noqa: PLR0917 - one call shape for the four changes
        self,
        actor: Principal,
        before: StaffRecord,
        after: StaffRecord,
        action: str,
        was: dict[str, object] | None,
        now_is: dict[str, object],
        request_id: str | None,
    ) -> None:
        audit = AuditRecord(
            actor_id=actor.subject_id,
            actor_role=actor.primary_role,
            action=action,
            target=f"staff/{after.account.id}",
            before=({"username": before.account.username} | was) if was is not None else None,
            after={"username": after.account.username} | now_is,
            request_id=request_id,
        )
        self._staff.change(before, after, audit, admin_witness=actor.subject_id)
