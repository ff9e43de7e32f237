"""Feedback benchmarks.

``feedback_load``: the local stack started in this process as ``smartcommune up`` starts it (free ports,
temporary DATA_DIR), 50 concurrent clients (threads, keep-alive HTTP/1.1) submitting 2,000 feedback items through
the API, 10% of them sent again with the same idempotency key; then what is stored for those citizens is counted
by Query.

``dynamodb_calls``: in-process on moto, every DynamoDB API call counted (a hook on botocore's API call) for one
submit, one staff inbox page and one get-one — the feedback service's own calls and the whole HTTP request
(which adds the two look-ups of authentication) — and the Scan calls across a run of every feedback route.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import benchmark

REPO_ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 50
SUBMISSIONS = 2000
RETRY_EVERY = 10  # 10% retried with the same key


# ---------------------------------------------------------------- counting DynamoDB calls


class CallCounter:
    """Counts botocore API calls by service and operation while installed."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._original: Any = None

    def __enter__(self) -> CallCounter:
        from botocore.client import BaseClient

        self._original = BaseClient._make_api_call
        counter, original = self, self._original

        def counted(client: Any, operation: str, params: Any) -> Any:
            with counter._lock:
                counter.calls[(client.meta.service_model.service_name, operation)] += 1
            return original(client, operation, params)

        BaseClient._make_api_call = counted
        return self

    def __exit__(self, *exc: object) -> None:
        from botocore.client import BaseClient

        BaseClient._make_api_call = self._original

    def dynamodb(self) -> int:
        return sum(n for (service, _), n in self.calls.items() if service == "dynamodb")

    def scans(self) -> int:
        return sum(n for (service, op), n in self.calls.items() if service == "dynamodb" and op == "Scan")

    @contextlib.contextmanager
    def measure(self, out: dict[str, int], name: str) -> Iterator[None]:
        before = self.dynamodb()
        yield
        out[name] = self.dynamodb() - before


def _jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 500


