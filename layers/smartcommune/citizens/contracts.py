"""Citizen accounts: the stored record, what staff and citizens send, and what they see."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from smartcommune.core.contracts import Cccd, Contract, PhoneNumber
from smartcommune.core.text import mask_cccd, mask_phone

CitizenStatus = Literal["active", "locked"]

HAMLET_ID = r"^[a-z0-9-]{1,40}$"


class Citizen(BaseModel):
    """A citizen account as stored. Phone is the sign-in identity (E.164) and never changes."""

    id: str
    commune_id: str
    phone: str
    full_name: str | None = None
    hamlet_id: str | None = None
    address: str | None = None
    cccd: str | None = None
    birth_date: date | None = None
    status: CitizenStatus = "active"
    lock_reason: str | None = None
    # Sessions issued before this moment are void (set when the account is locked).
    sessions_valid_after: datetime | None = None
    created_at: datetime
    updated_at: datetime
    created_by: str
    version: int | None = None

    @property
    def profile_complete(self) -> bool:
        return bool(self.full_name and self.hamlet_id and self.address)

    def audit_view(self) -> dict[str, object]:
        """What an audit entry may say about this citizen: personal numbers masked."""
        return {
            "full_name": self.full_name,
            "phone": mask_phone(self.phone),
            "cccd": mask_cccd(self.cccd) if self.cccd else None,
            "hamlet_id": self.hamlet_id,
            "address": self.address,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "status": self.status,
            "lock_reason": self.lock_reason,
        }


# ---------------------------------------------------------------- requests


class NewCitizen(Contract):
    """Staff (or the demo seeder) register a citizen."""

    full_name: str = Field(min_length=2, max_length=100)
    phone: PhoneNumber
    hamlet_id: str = Field(pattern=HAMLET_ID)
    address: str = Field(min_length=2, max_length=200)
    cccd: Cccd | None = None
    birth_date: date | None = None


class ProfileUpdate(Contract):
    """A citizen completes or corrects their own profile."""

    full_name: str = Field(min_length=2, max_length=100)
    hamlet_id: str = Field(pattern=HAMLET_ID)
    address: str = Field(min_length=2, max_length=200)
    cccd: Cccd | None = None
    birth_date: date | None = None


class LockChange(Contract):
    """Why staff lock or unlock an account (kept in the audit trail)."""

    reason: str = Field(min_length=3, max_length=300)


class CitizenQuery(Contract):
    """``GET /citizens`` filters."""

    q: str | None = Field(default=None, max_length=100, description="name, phone, address or CCCD")
    hamlet_id: str | None = Field(default=None, pattern=HAMLET_ID)
    status: CitizenStatus | None = None
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=20, ge=1, le=100)


# ---------------------------------------------------------------- responses


class CitizenView(BaseModel):
    """A citizen as staff see them (CCCD masked; the full phone, to call them back)."""

    id: str
    commune_id: str
    phone: str
    phone_masked: str
    full_name: str | None
    hamlet_id: str | None
    address: str | None
    cccd_masked: str | None
    birth_date: date | None
    status: CitizenStatus
    lock_reason: str | None
    profile_complete: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, citizen: Citizen) -> CitizenView:
        return cls(
            id=citizen.id,
            commune_id=citizen.commune_id,
            phone=citizen.phone,
            phone_masked=mask_phone(citizen.phone),
            full_name=citizen.full_name,
            hamlet_id=citizen.hamlet_id,
            address=citizen.address,
            cccd_masked=mask_cccd(citizen.cccd) if citizen.cccd else None,
            birth_date=citizen.birth_date,
            status=citizen.status,
            lock_reason=citizen.lock_reason,
            profile_complete=citizen.profile_complete,
            created_at=citizen.created_at,
            updated_at=citizen.updated_at,
        )


class CitizenSelf(CitizenView):
    """``GET /me`` and ``PUT /me/profile`` for citizens."""

    kind: Literal["citizen"] = "citizen"

    @classmethod
    def of(cls, citizen: Citizen) -> CitizenSelf:
        return cls(**CitizenView.of(citizen).model_dump())


class CitizenListItem(BaseModel):
    """One row of the staff list: enough to recognise a person, personal numbers masked."""

    id: str
    full_name: str | None
    phone_masked: str
    hamlet_id: str | None
    address: str | None
    cccd_masked: str | None
    status: CitizenStatus

    @classmethod
    def of(cls, citizen: Citizen) -> CitizenListItem:
        return cls(
            id=citizen.id,
            full_name=citizen.full_name,
            phone_masked=mask_phone(citizen.phone),
            hamlet_id=citizen.hamlet_id,
            address=citizen.address,
            cccd_masked=mask_cccd(citizen.cccd) if citizen.cccd else None,
            status=citizen.status,
        )


class CitizenPage(BaseModel):
    items: list[CitizenListItem]
    next_cursor: str | None = None
