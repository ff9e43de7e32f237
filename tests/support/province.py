"""Signing province API requests with independent signers: botocore's ``SigV4Auth`` and ``requests-aws4auth``.

Neither knows our verifier; they sign the URL the province would call (``https://<host>/api/province/v1/…``) at the
wall clock's time, and the request is then sent to the API as the edge forwards it (the ``/api`` stage stripped).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from unittest.mock import patch
from urllib.parse import urlsplit

HOST = "province.example.gov.vn"
REGION = "ap-southeast-1"

Signer = Literal["botocore", "aws4auth"]


@dataclass(frozen=True)
class Signed:
    method: str
    path: str  # what the API receives: /province/v1/…?query
    headers: dict[str, str]
    body: bytes | None

    def send(self, api: Any, **changes: Any) -> Any:
        """Send through ``chalice.test.Client``; ``changes`` alter the signed request (a tampering test)."""
        method = changes.get("method", self.method)
        path = changes.get("path", self.path)
        headers = {**self.headers, **changes.get("headers", {})}
        body = changes.get("body", self.body)
        return api.http.request(method, path, headers=headers, body=body)


def sign(
    method: str,
    path: str,
    access_key_id: str,
    secret: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    signer: Signer = "botocore",
    region: str = REGION,
    prefix: str = "/api",
    at: datetime | None = None,
) -> Signed:
    """Sign ``method path`` (``path`` as the API sees it, with any query) as the province's systems would; ``at``
    (botocore only): sign at that time instead of the wall clock's (a test clock)."""
    raw = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    extra = dict(headers or {})
    if raw is not None:
        extra.setdefault("Content-Type", "application/json")
    url = f"https://{HOST}{prefix}{path}"
    if signer == "botocore":
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        request = AWSRequest(method=method, url=url, data=raw or b"", headers=extra)
        auth = SigV4Auth(Credentials(access_key_id, secret), "execute-api", region)
        if at is None:
            auth.add_auth(request)
        else:
            with patch("botocore.auth.get_current_datetime", lambda: at.astimezone(UTC).replace(tzinfo=None)):
                auth.add_auth(request)
        signed = dict(request.headers.items())
    else:
        assert at is None, "requests-aws4auth signs at the wall clock's time"
        import requests
        from requests_aws4auth import AWS4Auth

        prepared = requests.Request(method, url, data=raw, headers=extra).prepare()
        AWS4Auth(access_key_id, secret, region, "execute-api")(prepared)
        signed = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()}
    signed["Host"] = urlsplit(url).netloc
    signed.pop("Content-Length", None)
    return Signed(method, path, signed, raw)
