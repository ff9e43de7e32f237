"""Small request helpers of the telehealth API tests."""

from __future__ import annotations

import json
from typing import Any

from tests.support.identities import auth


def call(
    api: Any, method: str, path: str, token: str | None = None, body: Any = None
) -> tuple[int, Any, dict[str, str]]:
    headers = auth(token) if token else {"Content-Type": "application/json"}
    response = api.http.request(method, path, headers=headers, body=json.dumps(body) if body is not None else None)
    data = json.loads(response.body) if response.body else None
    return response.status_code, data, dict(response.headers)
