"""Factories of the commune registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.communes.storage import CommuneRepository
    from smartcommune.core.services import Services


def commune_repository(services: Services) -> CommuneRepository:
    """The communes of this deployment and their hamlets (public: every capability reads it)."""
    from smartcommune.communes.storage import CommuneRepository
    from smartcommune.core.wiring import bound_table

    services.get(bound_table)
    return CommuneRepository()
