"""Factories of the commune registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.communes.storage import CommuneRepository
    from smartcommune.communes.storage.merger import MergeRunRepository, TenantMover
    from smartcommune.core.services import Services


def commune_repository(services: Services) -> CommuneRepository:
    """The communes of this deployment and their hamlets (public: every capability reads it)."""
    from smartcommune.communes.storage import CommuneRepository
    from smartcommune.core.wiring import bound_table

    services.get(bound_table)
    return CommuneRepository()


def merge_runs(services: Services) -> MergeRunRepository:
    from smartcommune.communes.storage.merger import MergeRunRepository
    from smartcommune.core.wiring import bound_table

    services.get(bound_table)
    return MergeRunRepository()


def tenant_mover(services: Services) -> TenantMover:
    """A commune's records through the tenant index (mergers only: never on a request path)."""
    from smartcommune.communes.storage.merger import TenantMover
    from smartcommune.core.aws import client

    return TenantMover(client("dynamodb", services.settings), services.settings.table_name)


def current_commune_id(services: Services, commune_id: str) -> str:
    """The commune a public link's id names today: itself, or the commune it was merged into (links never break)."""
    commune = services.get(commune_repository).get(commune_id)
    return commune.id if commune is not None else commune_id
