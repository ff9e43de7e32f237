"""Merger orders (``MERGE#<new commune>`` / ``ORDER``) and the queue that hands them to the merge function."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError

from smartcommune.communes.contracts import MergeOrder
from smartcommune.core.table import MainTable, MergePolicy


class MergeOrderItem(MainTable, discriminator="commune_merge_order"):
    """The order as JSON (:class:`MergeOrder`), beside its run (``RUN``)."""

    merge = MergePolicy.GLOBAL

    document = UnicodeAttribute()


def _pk(new_id: str) -> str:
    return f"MERGE#{new_id}"


class MergeOrderRepository:
    def get(self, new_id: str) -> MergeOrder | None:
        try:
            item = MergeOrderItem.get(_pk(new_id), "ORDER", consistent_read=True)
        except MergeOrderItem.DoesNotExist:
            return None
        return MergeOrder.model_validate_json(item.document)

    def create(self, order: MergeOrder) -> bool:
        try:
            MergeOrderItem(_pk(order.request.new_id), "ORDER", document=order.model_dump_json()).save(
                condition=MergeOrderItem.pk.does_not_exist()
            )
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def put(self, order: MergeOrder) -> None:
        MergeOrderItem(_pk(order.request.new_id), "ORDER", document=order.model_dump_json()).save()


class SqsMergeQueue:
    """``MergeQueue``: one message per order, ``{"new_id": …}`` (the order itself stays in the table)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def send(self, new_id: str) -> None:
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps({"new_id": new_id}))
