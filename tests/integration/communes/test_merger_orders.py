"""Issue 14: a merger as an audited action of the province, through its signed API — ordered, checked and
recorded at once, run by the merge function from its queue (paused and resumed when its time runs out), followed
until done; refused to read-only clients and to other provinces, and the same order twice runs once."""

from __future__ import annotations

import importlib.util
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from smartcommune.audit.wiring import audit_repository
from smartcommune.communes.wiring import commune_repository
from smartcommune.province.contracts import NewProvinceClient
from smartcommune.province.wiring import province_clients
from smartcommune_local.template import REPO_ROOT
from smartcommune_local.triggers import sqs_event
from tests.integration.province.test_province_api import THAI_BINH
from tests.support.fixtures import Clock
from tests.support.identities import citizen_token, ensure_demo_communes
from tests.support.province import sign


def _load_handler() -> Any:
    spec = importlib.util.spec_from_file_location("communes_merge", REPO_ROOT / "functions/communes_merge/handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # as Lambda loads it
    return module


merge_function = _load_handler()

ORDER = {
    "new_id": "giao-thuy-moi",
    "name": "Xã Giao Thủy Mới",
    "province_id": "ninh-binh",
    "province": "Tỉnh Ninh Bình",
    "effective": "2025-07-01",
    "old_ids": ["giao-phong", "bach-long"],
}


@pytest.fixture
def clock() -> Clock:
    # botocore signs at the wall clock's time: the API's clock starts there too
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def world(services: Any) -> dict[str, Any]:
    ensure_demo_communes(services)
    services.get(commune_repository).put(THAI_BINH)
    citizen, _ = citizen_token(services, "bach-long")
    merge_function.use_services(services)

    def client(province: str, may_reorganise: bool) -> tuple[str, str]:
        issued = services.get(province_clients).create(
            NewProvinceClient(province_id=province, label=f"Sở Nội vụ {province}", may_reorganise=may_reorganise),
            "test",
        )
        return issued.client.access_key_id, issued.secret_access_key

    return {
        "citizen": citizen,
        "reorganiser": client("nam-dinh", True),
        "reader": client("nam-dinh", False),
        "other_province": client("thai-binh", True),
    }


def _fresh() -> dict[str, str]:
    """Each request signed anew (two identical signatures in one second are a replay)."""
    return {"X-Request-Serial": uuid.uuid4().hex}


def _post(api: Any, keys: tuple[str, str], body: Any) -> Any:
    return sign("POST", "/province/v1/mergers", *keys, body=body, headers=_fresh()).send(api)


def _status(api: Any, keys: tuple[str, str], new_id: str = "giao-thuy-moi") -> Any:
    return sign("GET", f"/province/v1/mergers/{new_id}", *keys, headers=_fresh()).send(api)


def _queued(aws: Any) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="ap-southeast-1")
    got = sqs.receive_message(QueueUrl=aws.refs["MergeQueue"], MaxNumberOfMessages=10, VisibilityTimeout=0)
    return list(got.get("Messages", []))


def _deliver(aws: Any, messages: list[dict[str, Any]], remaining_ms: Any = None) -> dict[str, Any]:
    event = sqs_event(messages, aws.arns["MergeQueue"], "ap-southeast-1")
    return dict(merge_function.handle_batch(event, merge_function._services, remaining_ms))


def test_the_province_orders_a_merger_that_the_merge_function_runs_to_the_end(api, services, aws, world):
    # When the province's reorganising client orders the merger of both demo communes
    answer = _post(api, world["reorganiser"], ORDER)
    # Then it is accepted at once (202) and recorded as ordered, nothing moved yet
    assert answer.status_code == 202, answer.body
    ordered = json.loads(answer.body)
    assert ordered["state"] == "ordered" and ordered["ordered_by_label"] == "Sở Nội vụ nam-dinh"
    assert answer.headers["Idempotent-Replayed"] == "false"
    # And each old commune's audit chain names the order and the province client who gave it
    for old in ORDER["old_ids"]:
        entries = list(services.get(audit_repository).all_entries(old))
        orders = [e for e in entries if e.action == "commune.merger_ordered"]
        assert len(orders) == 1 and orders[0].actor_id == f"province:{world['reorganiser'][0]}"
        assert orders[0].after is not None and orders[0].after["new_id"] == "giao-thuy-moi"
    # When the merge function receives the queued order
    messages = _queued(aws)
    assert [json.loads(m["Body"]) for m in messages] == [{"new_id": "giao-thuy-moi"}]
    result = _deliver(aws, messages)
    assert result["batchItemFailures"] == [] and result["done"] == ["giao-thuy-moi"]
    # Then the province sees it done, with the counts and nothing lost
    done = _status(api, world["reorganiser"])
    assert done.status_code == 200, done.body
    status = json.loads(done.body)
    assert status["state"] == "done" and status["summary"]["lost"] == 0
    assert status["summary"]["moved"].get("citizen", 0) >= 1
    # And the old communes answer as the new one
    assert services.get(commune_repository).get("bach-long").id == "giao-thuy-moi"
    # And a citizen of Bạch Long is still signed in
    me = api.http.get("/me", headers={"Authorization": f"Bearer {world['citizen']}"})
    assert me.status_code == 200, me.body


