"""What the province's API exchanges: its clients, and the shapes of its answers that are its own (the reports and
scorecards themselves are ``reporting.contracts``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from smartcommune.core.contracts import CommuneId, Contract
from smartcommune.reporting.contracts import Scorecard

ACCESS_KEY_RE = re.compile(r"^SCPK[A-Z2-7]{16}$")
PROVINCE_ID_PATTERN = r"^[a-z0-9-]{2,40}$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class ProvinceClient(BaseModel):
    """A system of a province allowed to call the API: it sees the communes of ``province_id`` only."""

    access_key_id: str = Field(pattern=ACCESS_KEY_RE.pattern)
    province_id: str = Field(pattern=PROVINCE_ID_PATTERN)
    label: str = Field(min_length=1, max_length=120)
    created_by: str = Field(min_length=1, max_length=120)
    created_at: datetime
    revoked_at: datetime | None = None
    # In AWS: the IAM role or user whose SigV4 requests API Gateway verified (``arn:aws:iam::<acct>:role/<name>``).
    iam_arn: str | None = Field(default=None, max_length=2048)
    # Reorganising units (ordering commune mergers) is a decision of the province's government, not a reading:
    # only a client created for it may (``province client create --may-reorganise``).
    may_reorganise: bool = False

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IssuedClient(BaseModel):
    """A client with its secret, shown once to whoever created or rotated it; the table holds it only encrypted."""

    client: ProvinceClient
    secret_access_key: str


class NewProvinceClient(Contract):
    province_id: str = Field(pattern=PROVINCE_ID_PATTERN)
    label: str = Field(default="province system", min_length=1, max_length=120)
    iam_arn: str | None = Field(
        default=None, max_length=2048, pattern=r"^arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]+$"
    )
    may_reorganise: bool = False


class EntitledCommune(BaseModel):
    """A commune the client may read, as the province lists it."""

    id: CommuneId
    name: str
    district: str
    province_id: str
    province: str
    population: int | None = None
    households: int | None = None


class EntitledCommunes(BaseModel):
    province_id: str
    communes: list[EntitledCommune]


class SeriesQuery(Contract):
    """``from``/``to`` months of an indicator series (inclusive); the last 12 months without them."""

    from_: str | None = Field(default=None, alias="from", pattern=MONTH_PATTERN)
    to: str | None = Field(default=None, pattern=MONTH_PATTERN)


class MonthQuery(Contract):
    month: str | None = Field(default=None, pattern=MONTH_PATTERN, description="YYYY-MM; the current month without")


class RollupEntry(BaseModel):
    """One commune of the province's monthly rollup: its scorecard, or why it has none."""

    commune_id: CommuneId
    name: str
    status: Literal["ok", "unavailable"]
    scorecard: Scorecard | None = None


class ScorecardRollup(BaseModel):
    province_id: str
    month: str | None
    communes: list[RollupEntry]
