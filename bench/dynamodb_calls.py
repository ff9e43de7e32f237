"""``dynamodb_calls``: in-process on moto, every DynamoDB API call counted (a hook on botocore's API call) for one
submit, one staff inbox page and one get-one — the feedback service's own calls and the whole HTTP request
(which adds the look-up of authentication) — and the Scan calls across a run of every feedback route.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import benchmark

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
        from smartcommune.feedback.contracts.requests import InboxQuery, NewFeedback
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
