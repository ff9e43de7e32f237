"""Dispatch: authentication, authorisation, validation and error mapping, with an in-memory identity."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import Field

from smartcommune.core.api.dispatch import dispatch
from smartcommune.core.api.http import RawRequest
from smartcommune.core.api.router import PUBLIC, Router
from smartcommune.core.contracts import Contract, PhoneNumber, Role
from smartcommune.core.errors import ConflictError, UnauthenticatedError
from smartcommune.core.principal import Principal
from smartcommune.core.services import Services
from smartcommune.core.settings import Settings
from smartcommune.identity.wiring import authenticate, identity_service


class FakeIdentity:
    def authenticate(self, token: str) -> Principal:
        if token != "office-token":
            raise UnauthenticatedError("Phiên đăng nhập đã hết hạn.", "Session expired.")
        return Principal(
            subject_id="s1",
            kind="staff",
            roles=frozenset({Role.OFFICE}),
            commune_id="giao-phong",
            display_name="Văn phòng",
            session_id="x",
            expires_at=datetime(2030, 1, 1, tzinfo=UTC),
        )


class NewThing(Contract):
    name: str = Field(min_length=2, max_length=10)
    phone: PhoneNumber


router = Router()


@router.route("POST", "/things", allow=frozenset({Role.OFFICE}), body=NewThing, status=201, summary="make")
def make_thing(request):
    if request.body.name == "taken":
        raise ConflictError("Đã có.", "Already exists.")
    return {"name": request.body.name, "phone": request.body.phone, "by": request.caller.subject_id}


@router.route("GET", "/public", allow=PUBLIC, summary="open")
def public(request):
    return {"signed_in": request.principal is not None}


@router.route("GET", "/boom", allow=PUBLIC, summary="fails")
def boom(request):
    raise RuntimeError("bug with 0912345678")


@pytest.fixture
def services() -> Services:
    s = Services(Settings())
    s.override(identity_service, FakeIdentity())
    return s


def _call(services, method, path, body=None, token=None):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    raw = RawRequest(
        method=method,
        path=path,
        headers=headers,
        body=json.dumps(body).encode() if body is not None else None,
        request_id="req-1",
    )
    response = dispatch(router.find(method, path), raw, services, authenticate)
    return response.status, response.json(), response.headers


def test_allowed_role_with_valid_body_succeeds(services):
    status, body, headers = _call(services, "POST", "/things", {"name": "An", "phone": "0912345678"}, "office-token")
    assert status == 201
    assert body == {"name": "An", "phone": "+84912345678", "by": "s1"}
    assert headers["X-Request-Id"] == "req-1"


def test_no_token_is_401_and_bad_token_is_401(services):
    assert _call(services, "POST", "/things", {"name": "An"})[0] == 401
    assert _call(services, "POST", "/things", {"name": "An"}, "stale")[0] == 401


def test_stale_token_does_not_lock_anyone_out_of_public_routes(services):
    assert _call(services, "GET", "/public", token="stale")[:2] == (200, {"signed_in": False})


def test_invalid_input_lists_each_field_in_vietnamese_and_english(services):
    status, body, _ = _call(services, "POST", "/things", {"name": "x" * 11, "phone": "123", "extra": 1}, "office-token")
    assert status == 422
    details = {d["field"]: d for d in body["error"]["details"]}
    assert details["name"]["message"] == "Tối đa 10 ký tự."
    assert details["phone"]["message"].startswith("Số điện thoại di động Việt Nam không hợp lệ")
    assert details["extra"]["message_en"] == "This field is not allowed."


def test_malformed_json_and_missing_body_are_422(services):
    raw = RawRequest(method="POST", path="/things", headers={"authorization": "Bearer office-token"}, body=b"{oops")
    assert dispatch(router.find("POST", "/things"), raw, services, authenticate).status == 422
    assert _call(services, "POST", "/things", None, "office-token")[0] == 422


def test_domain_conflict_maps_to_409(services):
    status, body, _ = _call(services, "POST", "/things", {"name": "taken", "phone": "0912345678"}, "office-token")
    assert (status, body["error"]["code"]) == (409, "conflict")


def test_unexpected_failure_is_500_with_a_reference_and_no_details(services):
    status, body, _ = _call(services, "GET", "/boom")
    assert status == 500
    assert "req-1" in body["error"]["message"]
    assert "0912345678" not in json.dumps(body)
