"""Factories of the commune registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune, MergeOrder
    from smartcommune.communes.logic.orders import MergeOrders
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


class _OrderAudit:
    """A merger order on each named commune's audit chain, in the province client's name."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def ordered(self, order: MergeOrder, communes: list[Commune]) -> None:
        from smartcommune.audit.contracts import AuditRecord
        from smartcommune.audit.wiring import audit_repository
        from smartcommune.core.contracts import Role

        record = AuditRecord(
            actor_id=f"province:{order.ordered_by}",
            actor_role=Role.ADMIN,  # the province acts with the commune leadership's authority (as report requests)
            action="commune.merger_ordered",
            target=f"commune/{order.request.new_id}",
            after={**order.request.model_dump(mode="json"), "ordered_by": order.ordered_by_label},
        )
        for commune in communes:
            self._services.get(audit_repository).commit(commune.id, record)


def merge_orders(services: Services) -> MergeOrders:
    """Mergers ordered through the province's signed API, and their status (public)."""
    from smartcommune.communes.logic.orders import MergeOrders
    from smartcommune.communes.storage.orders import MergeOrderRepository, SqsMergeQueue
    from smartcommune.core.aws import client
    from smartcommune.core.wiring import bound_table

    url = services.settings.merge_queue_url
    if not url:
        raise RuntimeError("SMARTCOMMUNE_MERGE_QUEUE_URL is not set: the merge function has no queue")
    services.get(bound_table)
    return MergeOrders(
        profiles=services.get(commune_repository),
        orders=MergeOrderRepository(),
        runs=services.get(merge_runs),
        audit=_OrderAudit(services),
        queue=SqsMergeQueue(client("sqs", services.settings), url),
        clock=services.clock,
    )
