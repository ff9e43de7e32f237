"""`make package` builds what AWS deploys, offline of AWS, and cfn-lint accepts both templates.

The layer's wheels come from PyPI once (cached under .build/cache by the hash of layers/requirements.txt);
every later run only copies them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from smartcommune_local.packaging import PackageResult, package
from smartcommune_local.template import REPO_ROOT, TEMPLATE_PATH

# cfn-lint rules we ignore, each with its reason. Errors AND warnings fail the build otherwise.
IGNORED_RULES: dict[str, str] = {}

API_ROLE_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "sqs:SendMessage",
    "s3:GetObject",
    "s3:PutObject",
    "iot:Publish",
    "iot:GetThingShadow",
    "iot:UpdateThingShadow",
}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> PackageResult:
    return package(tmp_path_factory.mktemp("build"), cache_root=REPO_ROOT / ".build" / "cache")


@pytest.fixture(scope="module")
def sam(packaged: PackageResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(packaged.template_path.read_text(encoding="utf-8"))
    return data


def _cfn_lint(template: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("cfn-lint")), str(template)]
    if IGNORED_RULES:
        command += ["--ignore-checks", *IGNORED_RULES]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_cfn_lint_accepts_the_source_template():
    result = _cfn_lint(TEMPLATE_PATH)
    # exit 2 = errors, 4 = warnings, 6 = both
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_accepts_the_packaged_template(packaged):
    result = _cfn_lint(packaged.template_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_api_function_gets_the_layer_and_the_environment_through_globals(sam):
    # Given the merged template
    handler = sam["Resources"]["APIHandler"]["Properties"]
    function_globals = sam["Globals"]["Function"]
    # Then Chalice's function runs app.app on arm64, with the shared layer and the deployment's names
    assert handler["Handler"] == "app.app"
    assert (
        handler["Architectures"]
        == ["arm64"]
        == sam["Resources"]["SharedLayer"]["Properties"]["CompatibleArchitectures"]
    )
    layers = function_globals["Layers"] + handler.get("Layers", [])
    assert layers == [{"Ref": "SharedLayer"}]
    env = function_globals["Environment"]["Variables"] | handler.get("Environment", {}).get("Variables", {})
    assert env["SMARTCOMMUNE_TABLE_NAME"] == {"Ref": "MainTable"}
    assert env["SMARTCOMMUNE_SMS_QUEUE_URL"] == {"Ref": "SmsQueue"}
    # And its timeout fits API Gateway's 29 s limit
    assert handler["Timeout"] <= 29


def test_the_api_function_has_the_least_privilege_role(sam):
    # Given the role the APIHandler runs with
    handler = sam["Resources"]["APIHandler"]["Properties"]
    assert handler["Role"] == {"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}
    role = sam["Resources"]["ApiHandlerRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    # Then it grants exactly these actions, and Chalice made no role or policy of its own
    assert {a for s in statements for a in _as_list(s["Action"])} == API_ROLE_ACTIONS
    assert not role.get("ManagedPolicyArns")
    iam = {k for k, v in sam["Resources"].items() if v["Type"].startswith("AWS::IAM::")}
    assert iam == {
        "ApiHandlerRole",
        "SmsSenderRole",
        "AuditVerifierRole",
        "DeviceAcksRole",
        "BroadcastRetryRole",
        "BroadcastSchedulerRole",
    }
    # And table access covers the table and its indexes, nothing else
    (table,) = [s for s in statements if "dynamodb:Query" in s["Action"]]
    assert table["Resource"] == [
        {"Fn::GetAtt": ["MainTable", "Arn"]},
        {"Fn::Sub": "${MainTable.Arn}/index/*"},
    ]


def test_every_chalice_route_is_in_the_rest_api(sam):
    import app as app_module

    # Given Chalice's routes and the API Gateway resources in the package
    paths = sam["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    # Then API Gateway knows every route (Chalice routes by resourcePath, so a missing one would 403)
    expected = {(path, m.lower()) for path, methods in app_module.app.routes.items() for m in methods}
    assert {(path, m) for path, ops in paths.items() for m in ops if m != "options"} == expected


def test_the_layer_ships_the_package_and_its_dependencies_but_not_boto3(packaged):
    site = packaged.layer_dir / "python"
    assert (site / "smartcommune" / "__init__.py").is_file()
    assert (site / "smartcommune" / "api" / "router.py").is_file()
    for dependency in ("pydantic", "pydantic_core", "pynamodb", "aws_lambda_powertools"):
        assert (site / dependency).is_dir(), dependency
    # Built for Lambda's arm64 runtime, not for this machine
    assert list((site / "pydantic_core").glob("*cpython-311-aarch64-linux-gnu.so"))
    for provided in ("boto3", "botocore", "s3transfer", "urllib3"):
        assert not (site / provided).exists(), f"{provided} ships with the Lambda runtime"
    # Compiled ahead, because /opt is read-only in Lambda
    assert list((site / "smartcommune" / "__pycache__").glob("*.cpython-311.pyc"))


def test_chalice_ships_only_the_app(packaged):
    with zipfile.ZipFile(packaged.template_path.parent / "deployment.zip") as archive:
        names = set(archive.namelist())
    assert "app.py" in names
    assert not [n for n in names if n.startswith(("smartcommune/", "pydantic", "boto"))]


def test_code_paths_point_at_the_code_from_the_packaged_template(packaged, sam):
    base = packaged.template_path.parent
    for logical_id, resource in sam["Resources"].items():
        props = resource.get("Properties", {})
        uri = props.get("CodeUri") or props.get("ContentUri")
        if resource["Type"].startswith("AWS::Serverless::") and isinstance(uri, str):
            assert (base / uri).exists(), f"{logical_id}: {uri}"
    assert (base / sam["Resources"]["SharedLayer"]["Properties"]["ContentUri"]).resolve() == packaged.layer_dir


def test_packaging_again_gives_the_same_template(packaged, sam):
    # When the package is built a second time
    again = package(packaged.build_dir, cache_root=REPO_ROOT / ".build" / "cache")
    # Then nothing changed, and the cached wheels made it quick
    assert json.loads(again.template_path.read_text(encoding="utf-8")) == sam
    assert again.seconds < 30
