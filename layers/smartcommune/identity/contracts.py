"""Sign-in contracts: SMS codes for citizens, passwords for staff, sessions, staff accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, RootModel

from smartcommune.citizens.contracts import CitizenSelf
from smartcommune.core.contracts import CommuneId, Contract, PhoneNumber, Role

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,39}$"

# The staff roles as plain strings, so a wrong value gets a readable "one of: …" message.
StaffRoleName = Literal["admin", "office", "police", "environment", "infrastructure", "health", "school", "culture"]


# ---------------------------------------------------------------- requests


class OtpRequest(Contract):
    """A citizen asks for a sign-in code by SMS."""

    commune_id: CommuneId
    phone: PhoneNumber


class OtpVerify(Contract):
    """A citizen signs in with the code they received."""

    commune_id: CommuneId
    phone: PhoneNumber
    code: str = Field(pattern=r"^\d{6}$", description="The 6-digit code from the SMS")


class StaffLogin(Contract):
    """A staff member signs in with username and password."""

    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


class NewStaffAccount(Contract):
    """An administrator creates a staff account in their own commune."""

    username: str = Field(pattern=USERNAME_PATTERN, description="lower-case letters, digits, . _ -")
    display_name: str = Field(min_length=2, max_length=100)
    roles: list[StaffRoleName] = Field(min_length=1, max_length=8)
    password: str = Field(min_length=10, max_length=200)

    def staff_roles(self) -> list[Role]:
        """The roles as :class:`Role`, without repeats, in the enum's order."""
        return _ordered(self.roles)


def _ordered(roles: list[StaffRoleName]) -> list[Role]:
    return sorted({Role(r) for r in roles}, key=list(Role).index)


class StaffStatusChange(Contract):
    """Why an administrator locks, unlocks or signs out a staff account (kept in the audit trail)."""

    reason: str = Field(min_length=3, max_length=300)


class StaffRolesChange(Contract):
    """The roles a staff account has from now on (all of them: this replaces the list)."""

    roles: list[StaffRoleName] = Field(min_length=1, max_length=8)

    def staff_roles(self) -> list[Role]:
        """The roles as :class:`Role`, without repeats, in the enum's order."""
        return _ordered(self.roles)


# ---------------------------------------------------------------- responses


class OtpRequested(BaseModel):
    """The code is on its way."""

    message: str
    message_en: str
    expires_in_s: int
    resend_after_s: int


class PrincipalView(BaseModel):
    """The signed-in account, as the pages need it."""

    subject_id: str
    kind: Literal["citizen", "staff"]
    roles: list[Role]
    commune_id: str
    display_name: str


class SessionIssued(BaseModel):
    """A new session: send ``token`` as ``Authorization: Bearer <token>``."""

    token: str
    expires_at: datetime
    principal: PrincipalView
    # True on a citizen's first sign-in with a number: the account was made just now (the page says so).
    account_created: bool = False


class StaffAccount(BaseModel):
    """A staff account as shown to people (never with its password hash)."""

    id: str
    username: str
    display_name: str
    roles: list[Role]
    commune_id: str
    status: Literal["active", "locked"] = "active"
    created_at: datetime
    merged_from: str | None = Field(default=None, description="the commune the account came from in a merger")
    roles_review_pending: bool = Field(
        default=False, description="came in a merger: the commune's administrator has yet to confirm its roles"
    )


class StaffSelf(StaffAccount):
    """``GET /me`` for staff."""

    kind: Literal["staff"] = "staff"


class StaffList(BaseModel):
    items: list[StaffAccount]


class MeView(RootModel[CitizenSelf | StaffSelf]):
    """``GET /me``: the caller's own account (``kind`` tells which)."""
