"""Citizen accounts: the stored record, what staff and citizens send, and what they see.

A CCCD a citizen gives on their own profile is only *claimed* (``cccd_pending``) until staff, holding the card,
verify it: only a verified number (``cccd``) is unique in the commune and found by a search. The citizen is told
"Số CCCD đang chờ cán bộ xác minh" whether or not the number is already someone's, so the profile cannot be used
to test numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from smartcommune.core.contracts import Cccd, CommuneId, Contract, PhoneNumber
from smartcommune.core.text import mask_cccd, mask_phone
from smartcommune.units.contracts import Address

CitizenStatus = Literal["active", "locked"]

HAMLET_ID = r"^[a-z0-9-]{1,40}$"
StatusUpdates = Literal["sms", "portal"]


class Citizen(BaseModel):
    """A citizen account as stored. Phone is the sign-in identity (E.164) and never changes."""

    id: str
    commune_id: str
    phone: str
    full_name: str | None = None
    hamlet_id: str | None = None
    address: str | None = None
    cccd: str | None = None  # verified (by staff, or registered by them): unique in the commune
    cccd_pending: str | None = None  # claimed by the citizen on their profile, waiting for staff to verify it
    birth_date: date | None = None
    # How the citizen hears about their feedback: by SMS at the steps that matter, or only on the portal.
    status_updates: StatusUpdates = "sms"
    status: CitizenStatus = "active"
    lock_reason: str | None = None
    # Sessions issued before this moment are void (set when the account is locked).
    sessions_valid_after: datetime | None = None
    created_at: datetime
    updated_at: datetime
    created_by: str
    version: int | None = None
    # The commune the account was made in, when a merger moved it to another (kept whole on every save).
    recorded_under: CommuneId | None = None

    @property
    def profile_complete(self) -> bool:
        return bool(self.full_name and self.hamlet_id and self.address)

    def audit_view(self) -> dict[str, object]:
        """What an audit entry may say about this citizen: personal numbers masked."""
        return {
            "full_name": self.full_name,
            "phone": mask_phone(self.phone),
            "cccd": mask_cccd(self.cccd) if self.cccd else None,
            "cccd_pending": mask_cccd(self.cccd_pending) if self.cccd_pending else None,
            "hamlet_id": self.hamlet_id,
            "address": self.address,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "status_updates": self.status_updates,
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
    status_updates: StatusUpdates | None = Field(
        default=None, description="'sms': status SMS at the steps that matter; 'portal': no SMS, news on the portal"
    )


class LockChange(Contract):
    """Why staff lock or unlock an account (kept in the audit trail)."""

    reason: str = Field(min_length=3, max_length=300)


class CitizenQuery(Contract):
    """``GET /citizens`` filters."""

    q: str | None = Field(
        default=None, max_length=100, description="name, phone or address words; or a whole phone number or CCCD"
    )
    hamlet_id: str | None = Field(default=None, pattern=HAMLET_ID)
    status: CitizenStatus | None = None
    cccd_pending: bool | None = Field(default=None, description="only citizens whose CCCD waits for verification")
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=20, ge=1, le=100)


class CccdVerification(Contract):
    """Staff verify a citizen's claimed CCCD against the card in front of them."""

    cccd: Cccd = Field(description="the number as read from the card: it must be the one the citizen gave")
    replace_holder: bool = Field(
        default=False,
        description="the number is on another account of the commune: take it from that account (audited)",
    )


class CccdRejection(Contract):
    """Why staff turn a claimed CCCD down (kept in the audit trail)."""

    reason: str = Field(min_length=3, max_length=300)


# ---------------------------------------------------------------- responses

CCCD_PENDING_NOTICE = (
    "Số CCCD đang chờ cán bộ xác minh.",
    "Your citizen ID is waiting for commune staff to verify it.",
)


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
    cccd_pending_masked: str | None = None
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
            cccd_pending_masked=mask_cccd(citizen.cccd_pending) if citizen.cccd_pending else None,
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
    # Set while a CCCD the citizen gave waits for staff: the same words whether or not the number is taken.
    cccd_notice: str | None = None
    cccd_notice_en: str | None = None
    status_updates: StatusUpdates = "sms"
    unit_address: Address | None = Field(
        default=None, description="the commune's administrative address today, with the former one if it changed"
    )

    @classmethod
    def of(cls, citizen: Citizen, unit_address: Address | None = None) -> CitizenSelf:
        notice = CCCD_PENDING_NOTICE if citizen.cccd_pending else (None, None)
        return cls(
            **CitizenView.of(citizen).model_dump(),
            cccd_notice=notice[0],
            cccd_notice_en=notice[1],
            status_updates=citizen.status_updates,
            unit_address=unit_address,
        )


class CitizenListItem(BaseModel):
    """One row of the staff list: enough to recognise a person, personal numbers masked."""

    id: str
    full_name: str | None
    phone_masked: str
    hamlet_id: str | None
    address: str | None
    cccd_masked: str | None
    cccd_pending: bool = False
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
            cccd_pending=citizen.cccd_pending is not None,
            status=citizen.status,
        )


class CitizenPage(BaseModel):
    items: list[CitizenListItem]
    next_cursor: str | None = None
