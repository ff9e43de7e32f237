"""A commune with fees configured: the demo rates, two households whose members are citizen accounts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from smartcommune.core.contracts import Role
from smartcommune_local.demo_fees import configure
from smartcommune_local.payment_simulator import ProviderSimulator
from tests.support.identities import auth, citizen_token, ensure_demo_communes, staff_token


@dataclass
class FeeWorld:
    api: Any
    services: Any
    office: str
    citizen: str
    citizen_id: str
    neighbour: str
    neighbour_id: str
    provider: ProviderSimulator

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

    def ok(self, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        status, answer = self.call(method, path, token, body)
        assert 200 <= status < 300, f"{method} {path}: {status} {answer}"
        return answer

    def generate(self, period: str, fee_code: str = "waste") -> dict[str, Any]:
        return self.ok("POST", "/fees/invoices/generate", self.office, {"fee_code": fee_code, "period": period})

    def invoices(self, token: str | None = None) -> list[dict[str, Any]]:
        return self.ok("GET", "/fees/me/invoices", token or self.citizen)["items"]

    def invoice(self, reference: str) -> dict[str, Any]:
        return self.ok("GET", f"/fees/invoices/{reference}", self.office)


def _send(api: Any):
    def send(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        response = api.http.request("POST", path, headers=headers, body=body)
        return response.status_code, json.loads(response.body) if response.body else None

    return send


@pytest.fixture
def fees(api: Any, services: Any, clock: Any) -> FeeWorld:
    ensure_demo_communes(services)
    configure(services, "giao-phong")
    office = staff_token(services, Role.OFFICE)
    citizen, citizen_id = citizen_token(services)
    neighbour, neighbour_id = citizen_token(services)
    provider = ProviderSimulator("giao-phong", services.settings.payment_key, _send(api), clock=clock)
    world = FeeWorld(api, services, office, citizen, citizen_id, neighbour, neighbour_id, provider)
    for household_id, member, category in (("gp-0001", citizen_id, "standard"), ("gp-0002", neighbour_id, "standard")):
        body = {
            "id": household_id,
            "hamlet_id": "xom-1",
            "head_name": "Nguyễn Văn An" if household_id == "gp-0001" else "Trần Thị Bình",
            "address": "Xóm 1, xã Giao Phong",
            "category": category,
            "member_citizen_ids": [member],
        }
        world.ok("POST", "/fees/households", office, body)
    return world
