"""One request through one route: authenticate, authorise, validate, call the handler, map the result.

Errors are mapped to HTTP statuses here and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from smartcommune.core.api.http import ApiRequest, ApiResponse, RawRequest, RawResponse
from smartcommune.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    SmartCommuneError,
    UnauthenticatedError,
)
from smartcommune.core.observability import logger
from smartcommune.core.validation import invalid_input

if TYPE_CHECKING:
    from smartcommune.core.api.router import Route
    from smartcommune.core.principal import Principal
    from smartcommune.core.services import Services

Authenticate = Callable[["Services", str], "Principal"]
"""Resolve a bearer token to its principal, or raise ``UnauthenticatedError``."""

VerifySigned = Callable[["Services", RawRequest], Any]
"""Verify a signed route's request signature and return who signed it, or raise ``UnauthenticatedError``."""

STATUS_OF: dict[type[SmartCommuneError], int] = {
    InvalidInputError: 422,
    UnauthenticatedError: 401,
    ForbiddenError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    RateLimitedError: 429,
}


MAX_BODY_BYTES = 256 * 1024


class InternalError(SmartCommuneError):
    """An unexpected failure; the caller gets a reference, the log gets the details."""

    code = "internal_error"


SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def status_of(error: SmartCommuneError) -> int:
    if isinstance(error, InternalError):
        return 500
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400


def _json_bytes(body: Any) -> bytes:
    if isinstance(body, BaseModel):
        return body.model_dump_json(by_alias=True).encode()
    return json.dumps(body, ensure_ascii=False, default=str).encode()


def error_response(error: SmartCommuneError, request_id: str) -> RawResponse:
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Request-Id": request_id, **SECURITY_HEADERS}
    if isinstance(error, RateLimitedError):
        headers["Retry-After"] = str(error.retry_after_s)
    if isinstance(error, UnauthenticatedError):
        headers["WWW-Authenticate"] = 'Bearer realm="smartcommune"'
    return RawResponse(status_of(error), headers, _json_bytes(error.to_dict()))


def bearer_token(raw: RawRequest) -> str | None:
    value = raw.header("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _authenticate(route: Route, raw: RawRequest, services: Services, authenticate: Authenticate) -> Principal | None:
    token = bearer_token(raw)
    if route.is_signed:
        if token is not None:  # a citizen's or an official's session opens nothing here
            raise UnauthenticatedError(
                "API này không nhận phiên đăng nhập; yêu cầu phải được ký bằng AWS SigV4.",
                "This API does not accept session tokens; requests must be signed with AWS SigV4.",
            )
        return None  # the handler verifies the request's signature
    if token is None:
        return None
    try:
        return authenticate(services, token)
    except UnauthenticatedError:
        if route.is_public:  # a stale token must not lock anyone out of public pages
            return None
        raise


def _authorise(route: Route, principal: Principal | None) -> None:
    if route.is_public or route.is_signed:
        return
    if principal is None:
        raise UnauthenticatedError(
            "Bạn cần đăng nhập để dùng chức năng này.", "You need to sign in to use this feature."
        )
    if not route.allows(principal.roles):
        raise ForbiddenError(
            "Tài khoản của bạn không có quyền thực hiện thao tác này.",
            "Your account is not allowed to do this.",
        )


def _parse_body(route: Route, raw: RawRequest) -> Any:
    if route.body is None:
        return None
    if raw.body and len(raw.body) > MAX_BODY_BYTES:
        raise InvalidInputError(
            f"Dữ liệu gửi lên quá lớn (tối đa {MAX_BODY_BYTES // 1024} KB).",
            f"The request body is too large (at most {MAX_BODY_BYTES // 1024} KB).",
        )
    try:
        data = json.loads(raw.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            "Nội dung gửi lên không phải JSON hợp lệ.", "The request body is not valid JSON."
        ) from exc
    if data is None:
        raise InvalidInputError("Thiếu nội dung gửi lên (JSON).", "The request body (JSON) is missing.")
    try:
        return route.body.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def _parse_query(route: Route, raw: RawRequest) -> Any:
    if route.query is None:
        return None
    try:
        return route.query.model_validate(raw.query)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def _to_raw(result: Any, route: Route, request_id: str) -> RawResponse:
    response = result if isinstance(result, ApiResponse) else ApiResponse(body=result, status=route.status)
    headers = {"X-Request-Id": request_id, **SECURITY_HEADERS, **response.headers}
    body = response.body
    if body is None:
        return RawResponse(response.status, headers, b"")
    if isinstance(body, bytes | str):
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        return RawResponse(response.status, headers, body.encode() if isinstance(body, str) else body)
    headers.setdefault("Content-Type", "application/json; charset=utf-8")
    return RawResponse(response.status, headers, _json_bytes(body))


def dispatch(
    route: Route,
    raw: RawRequest,
    services: Services,
    authenticate: Authenticate,
    verify_signed: VerifySigned | None = None,
) -> RawResponse:
    """Run ``route`` for ``raw`` and return the response; never raises for a caller's mistake.

    ``authenticate`` resolves a bearer token to its principal; ``verify_signed`` checks a signed route's signature
    before anything of the request is parsed (an unsigned caller learns nothing, not even that its body is
    invalid). The composition root hands in both, so this base depends on no capability.
    """
    logger.set_correlation_id(raw.request_id)
    try:
        principal = _authenticate(route, raw, services, authenticate)
        _authorise(route, principal)
        request = ApiRequest(raw=raw, services=services, principal=principal)
        if route.is_signed and verify_signed is not None:
            request.signer = verify_signed(services, raw)
        request.body = _parse_body(route, raw)
        request.query = _parse_query(route, raw)
        result = route.handler(request)
        return _to_raw(result, route, raw.request_id)
    except SmartCommuneError as error:
        logger.info("request refused", extra={"code": error.code, "route": f"{route.method} {route.path}"})
        return error_response(error, raw.request_id)
    except Exception:
        logger.exception("request failed", extra={"route": f"{route.method} {route.path}"})
        return error_response(
            InternalError(
                "Hệ thống gặp lỗi, vui lòng thử lại sau. Mã tra cứu: " + raw.request_id,
                "Something went wrong on our side; please try again later. Reference: " + raw.request_id,
            ),
            raw.request_id,
        )
