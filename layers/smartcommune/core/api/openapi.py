"""Build the OpenAPI 3.1 document from the route registry, so the document and the routes cannot drift."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from smartcommune.core.api.router import PUBLIC, SIGNED

if TYPE_CHECKING:
    from pydantic import BaseModel

    from smartcommune.core.api.router import Route, Router

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "message_en"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "Vietnamese"},
                "message_en": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                            "message_en": {"type": "string"},
                        },
                    },
                },
                "retry_after_s": {"type": "integer"},
            },
        }
    },
}


def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _operation(route: Route, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": list(route.tags),
        "x-allowed-roles": route.allow if route.allow in (PUBLIC, SIGNED) else sorted(str(r) for r in route.allow),
    }
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", route.path)
    ]
    if route.query is not None:
        query_schema = route.query.model_json_schema()
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    if params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_ref(route.body, components)}},
        }
    ok: dict[str, Any] = {"description": "OK"}
    if route.response is not None:
        content = {"application/json": {"schema": _schema_ref(route.response, components)}}
        for media in route.produces:
            content[media] = {"schema": {"type": "string"}}
        ok["content"] = content
    responses: dict[str, Any] = {str(route.status): ok}
    if route.body is not None or route.query is not None:
        responses["422"] = _error("Invalid input; nothing was written")
    if route.allow == SIGNED:
        op["security"] = [{"sigv4": []}]
        responses["401"] = _error("Unsigned, wrongly signed, stale or replayed request (a session token is refused)")
        responses["403"] = _error("The client is revoked, or the commune is not one of its province's")
    elif route.allow != PUBLIC:
        op["security"] = [{"session": []}]
        responses["401"] = _error("Not signed in, or the session has expired")
        responses["403"] = _error("Signed in with a role that may not call this")
    op["responses"] = responses
    return op


def build_document(router: Router) -> dict[str, Any]:
    """The OpenAPI document describing every registered route."""
    components: dict[str, Any] = {"Error": _ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for route in sorted(router.routes, key=lambda r: (r.path, r.method)):
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SmartCommune API",
            "version": "0.1.0",
            "description": (
                "API của nền tảng Xã nông thôn mới thông minh. Errors carry a Vietnamese `message` and an "
                "English `message_en`. `x-allowed-roles` names who may call each operation."
            ),
        },
        "servers": [{"url": "/api"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "session": {"type": "http", "scheme": "bearer", "description": "Session token"},
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                    "description": (
                        "AWS Signature Version 4 (AWS4-HMAC-SHA256), service `execute-api`, the deployment's "
                        "region; signed headers include host, x-amz-date and x-amz-content-sha256. In AWS: the "
                        "caller's IAM identity (API Gateway AWS_IAM authorisation); locally: a province client's "
                        "access key id and secret (`smartcommune province client create`). A request is accepted "
                        "within 5 minutes of its X-Amz-Date, and each signature once."
                    ),
                },
            },
        },
    }
