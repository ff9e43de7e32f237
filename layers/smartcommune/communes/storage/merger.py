"""A merger's durable run record and the mover that walks a commune's records through the tenant index.

Each record is touched once: its key comes from one page of the ``TENANT`` index (keys and type), the record
itself from one ``BatchGetItem`` of up to 100 (consistent: a record moved a moment ago is gone from the base
table even if the index still lists it), and it moves in a ``TransactWriteItems`` of up to 50 records (the new
copy put only if that key is free, the old one deleted): a record is never in both places or in neither, so a
run killed at any point resumes by walking the index again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from smartcommune.communes.contracts import MergeRun
from smartcommune.communes.logic.merger import DROP, MOVE, Item, MoveReport
from smartcommune.core.table import MainTable, MergePolicy, tenant_of

INDEX_PAGE = 10_000  # keys per index page (~100 bytes each with the type: well inside DynamoDB's 1 MB)
TRANSACT_RECORDS = 50  # two operations each: DynamoDB's limit is 100 per transaction
BATCH_GET = 100


class MergeRunItem(MainTable, discriminator="commune_merge"):
    """``MERGE#<new commune>`` / ``RUN``: the run's state as JSON (:class:`MergeRun`)."""

    merge = MergePolicy.GLOBAL

    document = UnicodeAttribute()


class MergeRunRepository:
    def get(self, new_id: str) -> MergeRun | None:
        try:
            item = MergeRunItem.get(f"MERGE#{new_id}", "RUN", consistent_read=True)
        except MergeRunItem.DoesNotExist:
            return None
        return MergeRun.model_validate_json(item.document)

    def put(self, run: MergeRun) -> None:
        MergeRunItem(f"MERGE#{run.request.new_id}", "RUN", document=run.model_dump_json()).save()


