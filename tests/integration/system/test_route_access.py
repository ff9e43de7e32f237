"""Every route declares who may call it; here every other role, and anonymous callers, are refused.

The parametrisation is built from the route registry itself, so a new route is covered the day it is added.
"""

from __future__ import annotations

import json
import re

import pytest

from smartcommune.composition import load_routes
from smartcommune.core.api.router import PUBLIC, SIGNED
from smartcommune.core.contracts import Role
from tests.support.identities import citizen_token, ensure_demo_communes, staff_token

ROUTES = load_routes().routes
PROTECTED = [r for r in ROUTES if r.allow not in (PUBLIC, SIGNED)]
SIGNED_ROUTES = [r for r in ROUTES if r.allow == SIGNED]


def _path(template: str) -> str:
    return re.sub(r"{(\w+)}", "unknown-id", template)


def _call(api, route, token: str | None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({}) if route.method in ("POST", "PUT", "PATCH") else None
    return api.http.request(route.method, _path(route.path), headers=headers, body=body)


@pytest.fixture
def tokens(services):
    ensure_demo_communes(services)
    found: dict[Role, str] = {role: staff_token(services, role) for role in Role if role.is_staff}
    found[Role.CITIZEN] = citizen_token(services)[0]
    return found


def test_there_are_protected_routes_to_check():
    assert len(PROTECTED) >= 8


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.path}")
def test_anonymous_callers_are_refused(api, route):
    response = _call(api, route, None)
    assert response.status_code == 401
    assert json.loads(response.body)["error"]["message"]


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.path}")
def test_only_the_declared_roles_get_through(api, tokens, route):
    for role, token in tokens.items():
        response = _call(api, route, token)
        if route.allows({role}):
            assert response.status_code not in (401, 403), f"{role} should be allowed: {response.body!r}"
        else:
            assert response.status_code == 403, f"{role} should be refused, got {response.status_code}"
            assert "không có quyền" in json.loads(response.body)["error"]["message"]


def test_a_garbage_token_is_refused_not_ignored(api):
    route = PROTECTED[0]
    response = _call(api, route, "not-a-session")
    assert response.status_code == 401


@pytest.mark.parametrize("route", SIGNED_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_signed_routes_refuse_anonymous_callers_and_every_session(api, tokens, route):
    # A signed route (the province's API) takes no session: anonymous and every role's token alike get 401
    for token in (None, *tokens.values()):
        response = _call(api, route, token)
        assert response.status_code == 401, f"{route.method} {route.path}: {response.status_code}"
        assert json.loads(response.body)["error"]["message"]
