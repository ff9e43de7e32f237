"""Communes and their hamlets: the tenants of one deployment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from smartcommune.core.contracts import CommuneId


class FormerHamlet(BaseModel):
    """A hamlet that was merged into (or renamed as) another: its id, name and until when."""

    id: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    name: str = Field(min_length=1, max_length=80)
    until: date = Field(description="its last day")
    resolution: str | None = Field(default=None, max_length=120, description="the decision that merged it")


class Hamlet(BaseModel):
    """A hamlet (xóm/thôn) of a commune."""

    id: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    name: str = Field(min_length=1, max_length=80)
    former: list[FormerHamlet] = Field(default_factory=list, description="hamlets merged into this one")


class Commune(BaseModel):
    """A commune served by the platform; every record of the platform belongs to exactly one."""

    id: CommuneId
    name: str = Field(min_length=1, max_length=80, description="e.g. Xã Giao Phong")
    district: str = Field(max_length=80)
    province_id: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    province: str = Field(max_length=80)
    hamlets: list[Hamlet] = Field(min_length=1)
    households: int | None = Field(default=None, ge=0)
    population: int | None = Field(default=None, ge=0)
    unit: str | None = Field(
        default=None, pattern=r"^\d{2,5}(@\d{4}-\d{2}-\d{2})?$", description="its entry in the unit register"
    )
    status: Literal["active", "merging", "merged"] = Field(
        default="active", description="merging/merged: its records are moving/have moved to ``merged_into``"
    )
    merged_into: CommuneId | None = None
    predecessors: list[CommuneId] = Field(default_factory=list, description="communes merged into this one")
    formed_on: date | None = Field(default=None, description="when a merger formed or enlarged it")

    def hamlet(self, hamlet_id: str) -> Hamlet | None:
        return next((h for h in self.hamlets if h.id == hamlet_id), None)


# ---------------------------------------------------------------- mergers


class MergeRequest(BaseModel):
    """``smartcommune communes merge``: one or more communes into a new (or an existing) one."""

    new_id: CommuneId
    name: str = Field(min_length=1, max_length=80, description="e.g. Xã Giao Bình")
    province_id: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    province: str = Field(default="", max_length=80, description="the province's name; kept if empty")
    effective: date
    old_ids: list[CommuneId] = Field(min_length=1)
    unit: str | None = Field(default=None, pattern=r"^\d{2,5}(@\d{4}-\d{2}-\d{2})?$")


MergeState = Literal["moving", "sealing", "verifying", "done", "rolled_back"]


class MergeSummary(BaseModel):
    """What ``communes merge`` prints."""

    new_commune: CommuneId
    state: MergeState
    moved: dict[str, int] = Field(description="record type → records now under the new commune")
    kept: dict[str, int] = Field(description="record type → history kept under the old communes (audit, counters)")
    dropped: dict[str, int] = Field(default_factory=dict, description="short-lived records deleted (codes)")
    conflicts: dict[str, int] = Field(default_factory=dict)
    counts_before: dict[str, int]
    counts_after: dict[str, int]
    lost: int
    sealed: dict[str, str] = Field(default_factory=dict)


class MergeRun(BaseModel):
    """A merger's durable state: a run interrupted at any point resumes from here (or rolls back)."""

    request: MergeRequest
    state: MergeState = "moving"
    started_at: datetime
    finished_at: datetime | None = None
    created_new: bool = Field(description="the new commune did not exist before (a rollback removes it)")
    before: dict[str, Commune] = Field(description="the profiles as they were, for a rollback")
    counts_before: dict[str, dict[str, int]] = Field(description="old commune → record type → count")
    conflicts: dict[str, int] = Field(default_factory=dict, description="record type → records left in place")
    sealed: dict[str, str] = Field(default_factory=dict, description="old commune → its audit chain's final hash")
    summary: MergeSummary | None = Field(default=None, description="as it was when the run finished")


class MergeOrder(BaseModel):
    """A merger the province asked for through its signed API; the merge function runs it (and resumes it)."""

    request: MergeRequest
    ordered_by: str = Field(description="the province client's access key id")
    ordered_by_label: str = Field(default="", description="the province system's name")
    province_id: str = Field(description="the ordering client's province (who may follow the order)")
    ordered_at: datetime
    failed: str | None = Field(default=None, description="why the merger could not start (Vietnamese)")
    failed_en: str | None = None


class MergeStatus(BaseModel):
    """``GET /province/v1/mergers/{new_id}``: where an ordered merger stands."""

    new_commune: CommuneId
    state: Literal["ordered", "failed", "moving", "sealing", "verifying", "done", "rolled_back"]
    request: MergeRequest
    ordered_by_label: str
    ordered_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    failed: str | None = None
    failed_en: str | None = None
    summary: MergeSummary | None = Field(default=None, description="the counts once the merger is done")


class HamletMergeRequest(BaseModel):
    """``smartcommune communes merge-hamlets``: hamlets of one commune into one (a new one or one of them)."""

    commune_id: CommuneId
    into_id: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    name: str = Field(min_length=1, max_length=80, description="e.g. Xóm Đông Thành")
    effective: date
    old_ids: list[str] = Field(min_length=1)
    resolution: str | None = Field(default=None, max_length=120)


class HamletMergeSummary(BaseModel):
    commune_id: CommuneId
    into: str
    rewritten: dict[str, int] = Field(description="record type → records now naming the merged hamlet")