def test_ordering_the_same_merger_again_answers_the_same_order_and_it_runs_once(api, services, aws, world):
    first = json.loads(_post(api, world["reorganiser"], ORDER).body)
    again = _post(api, world["reorganiser"], ORDER)
    assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert json.loads(again.body)["ordered_at"] == first["ordered_at"]
    # A different merger into the same commune is refused while this one is on record
    other = _post(api, world["reorganiser"], {**ORDER, "old_ids": ["giao-phong"]})
    assert other.status_code == 409, other.body
    assert json.loads(other.body)["error"]["message"].startswith("Đã có lệnh sáp nhập khác")
    # Both messages delivered: the run happens once and its audit seals are written once
    messages = _queued(aws)
    assert len(messages) == 2
    _deliver(aws, messages)
    for old in ORDER["old_ids"]:
        actions = [e.action for e in list(services.get(audit_repository).all_entries(old))]
        assert actions.count("commune.merger_ordered") == 1 and actions.count("commune.merged_into") == 1


def test_a_merger_paused_for_the_functions_time_resumes_on_the_next_delivery(api, services, aws, world):
    _post(api, world["reorganiser"], ORDER)
    messages = _queued(aws)
    # When the function has too little time left after its first batch
    paused = _deliver(aws, messages, remaining_ms=lambda: 1_000)
    # Then the message comes again and the run is part-way
    assert paused["batchItemFailures"] == [{"itemIdentifier": messages[0]["MessageId"]}]
    assert json.loads(_status(api, world["reorganiser"]).body)["state"] == "moving"
    # When it is delivered again with time enough, the run finishes where it stopped
    resumed = _deliver(aws, messages, remaining_ms=lambda: 900_000)
    assert resumed["done"] == ["giao-thuy-moi"]
    status = json.loads(_status(api, world["reorganiser"]).body)
    assert status["state"] == "done" and status["summary"]["lost"] == 0


def test_a_merger_that_cannot_start_is_kept_as_failed_with_its_reason_and_not_retried(api, services, aws, world):
    _post(api, world["reorganiser"], ORDER)
    # Bạch Long is merged elsewhere (by the CLI) before the function runs the order
    from smartcommune.communes.contracts import MergeRequest
    from smartcommune.composition import commune_merger

    services.get(commune_merger).merge(
        MergeRequest(
            new_id="giao-binh",
            name="Xã Giao Bình",
            province_id="ninh-binh",
            effective="2025-07-01",
            old_ids=["bach-long"],
        )
    )
    result = _deliver(aws, _queued(aws))
    assert result["batchItemFailures"] == [] and result["done"] == []
    status = json.loads(_status(api, world["reorganiser"]).body)
    assert status["state"] == "failed"
    assert "bach-long" in status["failed"] and status["failed_en"].endswith("already.")


def test_only_a_reorganising_client_of_the_communes_province_may_order_and_follow_a_merger(api, services, aws, world):
    # A read-only client of the same province
    reader = _post(api, world["reader"], ORDER)
    assert reader.status_code == 403, reader.body
    assert "sắp xếp đơn vị hành chính" in json.loads(reader.body)["error"]["message"]
    # A reorganising client of another province
    assert _post(api, world["other_province"], ORDER).status_code == 403
    # An unsigned request, and a citizen's session
    unsigned = api.http.post(
        "/province/v1/mergers", body=json.dumps(ORDER), headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401
    citizen = api.http.post(
        "/province/v1/mergers",
        body=json.dumps(ORDER),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {world['citizen']}"},
    )
    assert citizen.status_code == 401
    # Nothing was ordered, queued or audited by any of them
    assert _queued(aws) == []
    assert _status(api, world["reorganiser"]).status_code == 404
    assert not [
        e
        for e in list(services.get(audit_repository).all_entries("giao-phong"))
        if e.action == "commune.merger_ordered"
    ]
    # Once ordered, another province's client cannot follow it
    assert _post(api, world["reorganiser"], ORDER).status_code == 202
    assert _status(api, world["other_province"]).status_code == 403


def test_an_invalid_order_is_refused_with_a_message_and_leaves_nothing(api, services, aws, world):
    # No effective date: which field is missing, in Vietnamese first
    missing = _post(api, world["reorganiser"], {k: v for k, v in ORDER.items() if k != "effective"})
    assert missing.status_code == 422, missing.body
    problems = json.loads(missing.body)["error"]["details"]
    assert any("effective" in str(p.get("field", p)) and p["message"] == "Thiếu thông tin bắt buộc." for p in problems)
    # The same old commune twice
    duplicate = _post(api, world["reorganiser"], {**ORDER, "old_ids": ["giao-phong", "giao-phong"]})
    assert duplicate.status_code in (400, 422), duplicate.body
    assert json.loads(duplicate.body)["error"]["message"].startswith("Danh sách xã cũ")
    assert _queued(aws) == []
    assert _status(api, world["reorganiser"]).status_code == 404
