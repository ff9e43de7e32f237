"""What capabilities need of the commune registry (a port; ``communes.storage.CommuneRepository`` implements it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune


class CommuneStore(Protocol):
    def get(self, commune_id: str) -> Commune | None: ...