class TenantMover:
    """Counts and moves a commune's records by the tenant index (low-level client: records of every type)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self.calls = 0  # DynamoDB calls made (the benchmark's dynamodb_calls_per_record)

    # -- reading the index

    def _index_pages(self, tenant: str) -> Iterator[list[dict[str, Any]]]:
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": "TENANT",
                "KeyConditionExpression": "#t = :t",
                "ProjectionExpression": "PK, SK, #type, MERGED_FROM",
                "ExpressionAttributeNames": {"#t": "TENANT", "#type": "type"},
                "ExpressionAttributeValues": {":t": {"S": tenant}},
                "Limit": INDEX_PAGE,
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = self._client.query(**kwargs)
            self.calls += 1
            yield page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def count(self, tenant: str) -> dict[str, dict[str, int]]:
        """Records under ``tenant`` per commune they were recorded under ("" for its own) and type: one walk."""
        counts: dict[str, dict[str, int]] = {}
        for page in self._index_pages(tenant):
            for key in page:
                origin = counts.setdefault(key.get("MERGED_FROM", {}).get("S", ""), {})
                kind = key.get("type", {}).get("S", "?")
                origin[kind] = origin.get(kind, 0) + 1
        return counts

    # -- the one-off migration of a table older than the tenant index

    def backfill(self) -> int:
        """Give ``TENANT`` to every commune record written before the index existed; how many were updated.

        The only scan in the code base: a maintenance step run once per table (``smartcommune communes
        backfill-tenants``), never on a request path. Safe to repeat (records that have it are skipped).
        """
        updated = 0
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "FilterExpression": "begins_with(PK, :c) AND attribute_not_exists(TENANT)",
                "ProjectionExpression": "PK, SK",
                "ExpressionAttributeValues": {":c": {"S": "C#"}},
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = self._client.scan(**kwargs)
            self.calls += 1
            for key in page.get("Items", []):
                tenant = tenant_of(key["PK"]["S"])
                if tenant is None:
                    continue
                with contextlib.suppress(self._client.exceptions.ConditionalCheckFailedException):
                    self._client.update_item(
                        TableName=self._table,
                        Key={"PK": key["PK"], "SK": key["SK"]},
                        UpdateExpression="SET TENANT = :t",
                        ConditionExpression="attribute_exists(PK)",  # deleted meanwhile: do not resurrect it
                        ExpressionAttributeValues={":t": {"S": tenant}},
                    )
                    self.calls += 1
                    updated += 1
            start = page.get("LastEvaluatedKey")
            if not start:
                return updated

    # -- moving

    def move(
        self,
        old: str,
        new: str,
        policy_of: Callable[[str], str],
        rewrite: Callable[[Item], Item],
        *,
        only_merged_from: str | None = None,
        after_batch: Callable[[], None] | None = None,
    ) -> MoveReport:
        """Move (or drop) every record of ``old`` whose type says so, in one walk of its index partition.

        A record written under ``old`` while the walk runs may be missed: the merger walks again once the old
        commune's links point at the new one (its ``verifying`` sweep).
        """
        report = MoveReport()
        conflicted: set[tuple[str, str]] = set()
        for page in self._index_pages(old):
            wanted = [
                {"PK": key["PK"], "SK": key["SK"]}
                for key in page
                if policy_of(key.get("type", {}).get("S", "?")) in (MOVE, DROP)
                and (only_merged_from is None or key.get("MERGED_FROM", {}).get("S") == only_merged_from)
            ]
            for chunk in _chunks(wanted, TRANSACT_RECORDS):
                self._transact(self._batch_get(chunk), policy_of, rewrite, report, conflicted)
                if after_batch is not None:
                    after_batch()
        return report

    def rewrite(self, tenant: str, policy_of: Callable[[str], str], rewrite: Callable[[Item], Item]) -> dict[str, int]:
        """Rewrite every record of ``tenant`` whose type ``policy_of`` says to move, where ``rewrite`` changes it
        (re-keyed the same way as a move when a key changes); records per type rewritten."""
        report = MoveReport()
        conflicted: set[tuple[str, str]] = set()
        for page in self._index_pages(tenant):
            wanted = [
                {"PK": k["PK"], "SK": k["SK"]} for k in page if policy_of(k.get("type", {}).get("S", "?")) == MOVE
            ]
            for chunk in _chunks(wanted, TRANSACT_RECORDS):
                changed = [item for item in self._batch_get(chunk) if rewrite(item) != item]
                if changed:
                    self._transact(changed, policy_of, rewrite, report, conflicted)
        return {**report.moved, **{f"conflict:{k}": v for k, v in report.conflicts.items()}}

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[Item]:
        items: list[Item] = []
        pending: list[dict[str, Any]] = list(keys)
        while pending:
            response = self._client.batch_get_item(
                RequestItems={self._table: {"Keys": pending[:BATCH_GET], "ConsistentRead": True}}
            )
            self.calls += 1
            items.extend(response.get("Responses", {}).get(self._table, []))
            unprocessed = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
            pending = unprocessed + pending[BATCH_GET:]
        return items

    def _transact(
        self,
        items: list[Item],
        policy_of: Callable[[str], str],
        rewrite: Callable[[Item], Item],
        report: MoveReport,
        conflicted: set[tuple[str, str]],
    ) -> int:
        """Move ``items`` in one transaction; a record whose new key is taken stays put and is reported."""
        while items:
            operations: list[dict[str, Any]] = []
            owners: list[int] = []  # which item each operation belongs to
            for index, item in enumerate(items):
                key = {"PK": item["PK"], "SK": item["SK"]}
                if policy_of(item.get("type", {}).get("S", "?")) == DROP:
                    operations.append({"Delete": {"TableName": self._table, "Key": key}})
                    owners.append(index)
                    continue
                moved = rewrite(item)
                if (moved["PK"], moved["SK"]) == (item["PK"], item["SK"]):  # a global key: re-pointed in place
                    operations.append({"Put": {"TableName": self._table, "Item": moved}})
                    owners.append(index)
                    continue
                operations.append(
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": moved,
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    }
                )
                operations.append({"Delete": {"TableName": self._table, "Key": key}})
                owners += [index, index]
            try:
                self._client.transact_write_items(TransactItems=operations)
                self.calls += 1
            except self._client.exceptions.TransactionCanceledException as exc:
                self.calls += 1
                reasons = exc.response.get("CancellationReasons", [])
                failed = {owners[i] for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"}
                if not failed:
                    raise
                for index in failed:
                    item = items[index]
                    conflicted.add((item["PK"]["S"], item["SK"]["S"]))
                    kind = item.get("type", {}).get("S", "?")
                    report.conflicts[kind] = report.conflicts.get(kind, 0) + 1
                items = [item for i, item in enumerate(items) if i not in failed]
                continue
            for item in items:
                kind = item.get("type", {}).get("S", "?")
                bucket = report.dropped if policy_of(kind) == DROP else report.moved
                bucket[kind] = bucket.get(kind, 0) + 1
            return len(items)
        return 0


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