@benchmark("dynamodb_calls")
def dynamodb_calls() -> dict[str, Any]:  # noqa: PLR0915 - one scripted run
    fake = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "ap-southeast-1"}
    os.environ.update(fake)  # moto only
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws(), tempfile.TemporaryDirectory() as tmp:
        from smartcommune.citizens.contracts import Citizen
        from smartcommune.citizens.wiring import citizen_repository
        from smartcommune.communes.wiring import commune_repository
        from smartcommune.core import table
        from smartcommune.core.aws import client
        from smartcommune.core.contracts import Role
        from smartcommune.core.services import Services
        from smartcommune.core.settings import Settings
        from smartcommune.feedback.contracts import InboxQuery, NewFeedback
        from smartcommune.feedback.wiring import feedback_service
        from smartcommune.identity.wiring import identity_service
        from smartcommune_local.demo_data import GIAO_PHONG
        from smartcommune_local.template import create_resources

        resources = create_resources(boto3.Session(region_name="ap-southeast-1"), endpoint_url=None)
        env = resources.environment()
        env.update(SMARTCOMMUNE_STAGE="test", SMARTCOMMUNE_OUTBOX_PATH=str(Path(tmp) / "sms.jsonl"))
        settings = Settings.from_env(env)
        table.bind(settings)
        services = Services(settings)
        services.get(commune_repository).put(GIAO_PHONG)
        identity = services.get(identity_service)
        now = services.clock()
        citizen = services.get(citizen_repository).create(
            Citizen(
                id=uuid.uuid4().hex,
                commune_id="giao-phong",
                phone="+84912345678",
                full_name="Nguyễn Văn An",
                hamlet_id="dong-thanh",
                address="Xóm Đông Thành",
                created_at=now,
                updated_at=now,
                created_by="bench",
            )
        )
        token = identity.start_session("giao-phong", citizen.id, "citizen").token
        principal = identity.authenticate(token)
        staff: dict[str, str] = {}
        for role in (Role.ADMIN, Role.OFFICE, Role.INFRASTRUCTURE, Role.CULTURE):
            account = identity.create_staff_account("giao-phong", f"bench-{role.value}", "Cán bộ", [role], "x" * 12)
            staff[role.value] = identity.start_session("giao-phong", account.id, "staff").token
        office = identity.authenticate(staff["office"])

        import app as app_module

        app_module.use_services(services)
        service = services.get(feedback_service)
        new = NewFeedback(
            field_code="roads",
            title="Ổ gà trên đường trục xóm",
            description="Đường trục xóm có nhiều ổ gà sâu, rất nguy hiểm.",
            hamlet_id="dong-thanh",
        )
        service_calls: dict[str, int] = {}
        http_calls: dict[str, int] = {}
        with CallCounter() as counter, Client(app_module.app) as api:

            def call(method: str, path: str, body: Any = None, who: str | None = None, key: str | None = None) -> Any:
                headers = {"Content-Type": "application/json"}
                if who:
                    headers["Authorization"] = f"Bearer {staff.get(who, token)}"
                if key:
                    headers["Idempotency-Key"] = key
                response = api.http.request(
                    method, path, headers=headers, body=json.dumps(body).encode() if body else b""
                )
                assert response.status_code < 300, (method, path, response.status_code, response.body)
                return json.loads(response.body) if response.body else None

            # Warm-up: the commune and its fields are cached per process for a minute (cold start reads them).
            with counter.measure(service_calls, "submit_cold"):
                service.submit(principal, new, "bench-warm-up")
            with counter.measure(service_calls, "submit"):
                created = service.submit(principal, new.model_copy(update={"title": "Ổ gà thứ hai"}), "bench-0002")
            with counter.measure(service_calls, "submit_retry"):
                service.submit(principal, new.model_copy(update={"title": "Ổ gà thứ hai"}), "bench-0002")
            with counter.measure(service_calls, "inbox"):
                service.inbox(office, InboxQuery())
            with counter.measure(service_calls, "inbox_filtered"):
                service.inbox(office, InboxQuery(status="received", field="roads", overdue=False))
            with counter.measure(service_calls, "get"):
                service.get(principal, created["id"])
            # The same through HTTP, authentication included.
            with counter.measure(http_calls, "submit"):
                body = call(
                    "POST", "/feedback", {**new.model_dump(mode="json"), "title": "Ổ gà thứ ba"}, "an", "bench-0003"
                )
            with counter.measure(http_calls, "inbox"):
                call("GET", "/staff/feedback", who="office")
            with counter.measure(http_calls, "get"):
                call("GET", f"/feedback/{body['id']}", who="an")
            scans_before = counter.scans()
            # Every feedback route once (the workflow to publication included).
            ticket = call("POST", "/feedback/uploads", {"content_type": "image/jpeg", "size_bytes": len(_jpeg())}, "an")
            key = ticket["url"].split("?")[0].lstrip("/")
            client("s3", settings).put_object(
                Bucket=settings.media_bucket, Key=key, Body=_jpeg(), ContentType="image/jpeg"
            )
            item = call(
                "POST",
                "/feedback",
                {**new.model_dump(mode="json"), "upload_ids": [ticket["upload_id"]]},
                "an",
                "bench-0004",
            )
            fid, version = item["id"], item["version"]
            call("GET", "/me/feedback", who="an")
            comment = call("POST", f"/feedback/{fid}/comments", {"body": "Xin cho biết tiến độ"}, "an")
            call("POST", f"/feedback/{fid}/comments", {"body": "Xã đã tiếp nhận"}, "office")
            call("POST", f"/feedback/{fid}/comments/{comment['id']}/visibility", {"hidden": True}, "culture")
            for who, action, extra in (
                ("office", "assign", {"unit": "infrastructure"}),
                ("infrastructure", "start", {}),
                ("infrastructure", "progress", {"note": "Đang làm"}),
                ("infrastructure", "resolve", {"result": "Đã vá xong"}),
                ("office", "approve", {}),
                ("culture", "publish", {}),
            ):
                version = call(
                    "POST", f"/feedback/{fid}/actions", {"action": action, "expected_version": version, **extra}, who
                )["version"]
            call("POST", f"/feedback/{fid}/rating", {"stars": 5}, "an")
            call("GET", "/communes/giao-phong/feedback-fields")
            call("GET", "/communes/giao-phong/feedback?q=o%20ga")
            call("GET", f"/communes/giao-phong/feedback/{fid}")
            call("GET", "/staff/feedback?overdue=true&field=roads", who="infrastructure")
            call("GET", "/staff/feedback/stats", who="admin")
            change = {"name": "Đường giao thông", "name_en": "Roads", "unit": "infrastructure", "deadline_hours": 96}
            call("PUT", "/communes/me/feedback-fields/roads", change, "admin")
            scans = counter.scans() - scans_before
            by_operation = {f"{s}.{o}": n for (s, o), n in sorted(counter.calls.items()) if s == "dynamodb"}

    auth = http_calls["get"] - service_calls["get"]
    return {
        "submit_calls": service_calls["submit"],
        "inbox_calls": service_calls["inbox"],
        "get_calls": service_calls["get"],
        "scans_on_request_paths": scans,
        "submit_calls_cold": service_calls["submit_cold"],
        "submit_retry_calls": service_calls["submit_retry"],
        "inbox_filtered_calls": service_calls["inbox_filtered"],
        "http_request_calls_including_auth": http_calls,
        "auth_calls_per_request": auth,
        "operations_in_whole_run": by_operation,
        "note": (
            "submit/inbox/get count the feedback service's DynamoDB calls on a warm process (the commune and its "
            "fields are cached for 60 s; submit_calls_cold includes reading them). Each HTTP request also makes "
            "authentication's read of session and account (auth_calls_per_request; one BatchGetItem)."
        ),
    }


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
    from smartcommune_local.stack import LocalStack, StackConfig

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
