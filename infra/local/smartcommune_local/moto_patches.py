"""Fixes to moto's DynamoDB emulator (only the emulator: nothing here runs in AWS).

Used by the local stack, the tests and the benchmarks, so that what they observe is what DynamoDB guarantees:
moto handles concurrent requests on threads without a lock, so two concurrent conditional transactions can both
pass their conditions and both write — a lost update DynamoDB would never allow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# Every DynamoDB request of the in-process emulator runs under this lock (see :func:`patch_moto_dynamodb`);
# :func:`table_items` takes it too, so a snapshot reads a consistent table without going through the server.
DYNAMODB_LOCK = threading.RLock()
MOTO_ACCOUNT_ID = "123456789012"  # moto server's default account


def patch_moto_dynamodb() -> None:
    """Make moto's DynamoDB a serial emulator with cheap transaction rollback (the emulator only).

    moto's ``transact_write_items`` deep-copies the whole table once per operation of every transaction (a
    submission writes six items: six copies of a table that grows to ~10,000 items) and its server handles
    requests on threads without a lock, so concurrent transactions crash inside ``deepcopy`` ("dictionary
    changed size during iteration"). Here each DynamoDB request runs under one lock, as a single-partition
    DynamoDB would serialise conflicting writes, and a transaction keeps copies of only the items it touches
    and restores them if it is cancelled — the same all-or-nothing outcome. A Query reads only the items it can
    match instead of the whole table sorted (see ``partition_query``): the same results, at a cost that no longer
    grows with the table.
    """
    import copy as copy_module

    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoDBBackend, "_smartcommune_patched", False):
        return
    handle = DynamoHandler.call_action

    def serial_call_action(self: Any) -> Any:
        with DYNAMODB_LOCK:
            return handle(self)

    class _NoTableCopy:
        def __getattr__(self, name: str) -> Any:
            return getattr(copy_module, name)

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy_module.deepcopy(value, memo)

    transact = DynamoDBBackend.transact_write_items

    def cheap_transact(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table = self.get_table(op["TableName"])
            if op_type == "Put":
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            current = self.get_item(op["TableName"], key)
            saved.append(
                (op["TableName"], key, copy_module.deepcopy(current.to_json()["Attributes"]) if current else None)
            )
        models.copy = _NoTableCopy()  # type: ignore[assignment]
        try:
            transact(self, transact_items)
        except Exception:
            for name, key, attributes in reversed(saved):
                if attributes is None:
                    self.delete_item(name, key)
                else:
                    self.put_item(name, attributes)
            raise
        finally:
            models.copy = copy_module

    DynamoHandler.call_action = serial_call_action  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = cheap_transact  # type: ignore[method-assign]
    Table.query = _partition_query(Table.query)  # type: ignore[method-assign]
    DynamoHandler.serialized = _plain_json_reads(DynamoHandler.serialized)  # type: ignore[method-assign]
    DynamoDBBackend._smartcommune_patched = True  # type: ignore[attr-defined]


def _partition_query(query: Callable[..., Any]) -> Callable[..., Any]:
    """moto's ``Table.query`` from only the items it can match.

    moto's Query starts from ``all_items()``, which sorts the whole table (every item, compared as DynamoType) on
    every call: a Query's cost grew with the table, ~1 s at 20,000 items. The same answer from the candidates
    alone — the key's partition for the table; for an index, the items whose index hash key matches (compared by
    raw type and value) — which moto then filters and sorts itself, as before.
    """

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if not self.range_key_attr:
            return query(self, hash_key, *args, **kwargs)
        if index_name is None and hash_key is not None:
            candidates = list(self.items.get(hash_key, {}).values())
        else:
            wanted = [(name, value.type, value.value) for name, value in kwargs.get("hash_key_conditions") or []]

            def matches(item: Any) -> bool:
                for name, kind, value in wanted:
                    found = item.attrs.get(name)
                    if found is None or found.type != kind or found.value != value:
                        return False
                return True

            candidates = [item for by_range in self.items.values() for item in by_range.values() if matches(item)]
        self.all_items = lambda: candidates
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    partition_query.__wrapped__ = query  # type: ignore[attr-defined]  # the original, for the equivalence test
    return partition_query


READ_ACTIONS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem"})


def _plain_json_reads(serialized: Callable[..., Any]) -> Callable[..., Any]:
    """moto's answers to reads as plain JSON instead of its model-driven serializer.

    DynamoDB speaks JSON; moto 5 walks the service model for every attribute of every item it returns (most of a
    read's cost at a few thousand attributes). A read's result is already the wire shape — attribute values as
    ``{"S": …}`` dicts, binary as bytes, base64-encoded as the serializer does — so ``json.dumps`` gives the same
    body (checked against the serializer by tests/unit/infra/test_moto_patches.py). Errors and writes go through
    moto's own serializer as before.
    """
    import base64
    import json

    def encode_bytes(value: Any) -> str:
        if isinstance(value, bytes | bytearray):
            return base64.b64encode(value).decode()
        raise TypeError(f"{type(value).__name__} is not JSON")

    def plain(self: Any, action_result: Any) -> Any:
        if self._get_action() not in READ_ACTIONS or isinstance(action_result.result, BaseException):
            return serialized(self, action_result)
        body = json.dumps(action_result.result, default=encode_bytes)
        headers = {"Content-Type": "application/x-amz-json-1.0", **self.response_headers}
        return 200, headers, body

    plain.__wrapped__ = serialized  # type: ignore[attr-defined]
    return plain


def table_items(table_name: str, region: str) -> list[dict[str, Any]]:
    """Every item of ``table_name`` in the in-process emulator, as a Scan would return it through boto3.

    Read from moto's backend under the request lock: a Scan through the server serialises each page with moto's
    response serializer (2.8 s for 1,900 items here), all of it under the lock, so a snapshot taken every second
    that way stalls every other request of the stack.
    """
    from moto.dynamodb.models import dynamodb_backends

    with DYNAMODB_LOCK:
        table = dynamodb_backends[MOTO_ACCOUNT_ID][region].get_table(table_name)
        return [{name: value.to_regular_json() for name, value in item.attrs.items()} for item in table.all_items()]
