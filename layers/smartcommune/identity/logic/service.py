"""The identity service (:class:`IdentityService`): the one face sign-in shows to routes, wiring, seeder and tests.

Its own room because it only composes: it builds the OTP part (:mod:`.otp`), the staff part (:mod:`.staff`) and the
session part (:mod:`.sessions`) from the ports it is given, and each public method hands over to one of them. The
design reasoning for the whole capability is in the package docstring (:mod:`smartcommune.identity.logic`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from smartcommune.core.errors import NotFoundError
from smartcommune.identity.logic.otp import OtpSignIn
from smartcommune.identity.logic.sessions import SessionKeeper
from smartcommune.identity.logic.staff import StaffSignIn
from smartcommune.identity.logic.staff_admin import StaffAdministration

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.communes.logic import CommuneStore
    from smartcommune.core.contracts import Role
    from smartcommune.core.pii import PiiHasher
    from smartcommune.core.principal import Principal
    from smartcommune.identity.contracts import NewStaffAccount, OtpRequested, SessionIssued, StaffAccount
    from smartcommune.identity.logic.policy import IdentityPolicy
    from smartcommune.identity.logic.ports import (
        CitizenAccounts,
        OtpStore,
        RateLimiter,
        SessionStore,
        SmsGateway,
        StaffStore,
    )


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
        self._communes = communes
        self._sessions = SessionKeeper(
            policy=policy,
            clock=clock,
            citizens=citizens,
            staff=staff,
            sessions=sessions,
            successor=lambda commune_id: _successor(communes, commune_id),
        )
        self._otp = OtpSignIn(
            policy=policy,
            clock=clock,
            pii=pii,
            commune=self._commune,
            citizens=citizens,
            otps=otps,
            rates=rates,
            sms=sms,
            sessions=self._sessions,
        )
        self._staff = StaffSignIn(
            policy=policy,
            clock=clock,
            pii=pii,
            commune=self._commune,
            staff=staff,
            rates=rates,
            sessions=self._sessions,
        )
        self._staff_admin = StaffAdministration(clock=clock, staff=staff, sessions=sessions)

    def _commune(self, commune_id: str) -> Commune:
        commune = self._communes.get(commune_id)
        if commune is None:
            raise NotFoundError(
                "Không tìm thấy xã này trên hệ thống.", f"There is no commune '{commune_id}' on the platform."
            )
        return commune

    # ------------------------------------------------------------ citizens: one-time codes

    def request_otp(self, commune_id: str, phone: str, client_ip: str) -> OtpRequested:
        """Send a 6-digit sign-in code to ``phone`` (E.164) by SMS (:meth:`.otp.OtpSignIn.request_otp`)."""
        return self._otp.request_otp(commune_id, phone, client_ip)

    def verify_otp(self, commune_id: str, phone: str, code: str, client_ip: str) -> SessionIssued:
        """Sign a citizen in with the code they received (:meth:`.otp.OtpSignIn.verify_otp`)."""
        return self._otp.verify_otp(commune_id, phone, code, client_ip)

    # ------------------------------------------------------------ staff

    def staff_login(self, username: str, password: str, client_ip: str) -> SessionIssued:
        """Sign a staff member in (:meth:`.staff.StaffSignIn.staff_login`)."""
        return self._staff.staff_login(username, password, client_ip)

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
        """Create a staff account, idempotently (:meth:`.staff.StaffSignIn.create_staff_account`)."""
        return self._staff.create_staff_account(
            commune_id, username, display_name, roles, password, actor=actor, request_id=request_id
        )

    def add_staff(self, actor: Principal, new: NewStaffAccount, request_id: str | None = None) -> StaffAccount:
        """``POST /staff`` (:meth:`.staff.StaffSignIn.add_staff`)."""
        return self._staff.add_staff(actor, new, request_id)

    def list_staff(self, actor: Principal) -> list[StaffAccount]:
        """The staff accounts of the caller's commune."""
        return self._staff.list_staff(actor)

    def staff_account(self, actor: Principal) -> StaffAccount:
        """The caller's own staff account (:meth:`.staff.StaffSignIn.staff_account`)."""
        return self._staff.staff_account(actor)

    def lock_staff(self, actor: Principal, staff_id: str, reason: str, request_id: str | None = None) -> StaffAccount:
        """Lock a staff account; its sessions end at once (:meth:`.staff_admin.StaffAdministration.lock`)."""
        return self._staff_admin.lock(actor, staff_id, reason, request_id)

    def unlock_staff(self, actor: Principal, staff_id: str, reason: str, request_id: str | None = None) -> StaffAccount:
        """Unlock a staff account (:meth:`.staff_admin.StaffAdministration.unlock`)."""
        return self._staff_admin.unlock(actor, staff_id, reason, request_id)

    def set_staff_roles(
        self, actor: Principal, staff_id: str, roles: list[Role], request_id: str | None = None
    ) -> StaffAccount:
        """Give a staff account exactly ``roles`` (:meth:`.staff_admin.StaffAdministration.set_roles`)."""
        return self._staff_admin.set_roles(actor, staff_id, roles, request_id)

    def sign_out_staff(self, actor: Principal, staff_id: str, reason: str, request_id: str | None = None) -> int:
        """End every session of a staff account (:meth:`.staff_admin.StaffAdministration.sign_out_everywhere`)."""
        return self._staff_admin.sign_out_everywhere(actor, staff_id, reason, request_id)

    # ------------------------------------------------------------ sessions

    def start_session(self, commune_id: str, subject_id: str, kind: Literal["citizen", "staff"]) -> SessionIssued:
        """A session for an existing account without a code or password (tests and trusted tooling only)."""
        return self._sessions.start_session(commune_id, subject_id, kind)

    def authenticate(self, token: str) -> Principal:
        """The principal behind a session token (:meth:`.sessions.SessionKeeper.authenticate`)."""
        return self._sessions.authenticate(token)

    def logout(self, principal: Principal) -> None:
        """End the caller's session (the one whose token signed this request)."""
        self._sessions.logout(principal)


def _successor(communes: CommuneStore, commune_id: str) -> str | None:
    """The commune ``commune_id`` was merged into (its profile is an alias), or None."""
    current = communes.get(commune_id)
    return current.id if current is not None and current.id != commune_id else None
