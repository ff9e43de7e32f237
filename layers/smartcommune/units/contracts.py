"""The administrative-unit register's contracts: a unit version, the tree at a date, search hits, an address."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smartcommune.core.contracts import Contract

UnitLevel = Literal["province", "district", "commune"]
"""Province-level, district-level (gone since 1/7/2025, kept for history) and commune-level units."""

UnitKind = Literal["Tỉnh", "Thành phố", "Huyện", "Quận", "Thị xã", "Xã", "Phường", "Thị trấn", "Đặc khu"]

UNIT_REF = r"^(\d{2}|\d{3}|\d{5})(@\d{4}-\d{2}-\d{2})?$"


class AdminUnit(BaseModel):
    """One version of an administrative unit: its name, parent and code hold from ``valid_from`` to ``valid_until``.

    An official code (mã đơn vị hành chính: 2 digits for a province, 3 for a district, 5 for a commune) may be
    given again to a new unit after a merger (Xã Giao Ninh took Giao Phong's 14212), so a version is named by its
    ``ref``: the code, and ``@<valid_from>`` for a version that began inside the register's history.
    """

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^(\d{2}|\d{3}|\d{5})$")
    kind: UnitKind
    name: str = Field(min_length=1, max_length=80, description="without the kind, e.g. 'Giao Phong'")
    level: UnitLevel
    parent: str | None = Field(default=None, pattern=UNIT_REF, description="the ref of the unit above, if any")
    valid_from: date | None = Field(default=None, description="first day; none: before the register's history")
    valid_until: date | None = Field(default=None, description="last day; none: still in force")
    established_by: str | None = Field(default=None, max_length=120)
    ended_by: str | None = Field(default=None, max_length=120)
    successor: str | None = Field(default=None, pattern=UNIT_REF, description="the unit it became, once ended")

    @property
    def ref(self) -> str:
        return self.code if self.valid_from is None else f"{self.code}@{self.valid_from.isoformat()}"

    @property
    def full_name(self) -> str:
        return f"{self.kind} {self.name}"

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class UnitView(BaseModel):
    """A unit as pages and documents show it."""

    ref: str
    code: str
    level: UnitLevel
    full_name: str = Field(description="e.g. 'Xã Giao Ninh'")
    valid_from: date | None
    valid_until: date | None
    established_by: str | None
    ended_by: str | None

    @classmethod
    def of(cls, unit: AdminUnit) -> UnitView:
        return cls(
            ref=unit.ref,
            code=unit.code,
            level=unit.level,
            full_name=unit.full_name,
            valid_from=unit.valid_from,
            valid_until=unit.valid_until,
            established_by=unit.established_by,
            ended_by=unit.ended_by,
        )


class UnitNode(UnitView):
    children: list[UnitNode] = Field(default_factory=list)


class UnitTree(BaseModel):
    on: date
    provinces: list[UnitNode]


class Address(BaseModel):
    """Where a record is, today: the current unit's address, and the one it was recorded under when that differs."""

    current: str = Field(description="e.g. 'Xã Giao Ninh, Tỉnh Ninh Bình'")
    former: str | None = Field(description="e.g. 'Xã Giao Phong, Huyện Giao Thủy, Tỉnh Nam Định'")
    current_ref: str


class UnitHit(BaseModel):
    """A search hit: the unit found (perhaps under a former name) and what it is today."""

    matched: UnitView
    current: UnitView
    address: Address


class UnitHits(BaseModel):
    items: list[UnitHit]


class UnitDetail(BaseModel):
    unit: UnitView
    path: list[UnitView] = Field(description="from the province down to the unit, as it stood in its own time")
    current: UnitView = Field(description="what the unit is today (itself, or what it was merged into)")
    address: Address
    predecessors: list[UnitView] = Field(description="units that were merged into this one")
    children: list[UnitView] = Field(description="units under it while it was in force, latest versions")


class UnitTreeQuery(Contract):
    on: date | None = Field(default=None, description="yyyy-mm-dd; default: today (Asia/Ho_Chi_Minh)")


class UnitSearchQuery(Contract):
    q: str = Field(min_length=2, max_length=80, description="a name, old or new; diacritics optional")
