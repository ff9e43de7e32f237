"""Who is calling: the principal every request is checked against (identity resolves it from a session)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from smartcommune.core.contracts import Role


class Principal(BaseModel):
    """An authenticated caller, resolved from a session token. Its commune bounds everything it may touch."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    kind: Literal["citizen", "staff"]
    roles: frozenset[Role]
    commune_id: str
    display_name: str
    session_id: str
    expires_at: datetime

    @property
    def primary_role(self) -> Role:
        """The role written in the audit trail: the first staff role in a stable order, else citizen."""
        return sorted(self.roles, key=list(Role).index)[0]
