"""A commune with an office clerk and its chairman signed in, and a way to take a report all the way to sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from smartcommune.core.contracts import Role
from tests.support.identities import auth, ensure_demo_communes, staff_token


@dataclass
class ReportWorld:
    api: Any
    services: Any
    clock: Any
    office: str
    admin: str
    health: str

    def call(
        self, method: str, path: str, token: str | None = None, body: Any = None, accept: str | None = None
    ) -> tuple[int, Any]:
        headers = auth(token) if token else {"Content-Type": "application/json"}
        if accept:
            headers["Accept"] = accept
        data = json.dumps(body) if body is not None else None
        response = self.api.http.request(method, path, headers=headers, body=data)
        content_type = response.headers.get("Content-Type", "")
        parsed = json.loads(response.body) if content_type.startswith("application/json") and response.body else None
        return response.status_code, parsed if parsed is not None else response.body

    def ok(self, method: str, path: str, token: str | None = None, body: Any = None, accept: str | None = None) -> Any:
        status, answer = self.call(method, path, token, body, accept)
        assert 200 <= status < 300, f"{method} {path}: {status} {answer}"
        return answer

    def open(self, period: str = "2026-11") -> dict[str, Any]:
        return self.ok("POST", "/reports", self.office, {"period": period})

    def fill_missing(self, report: dict[str, Any]) -> dict[str, Any]:
        values = [
            {"code": line["code"], "value": 1 if line["unit"] == "dat" else 90, "evidence": "QĐ 12/QĐ-UBND ngày 02/11"}
            for line in report["lines"]
            if line["value"] is None
        ]
        return self.ok("PUT", f"/reports/{report['id']}/values", self.office, {"values": values})

    def sent(self, period: str = "2026-11") -> dict[str, Any]:
        report = self.fill_missing(self.open(period))
        self.ok("POST", f"/reports/{report['id']}/submit", self.office, {})
        self.ok("POST", f"/reports/{report['id']}/approve", self.admin, {"note": "Đồng ý"})
        return self.ok("POST", f"/reports/{report['id']}/send", self.admin, {})


@pytest.fixture
def world(api: Any, services: Any, clock: Any) -> ReportWorld:
    ensure_demo_communes(services)
    return ReportWorld(
        api,
        services,
        clock,
        staff_token(services, Role.OFFICE),
        staff_token(services, Role.ADMIN),
        staff_token(services, Role.HEALTH),
    )
