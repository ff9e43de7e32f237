"""The emulator's speed-ups answer exactly what moto itself answers: a Query from only its candidates returns the
same items in the same order and pages, and a read's plain-JSON body equals moto's serializer's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

from smartcommune_local.moto_patches import patch_moto_dynamodb


@pytest.fixture
def table() -> Iterator[Any]:
    patch_moto_dynamodb()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-1")
        keys = [("PK", "S"), ("SK", "S"), ("G1", "S"), ("G1S", "S"), ("N", "N")]
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in keys],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "Gsi",
                    "KeySchema": [
                        {"AttributeName": "G1", "KeyType": "HASH"},
                        {"AttributeName": "G1S", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                },
                {
                    "IndexName": "ByNumber",
                    "KeySchema": [{"AttributeName": "N", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                },
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for p in range(6):
            for s in range(25):
                item: dict[str, Any] = {
                    "PK": {"S": f"P#{p}"},
                    "SK": {"S": f"S#{s:03d}"},
                    "N": {"N": str(s % 3)},
                    "b": {"B": bytes([p, s])},
                    "m": {"M": {"l": {"L": [{"S": "x"}, {"N": "1.50"}, {"BOOL": True}, {"NULL": True}]}}},
                    "ss": {"SS": ["a", "b"]},
                }
                if s % 2:
                    item |= {"G1": {"S": f"G#{p % 2}"}, "G1S": {"S": f"{24 - s:03d}"}}
                client.put_item(TableName="t", Item=item)
        yield client


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "P#2"}}},
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "P#none"}}},
    {
        "KeyConditionExpression": "PK = :p AND SK BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":p": {"S": "P#3"}, ":a": {"S": "S#005"}, ":b": {"S": "S#017"}},
        "ScanIndexForward": False,
        "Limit": 4,
    },
    {
        "KeyConditionExpression": "PK = :p AND begins_with(SK, :a)",
        "FilterExpression": "N = :n",
        "ExpressionAttributeValues": {":p": {"S": "P#1"}, ":a": {"S": "S#01"}, ":n": {"N": "1"}},
    },
    {"IndexName": "Gsi", "KeyConditionExpression": "G1 = :g", "ExpressionAttributeValues": {":g": {"S": "G#1"}}},
    {
        "IndexName": "Gsi",
        "KeyConditionExpression": "G1 = :g AND G1S < :s",
        "ExpressionAttributeValues": {":g": {"S": "G#0"}, ":s": {"S": "010"}},
        "Limit": 5,
    },
    {"IndexName": "ByNumber", "KeyConditionExpression": "N = :n", "ExpressionAttributeValues": {":n": {"N": "2"}}},
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "P#4"}}, "Select": "COUNT"},
]


def _pages(client: Any, query: dict[str, Any]) -> list[dict[str, Any]]:
    pages, start = [], None
    while True:
        page = client.query(TableName="t", **query, **({"ExclusiveStartKey": start} if start else {}))
        page.pop("ResponseMetadata")
        pages.append(page)
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


@pytest.mark.parametrize(
    "query", QUERIES, ids=lambda q: q.get("IndexName", "table") + ":" + q["KeyConditionExpression"]
)
def test_a_query_from_its_candidates_answers_what_moto_answers(table, query, monkeypatch):
    patched = _pages(table, query)
    monkeypatch.setattr(Table, "query", Table.query.__wrapped__)  # moto's own, sorting the whole table
    assert _pages(table, query) == patched
    assert patched[0].get("Count", 0) > 0 or query["ExpressionAttributeValues"].get(":p") == {"S": "P#none"}


def test_a_reads_plain_json_body_is_byte_for_byte_what_moto_serializes(table, monkeypatch):
    bodies: list[tuple[str, Any, Any]] = []
    plain = DynamoHandler.serialized

    def both(self: Any, result: Any) -> Any:
        answer = plain(self, result)
        bodies.append((self._get_action(), json.loads(answer[2]), json.loads(plain.__wrapped__(self, result)[2])))
        return answer

    monkeypatch.setattr(DynamoHandler, "serialized", both)
    table.get_item(TableName="t", Key={"PK": {"S": "P#1"}, "SK": {"S": "S#003"}})
    table.get_item(TableName="t", Key={"PK": {"S": "P#1"}, "SK": {"S": "missing"}})
    table.batch_get_item(RequestItems={"t": {"Keys": [{"PK": {"S": "P#2"}, "SK": {"S": "S#001"}}]}})
    table.query(TableName="t", **QUERIES[2])
    table.scan(TableName="t", Limit=7)
    got = table.get_item(TableName="t", Key={"PK": {"S": "P#5"}, "SK": {"S": "S#004"}})["Item"]
    assert got["b"] == {"B": bytes([5, 4])} and got["m"]["M"]["l"]["L"][1] == {"N": "1.50"}
    assert [action for action, _, _ in bodies] == ["GetItem", "GetItem", "BatchGetItem", "Query", "Scan", "GetItem"]
    for action, fast, moto in bodies:
        assert fast == moto, action
