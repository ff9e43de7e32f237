"""The register's contracts: households, residents, their changes, and the commune's age profile."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from smartcommune.core.contracts import Contract

HOUSEHOLD_ID = r"^[a-z0-9-]{3,40}$"
RESIDENT_ID = r"^r-[0-9a-f]{32}$"

Sex = Literal["male", "female"]
Relation = Literal["head", "spouse", "child", "parent", "grandchild", "grandparent", "sibling", "other"]
ResidentStatus = Literal["resident", "moved_out", "deceased"]

RELATION_LABELS_VI: dict[str, str] = {
    "head": "Chủ hộ",
    "spouse": "Vợ/chồng",
    "child": "Con",
    "parent": "Cha/mẹ",
    "grandchild": "Cháu",
    "grandparent": "Ông/bà",
    "sibling": "Anh/chị/em",
    "other": "Khác",
}


class NewResident(Contract):
    """A person written into a household (at registration, a birth, or moving in)."""

    full_name: str = Field(min_length=2, max_length=100)
    birth_date: date
    sex: Sex
    relation: Relation
    citizen_id: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{32}$", description="their citizen account, if they have one"
    )


class NewHousehold(Contract):
    """``POST /population/households``: a household book and the people in it, written all at once."""

    id: str = Field(pattern=HOUSEHOLD_ID, description="the household book number as the commune writes it")
    hamlet_id: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    address: str = Field(min_length=2, max_length=200)
    residents: list[NewResident] = Field(min_length=1, max_length=30)

    @model_validator(mode="after")
    def _one_head(self) -> NewHousehold:
        if sum(1 for r in self.residents if r.relation == "head") != 1:
            raise ValueError("a household has exactly one head (relation 'head')")
        return self


class Resident(BaseModel):
    id: str
    household_id: str
    full_name: str
    birth_date: date
    sex: Sex
    relation: Relation
    citizen_id: str | None = None
    status: ResidentStatus = "resident"
    status_since: date | None = None
    status_note: str | None = None
    version: int = 1


class Household(BaseModel):
    id: str
    commune_id: str
    hamlet_id: str
    address: str
    head_name: str
    created_at: datetime
    residents: list[Resident] = Field(default_factory=list)


class ResidentChange(Contract):
    """A resident moves out or dies: kept in the household's history, no longer counted."""

    status: Literal["moved_out", "deceased"]
    since: date
    note: str | None = Field(default=None, max_length=300)


class HouseholdSummary(BaseModel):
    id: str
    hamlet_id: str
    address: str
    head_name: str
    residents: int


class HouseholdPage(BaseModel):
    items: list[HouseholdSummary]
    next_cursor: str | None = None


class HouseholdQuery(Contract):
    hamlet_id: str | None = Field(default=None, pattern=r"^[a-z0-9-]{2,40}$")
    cursor: str | None = Field(default=None, max_length=1000)
    limit: int = Field(default=50, ge=1, le=200)


class SexCounts(BaseModel):
    male: int = 0
    female: int = 0

    @property
    def total(self) -> int:
        return self.male + self.female


class AgeProfile(BaseModel):
    """Residents living in the commune now, by birth year and sex (kept as counters: read by key, never a scan)."""

    commune_id: str
    households: int
    residents: int
    by_birth_year: dict[int, SexCounts]


class AgeBand(BaseModel):
    label: str = Field(description="'0–4', '5–9', …, '80+'")
    male: int
    female: int


class PopulationView(BaseModel):
    """``GET /communes/{id}/population``: the public figures (counts only) and the age pyramid."""

    commune_id: str
    households: int
    residents: int
    as_of: date
    bands: list[AgeBand]
