"""Open311 GeoReport v2 at ``/open311/v2/`` (https://wiki.open311.org/GeoReport_v2), in JSON and XML.

Chalice cannot mix a literal and a parameter in one path segment, so ``services.{format}`` is two routes
(``services.json``, ``services.xml``) sharing one handler, and ``requests/{id}.{format}`` is one route whose
parameter (``request_file`` = ``<id>.json`` or ``<id>.xml``) is split here.

Every route is PUBLIC for the dispatcher: GETs are open data (published items through the portal's public
projection; any other item shows only its status), and a POST is authorised by its ``api_key``, checked by the
gateway. Errors use the spec's format, not the platform's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smartcommune.core.api.http import ApiResponse
from smartcommune.core.api.router import PUBLIC, router
from smartcommune.core.errors import SmartCommuneError
from smartcommune.core.observability import logger
from smartcommune.feedback.logic.open311_formats import (
    FORMATS,
    Format,
    Open311Error,
    from_domain_error,
    render,
    render_error,
    split_format,
)
from smartcommune.feedback.logic.open311_post import parse_post

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.feedback.logic.open311 import Open311Gateway
    from smartcommune.feedback.logic.open311_formats import Rendered

TAGS = ("open311",)
BASE = "/open311/v2"
PRODUCES = ("application/xml",)


def _gateway(request: ApiRequest) -> Open311Gateway:
    from smartcommune.feedback.wiring import open311_gateway

    return request.services.get(open311_gateway)


def _respond(rendered: Rendered) -> ApiResponse:
    return ApiResponse(
        body=rendered.body, status=rendered.status, headers={"Content-Type": rendered.content_type, **rendered.headers}
    )


def _answer(fmt: Format, root: str, produce: Callable[[], Any], request: ApiRequest, status: int = 200) -> ApiResponse:
    """Run ``produce`` and render its result under ``root``; any failure becomes the spec's error document."""
    try:
        return _respond(render(fmt, root, produce(), status))
    except Open311Error as error:
        return _respond(render_error(fmt, error))
    except SmartCommuneError as error:
        return _respond(render_error(fmt, from_domain_error(error)))
    except Exception:
        logger.exception("open311 request failed", extra={"path": request.raw.path})
        reference = request.raw.request_id
        return _respond(
            render_error(
                fmt,
                Open311Error(
                    500,
                    f"Hệ thống gặp lỗi, vui lòng thử lại sau. Mã tra cứu: {reference}",
                    f"Something went wrong on our side; please try again later. Reference: {reference}",
                ),
            )
        )


def _jurisdiction(request: ApiRequest) -> str | None:
    return request.raw.query.get("jurisdiction_id")


# ---------------------------------------------------------------- handlers shared by both formats


def _services(request: ApiRequest, fmt: Format) -> ApiResponse:
    return _answer(fmt, "services", lambda: _gateway(request).services(_jurisdiction(request)), request)


def _service_definition(request: ApiRequest) -> ApiResponse:
    try:
        code, fmt = split_format(request.path_params["service_file"])
    except Open311Error as error:
        return _respond(render_error("json", error))
    return _answer(
        fmt,
        "service_definition",
        lambda: _gateway(request).service_definition(_jurisdiction(request), code),
        request,
    )


def _requests(request: ApiRequest, fmt: Format) -> ApiResponse:
    return _answer(
        fmt,
        "service_requests",
        lambda: _gateway(request).requests(_jurisdiction(request), request.raw.query),
        request,
    )


def _create(request: ApiRequest, fmt: Format) -> ApiResponse:
    def produce() -> Any:
        params = parse_post(request.raw.body, request.raw.header("content-type"))
        return _gateway(request).create(
            params,
            client=request.raw.client_ip,
            idempotency_header=request.raw.header("idempotency-key"),
            request_id=request.raw.request_id,
        )

    return _answer(fmt, "service_requests", produce, request, status=201)


def _request(request: ApiRequest) -> ApiResponse:
    try:
        request_id, fmt = split_format(request.path_params["request_file"])
    except Open311Error as error:
        return _respond(render_error("json", error))
    extensions = request.raw.query.get("extensions", "").strip().lower() in {"true", "1", "yes"}
    return _answer(
        fmt,
        "service_requests",
        lambda: _gateway(request).request(_jurisdiction(request), request_id, extensions),
        request,
    )


# ---------------------------------------------------------------- one registered route per path and format


def _per_format(
    method: str,
    path: str,
    *,
    name: str,
    summary: str,
    handler: Callable[[ApiRequest, Format], ApiResponse],
    status: int = 200,
) -> None:
    for fmt in FORMATS:

        def view(request: ApiRequest, fmt: Format = fmt) -> ApiResponse:
            return handler(request, fmt)

        view.__name__ = f"{name}_{fmt}"
        router.route(
            method,
            f"{BASE}/{path}.{fmt}",
            allow=PUBLIC,
            summary=f"{summary} ({fmt.upper()})",
            status=status,
            tags=TAGS,
            produces=PRODUCES if fmt == "xml" else (),
        )(view)


_per_format(
    "GET",
    "services",
    name="open311_services",
    summary="GeoReport v2: the services (feedback fields) of a commune (`jurisdiction_id`)",
    handler=_services,
)
_per_format(
    "GET",
    "requests",
    name="open311_requests",
    summary="GeoReport v2: service requests (filters: service_request_id, service_code, start/end_date, status)",
    handler=_requests,
)
_per_format(
    "POST",
    "requests",
    name="open311_create_request",
    summary="GeoReport v2: create a service request (form-encoded or JSON; `api_key` required, it names the commune)",
    handler=_create,
    status=201,
)


@router.route(
    "GET",
    f"{BASE}/services/{{service_file}}",
    allow=PUBLIC,
    summary="GeoReport v2: a service definition; `service_file` is `<service_code>.json` or `<service_code>.xml`",
    tags=TAGS,
    produces=PRODUCES,
)
def open311_service_definition(request: ApiRequest) -> ApiResponse:
    return _service_definition(request)


@router.route(
    "GET",
    f"{BASE}/requests/{{request_file}}",
    allow=PUBLIC,
    summary="GeoReport v2: one service request; `request_file` is `<service_request_id>.json` or `.xml`",
    tags=TAGS,
    produces=PRODUCES,
)
def open311_request(request: ApiRequest) -> ApiResponse:
    return _request(request)
