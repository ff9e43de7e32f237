"""The HTTP API as a Chalice app: routes only.

Every route lives in its capability's ``routes`` module (framework-neutral; ``smartcommune.composition`` lists
them); this module adapts each one to Chalice, so Chalice stays confined to this file.
Heavy modules (data layer, boto3) load on the first request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from smartcommune.composition import authenticate, load_routes
from smartcommune.core.api.dispatch import dispatch
from smartcommune.core.api.http import RawRequest, client_address
from smartcommune.core.services import Services

if TYPE_CHECKING:
    from smartcommune.core.api.router import Route

app = Chalice(app_name="smartcommune-api")
app.api.cors = False  # pages are served from the same origin (CloudFront / the local edge)
app.api.binary_types.append("application/pdf")  # receipts (fees), signed reports (reporting)
# reports as XLSX for the province's spreadsheets (reporting)
app.api.binary_types.append("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

_services: Services | None = None


def services() -> Services:
    """The per-container services, built on first use."""
    global _services
    if _services is None:
        _services = Services()
    return _services


def use_services(replacement: Services) -> None:
    """Tests and the local stack point the app at their own services."""
    global _services
    _services = replacement


def _raw_request() -> RawRequest:
    request = app.current_request
    if request is None:  # pragma: no cover - Chalice always sets it inside a view
        raise RuntimeError("no current request")
    raw_body = request.raw_body
    context: dict[str, Any] = request.context or {}
    identity = context.get("identity") or {}
    headers = {k.lower(): v for k, v in (request.headers or {}).items()}
    return RawRequest(
        method=request.method,
        path=context.get("resourcePath", ""),
        path_params=dict(request.uri_params or {}),
        query=dict(request.query_params or {}),
        headers=headers,
        body=(raw_body.encode() if isinstance(raw_body, str) else raw_body) or None,
        # The viewer CloudFront names, if the request carries the edge secret; else who connected (sourceIp).
        client_ip=client_address(headers, identity.get("sourceIp"), services().settings.trusted_edge_secret),
        request_id=context.get("requestId") or str(uuid.uuid4()),
    )


def _view(route: Route) -> Callable[..., Response]:
    def view(**_uri_params: str) -> Response:
        raw = dispatch(route, _raw_request(), services(), authenticate)
        content_type = raw.headers.get("Content-Type", "")
        textual = content_type.startswith(
            (
                "application/json",
                "application/fhir+json",
                "text/",
                "application/xml",
                "application/atom",
                "application/jose",  # signed reports (compact JWS)
                "application/x-pem-file",  # the reports' CA root
            )
        )
        body: str | bytes = raw.body.decode() if textual or not raw.body else raw.body
        headers: dict[str, str | list[str]] = dict(raw.headers)
        return Response(body=body, status_code=raw.status, headers=headers)

    view.__name__ = route.operation_id
    view.__doc__ = route.summary
    return view


ACCEPTED_CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]

for _route in load_routes().routes:
    app.route(_route.path, methods=[_route.method], content_types=ACCEPTED_CONTENT_TYPES)(_view(_route))
