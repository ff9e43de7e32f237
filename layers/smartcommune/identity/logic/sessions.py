"""Sessions: issuing a token for someone signed in, resolving a token to its :class:`Principal`, signing out.

Its own room because every way of signing in (OTP, staff password, trusted tooling) ends here, and every signed-in
request starts here (:meth:`SessionKeeper.authenticate`); :class:`~smartcommune.identity.logic.service.IdentityService`
delegates to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from smartcommune.citizens.contracts import Citizen
from smartcommune.core.contracts import Role
from smartcommune.core.errors import NotFoundError, UnauthenticatedError
from smartcommune.core.principal import Principal
from smartcommune.core.text import mask_phone
from smartcommune.identity.contracts import PrincipalView, SessionIssued
from smartcommune.identity.logic.messages import SESSION_GONE
from smartcommune.identity.logic.ports import Session, StaffRecord
from smartcommune.identity.logic.tokens import new_token, parse_token, token_hash

if TYPE_CHECKING:
    from smartcommune.identity.contracts import StaffAccount
    from smartcommune.identity.logic.policy import IdentityPolicy
    from smartcommune.identity.logic.ports import CitizenAccounts, SessionStore, StaffStore


class SessionKeeper:
    """Issues, resolves and ends sessions (the session part of ``IdentityService``)."""

    def __init__(
        self,
        *,
        policy: IdentityPolicy,
        clock: Callable[[], datetime],
        citizens: CitizenAccounts,
        staff: StaffStore,
        sessions: SessionStore,
        successor: Callable[[str], str | None] = lambda _commune_id: None,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._citizens = citizens
        self._staff = staff
        self._sessions = sessions
        self._successor = successor

    def issue(self, who: PrincipalView, now: datetime) -> SessionIssued:
        """A new session for ``who``, signed in at ``now``: only the token's hash is stored, the token is returned."""
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
            return self.issue(citizen_view(citizen), now)
        record = self._staff.get(commune_id, subject_id)
        if record is None:
            raise NotFoundError("Không tìm thấy tài khoản.", "Account not found.")
        account = record.account
        return self.issue(staff_view(account), now)

    def authenticate(self, token: str) -> Principal:
        """The principal behind a session token; :class:`UnauthenticatedError` if unknown, expired or locked.

        The account is read with the session on every call (one batched read: the token's prefix names the
        account), so locking it, signing it out everywhere (``sessions_valid_after``) or changing a staff member's
        roles applies at once.
        """
        now = self._clock()
        named = parse_token(token)
        if named is None:
            raise UnauthenticatedError(*SESSION_GONE)
        kind, commune_id, subject_id = named
        session, account = self._sessions.get_with_account(token_hash(token), kind, commune_id, subject_id)
        home = commune_id
        if session is not None and account is None:
            # The token names the commune the account was made in; after a merger the account lives on under
            # the commune it was merged into, and the session stays valid there.
            successor = self._successor(commune_id)
            if successor is not None:
                home = successor
                _, account = self._sessions.get_with_account(token_hash(token), kind, successor, subject_id)
        if (
            session is None
            or session.expires_at <= now
            or (session.subject_kind, session.commune_id, session.subject_id) != named
        ):
            raise UnauthenticatedError(*SESSION_GONE)
        if session.subject_kind == "citizen":
            citizen = account if isinstance(account, Citizen) else None
            if citizen is None:
                raise UnauthenticatedError(*SESSION_GONE)
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
            if (
                record is None
                or record.account.status == "locked"
                or (record.sessions_valid_after is not None and session.issued_at <= record.sessions_valid_after)
            ):
                raise UnauthenticatedError(*SESSION_GONE)
            roles = frozenset(record.account.roles)
            name = record.account.display_name
        return Principal(
            subject_id=session.subject_id,
            kind=session.subject_kind,
            roles=roles,
            commune_id=home,
            display_name=name,
            session_id=session.token_hash,
            expires_at=session.expires_at,
        )

    def logout(self, principal: Principal) -> None:
        """End the caller's session (the one whose token signed this request)."""
        self._sessions.delete(principal.session_id)


def _citizen_name(citizen: Citizen) -> str:
    """The name a citizen's principal carries: their full name, else their masked phone."""
    return citizen.full_name or mask_phone(citizen.phone)


def citizen_view(citizen: Citizen) -> PrincipalView:
    """Who a session issued to ``citizen`` names."""
    return PrincipalView(
        subject_id=citizen.id,
        kind="citizen",
        roles=[Role.CITIZEN],
        commune_id=citizen.commune_id,
        display_name=_citizen_name(citizen),
    )


def staff_view(account: StaffAccount) -> PrincipalView:
    """Who a session issued to a staff ``account`` names."""
    return PrincipalView(
        subject_id=account.id,
        kind="staff",
        roles=account.roles,
        commune_id=account.commune_id,
        display_name=account.display_name,
    )
