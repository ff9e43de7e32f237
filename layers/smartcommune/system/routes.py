"""Health and the API's own description."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.core.api.http import ApiResponse
from smartcommune.core.api.router import PUBLIC, router

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest


@router.route(
    "GET", "/health", allow=PUBLIC, summary="Liveness and readiness of the API and its table", tags=("system",)
)
def health(request: ApiRequest) -> ApiResponse:
    from smartcommune.system.wiring import health_probe

    report = request.services.get(health_probe)()
    # Load balancers and the local stack's readiness wait read the status code, not the body.
    return ApiResponse(body=report, status=200 if report.get("status") == "ok" else 503)


@router.route("GET", "/openapi.json", allow=PUBLIC, summary="The OpenAPI 3 document of this API", tags=("system",))
def openapi_document(request: ApiRequest) -> dict[str, Any]:
    from smartcommune.core.api.openapi import build_document

    return build_document(router)
