"""The OpenAPI document: served by the API, true to Chalice's routes, valid, and committed up to date."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from smartcommune.composition import load_routes
from smartcommune.core.api.openapi import build_document
from smartcommune_local.packaging import openapi_command, openapi_document
from smartcommune_local.template import REPO_ROOT

COMMITTED = REPO_ROOT / "docs" / "openapi.json"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def document() -> dict:
    return build_document(load_routes())


def _operations(document: dict) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in document["paths"].items() for method in item if method in METHODS}


def test_the_api_serves_the_document_built_from_the_routes(api, document):
    # When a client asks for the API's description
    response = api.http.get("/openapi.json")
    # Then it is the document built from the route registry
    assert response.status_code == 200
    assert json.loads(response.body) == document


def test_the_document_and_chalice_routes_are_the_same_set(document):
    import app as app_module

    # Given the routes Chalice serves (and API Gateway will know after `make package`)
    served = {(path, method) for path, methods in app_module.app.routes.items() for method in methods}
    # Then every served route is documented and every documented operation is served
    assert _operations(document) == served


def test_every_operation_says_who_may_call_it(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            roles = operation.get("x-allowed-roles")
            assert roles in ("public", "signed") or (isinstance(roles, list) and roles), f"{method.upper()} {path}"
            # and a signed-in operation names its security scheme (a session, or a SigV4 signature for the
            # province's API) and its 401/403 answers
            if roles != "public":
                assert operation["security"] == [{"sigv4": []} if roles == "signed" else {"session": []}]
                assert {"401", "403"} <= set(operation["responses"])


def test_the_province_api_documents_its_sigv4_scheme(document):
    scheme = document["components"]["securitySchemes"]["sigv4"]
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert "execute-api" in scheme["description"]
    province = [op for path, item in document["paths"].items() if path.startswith("/province/") for op in item.values()]
    assert province and all(op["x-allowed-roles"] == "signed" for op in province)


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_the_committed_document_is_up_to_date(document):
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    if committed != document:
        added = sorted(_operations(document) - _operations(committed))
        removed = sorted(_operations(committed) - _operations(document))
        pytest.fail(
            f"docs/openapi.json is out of date (new: {added}, gone: {removed}, or contracts changed): "
            "run `make openapi` and commit it"
        )


def test_the_cli_prints_the_document(capsys):
    import argparse

    # When `smartcommune openapi` runs (extra CLI options are ignored)
    assert openapi_command(argparse.Namespace(verbose=True)) == 0
    # Then it prints the document, Vietnamese unescaped
    printed = capsys.readouterr().out
    assert json.loads(printed) == openapi_document()
    assert printed.endswith("\n")
