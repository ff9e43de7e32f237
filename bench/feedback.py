"""``feedback_load``: the local stack started in this process as ``smartcommune up`` starts it (free ports,
temporary DATA_DIR), 50 concurrent clients (threads, keep-alive HTTP/1.1) submitting 2,000 feedback items through
the API, 10% of them sent again with the same idempotency key; then what is stored for those citizens is counted
by Query.
"""

from __future__ import annotations

import http.client
import json
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from bench import benchmark

CLIENTS = 50
SUBMISSIONS = 2000
RETRY_EVERY = 10  # 10% retried with the same key


# ---------------------------------------------------------------- load on the running local stack


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@benchmark("feedback_load")
def feedback_load() -> dict[str, Any]:
    """The local stack started in this process (as ``smartcommune up`` does) on free ports and a temporary DATA_DIR."""
    from smartcommune_local.moto_patches import patch_moto_dynamodb
    from smartcommune_local.stack import LocalStack
    from smartcommune_local.stack_config import StackConfig

    patch_moto_dynamodb()
    with tempfile.TemporaryDirectory(prefix="sc-bench-") as tmp:
        config = StackConfig(
            api_port=_free_port(), web_port=_free_port(), moto_port=_free_port(), data_dir=Path(tmp) / "data"
        )
        stack = LocalStack(config)
        started = time.monotonic()
        stack.start()
        try:
            return _load(stack, config.api_port, time.monotonic() - started)
        finally:
            stack.stop()


def _load(stack: Any, api_port: int, ready_s: float) -> dict[str, Any]:  # noqa: PLR0915 - one scripted run
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.feedback.wiring import feedback_repository
    from smartcommune.identity.wiring import identity_service
    from smartcommune_local.demo_data import all_demo_citizens

    services = stack.services
    citizens = services.get(citizen_repository)
    identity = services.get(identity_service)
    people = []
    for demo in all_demo_citizens()["giao-phong"][1 : CLIENTS + 1]:
        found = citizens.find_by_phone("giao-phong", demo.phone)
        assert found is not None, "the demo citizens were not seeded"
        people.append((found.id, identity.start_session("giao-phong", found.id, "citizen").token, demo.hamlet_id))
    store = services.get(feedback_repository)

    def stored_for(citizen_id: str) -> list[Any]:
        items, cursor, out = None, None, []
        while True:
            items, cursor = store.mine("giao-phong", citizen_id, cursor, 50)
            out += items
            if not cursor:
                return out

    before = {cid: len(stored_for(cid)) for cid, _, _ in people}
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    accepted: dict[str, str] = {}  # key -> feedback id of the first 201
    mismatched_retries = 0
    lock = threading.Lock()
    per_client = SUBMISSIONS // CLIENTS

    def client(index: int) -> None:
        nonlocal mismatched_retries
        _, token, hamlet = people[index]
        connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=120)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Connection": "keep-alive"}

        def post(body: bytes, key: str) -> tuple[int, dict[str, Any]]:
            """Send until answered (a reset or a 5xx is sent again with the same key, as a phone would)."""
            nonlocal connection
            for _attempt in range(6):
                started = time.perf_counter()
                try:
                    connection.request("POST", "/feedback", body=body, headers={**headers, "Idempotency-Key": key})
                    response = connection.getresponse()
                    data = response.read()
                except (http.client.HTTPException, OSError):
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=120)
                    with lock:
                        statuses[0] += 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                if response.getheader("Connection", "").lower() == "close" or response.will_close:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=120)
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status] += 1
                if response.status < 500:
                    return response.status, json.loads(data) if data else {}
            return 0, {}

        for n in range(per_client):
            key = f"bench-{index:02d}-{n:04d}-{uuid.uuid4().hex[:8]}"
            body = json.dumps(
                {
                    "field_code": ("roads", "environment", "electricity", "security")[n % 4],
                    "title": f"Phản ánh thử tải {key}",
                    "description": "Nội dung phản ánh để đo tải hệ thống tiếp nhận của xã.",
                    "hamlet_id": hamlet,
                    "anonymous_public": False,
                }
            ).encode()
            status, reply = post(body, key)
            if status == 201:
                with lock:
                    accepted[key] = reply["id"]
            if n % RETRY_EVERY == 0:  # the client did not get the answer and sends again
                status, again = post(body, key)
                if status == 201 and again.get("id") != reply.get("id"):
                    with lock:
                        mismatched_retries += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started

    stored_titles: Counter[str] = Counter()
    stored_ids: set[str] = set()
    for cid, _, _ in people:
        items = stored_for(cid)
        assert len(items) >= before[cid]
        for item in items:
            if item.title.startswith("Phản ánh thử tải "):
                stored_titles[item.title.removeprefix("Phản ánh thử tải ")] += 1
                stored_ids.add(item.id)
    requests = len(latencies)
    return {
        "clients": CLIENTS,
        "submitted": SUBMISSIONS,
        "requests": requests,
        "retried_with_same_key": sum(1 for _ in range(0, per_client, RETRY_EVERY)) * CLIENTS,
        "status_counts": {str(k): v for k, v in sorted(statuses.items())},
        "stored": sum(stored_titles.values()),
        "distinct": len(stored_titles),
        "duplicates": sum(n - 1 for n in stored_titles.values()),
        "lost": sum(1 for key in accepted if key not in stored_titles),
        "retries_with_another_id": mismatched_retries,
        "p50_ms": round(_percentile(latencies, 0.50), 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "throughput_per_s": round(requests / elapsed, 1),
        "elapsed_s": round(elapsed, 1),
        "stack_ready_s": round(ready_s, 1),
        "note": (
            "HTTP/1.1 keep-alive straight to the local API server (chalice local) on moto server, all in one "
            "process (GIL shared with the 50 client threads); moto's DynamoDB serialised with cheap transaction "
            "rollback (patch_moto_dynamodb). A client whose request failed (5xx, reset) resends it with the same "
            "key, as a phone would."
        ),
    }
