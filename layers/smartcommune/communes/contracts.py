"""Communes and their hamlets: the tenants of one deployment."""

from __future__ import annotations

from pydantic import BaseModel, Field

from smartcommune.core.contracts import CommuneId


class Hamlet(BaseModel):
    """A hamlet (xóm/thôn) of a commune."""

    id: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    name: str = Field(min_length=1, max_length=80)


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

    def hamlet(self, hamlet_id: str) -> Hamlet | None:
        return next((h for h in self.hamlets if h.id == hamlet_id), None)
