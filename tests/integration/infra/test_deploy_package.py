"""`make package` builds what AWS deploys, offline of AWS, and cfn-lint accepts both templates.

The layer's wheels come from PyPI once (cached under .build/cache by the hash of layers/requirements.txt);
every later run only copies them.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from smartcommune_local.packaging import GLIBC_LIBRARIES, LAMBDA_GLIBC, PackageResult, glibc_versions_needed, package
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
    "kms:Encrypt",  # seals the SMS it queues (only the SMS sender may decrypt)
    "kms:Sign",  # signs a sent report (JWS ES256) with ReportSigningKey
    "kms:GetPublicKey",  # publishes that key's public half (GET /.well-known/jwks.json)
    "secretsmanager:GetSecretValue",  # the PII hash key and the command key, read at run time
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
    # Then Chalice's function runs app.app on x86_64 (the TTS layer's architecture), with the shared layer, the
    # TTS layer and the deployment's names
    assert handler["Handler"] == "app.app"
    assert (
        handler["Architectures"] == ["x86_64"] == sam["Resources"]["TtsLayer"]["Properties"]["CompatibleArchitectures"]
    )
    assert "x86_64" in sam["Resources"]["SharedLayer"]["Properties"]["CompatibleArchitectures"]
    layers = function_globals["Layers"] + handler.get("Layers", [])
    assert layers == [{"Ref": "SharedLayer"}, {"Ref": "TtsLayer"}]
    env = function_globals["Environment"]["Variables"] | handler.get("Environment", {}).get("Variables", {})
    assert env["SMARTCOMMUNE_TABLE_NAME"] == {"Ref": "MainTable"}
    assert env["SMARTCOMMUNE_SMS_QUEUE_URL"] == {"Ref": "SmsQueue"}
    assert env["SMARTCOMMUNE_TTS_ESPEAK_PATH"] == "/opt/bin/espeak-ng"
    assert env["SMARTCOMMUNE_TTS_LAME_PATH"] == "/opt/bin/lame"
    assert env["SMARTCOMMUNE_TTS_ESPEAK_DATA_PATH"] == "/opt/share/espeak-ng-data"
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
    (edge_grant,) = sam["Resources"]["ApiHandlerEdgeSecretPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert edge_grant["Action"] == "secretsmanager:GetSecretValue"
    assert edge_grant["Resource"] == {"Ref": "EdgeOriginSecret"}
    iam = {k for k, v in sam["Resources"].items() if v["Type"].startswith("AWS::IAM::")}
    assert iam == {
        "ApiHandlerRole",
        "ApiHandlerEdgeSecretPolicy",  # the overlay's one grant: reading CloudFront's origin secret
        "ProvinceApiRole",  # the province's account may call execute-api:Invoke on /province/v1/* only
        "SmsSenderRole",
        "AuditVerifierRole",
        "DeviceAcksRole",
        "DeviceAckRuleRole",  # the IoT rule's: sqs:SendMessage on the acks queue, nothing else
        "BroadcastRetryRole",
        "BroadcastSchedulerRole",
        "HealthRemindersRole",  # the telehealth reminder job's (tests/unit/infra/test_template.py checks its grants)
        "WaterReadingsRole",  # water readings and silence checks (grants checked in tests/unit/infra/test_template.py)
        "WaterSilenceRole",
        "WaterReadingRuleRole",  # the IoT rule's: sqs:SendMessage on the readings queue, nothing else
        "CameraDevicesRole",  # camera acks, health and upload grants (presigned POSTs under frames/ only)
        "CameraAnalyseRole",  # burst analysis: reads frames/, writes events/ crops
        "CameraRetentionRole",  # the lifecycle sweep: lists and deletes expired objects
        "CommunesMergeRole",  # mergers the province ordered: the table, the audit anchors, its queue
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
    assert (site / "smartcommune" / "core" / "api" / "router.py").is_file()
    for dependency in ("pydantic", "pydantic_core", "pynamodb", "aws_lambda_powertools"):
        assert (site / dependency).is_dir(), dependency
    # Built for both of Lambda's architectures (arm64 for most functions, x86_64 for the API), whatever this machine
    assert list((site / "pydantic_core").glob("*cpython-311-aarch64-linux-gnu.so"))
    assert list((site / "pydantic_core").glob("*cpython-311-x86_64-linux-gnu.so"))
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
    assert (base / sam["Resources"]["TtsLayer"]["Properties"]["ContentUri"]).resolve() == packaged.tts_layer_dir


def test_packaging_again_gives_the_same_template(packaged, sam):
    # When the package is built a second time
    again = package(packaged.build_dir, cache_root=REPO_ROOT / ".build" / "cache")
    # Then nothing changed, and the cached wheels made it quick
    assert json.loads(again.template_path.read_text(encoding="utf-8")) == sam
    assert again.seconds < 30


# ---------------------------------------------------------------- the TTS layer


def _layer_env(layer: Path) -> dict[str, str]:
    """What Lambda gives a process with the layer at /opt: its lib/ on the library path, plus our data path."""
    return {
        "PATH": "/usr/bin:/bin",
        "LD_LIBRARY_PATH": str(layer / "lib"),
        "ESPEAK_DATA_PATH": str(layer / "share" / "espeak-ng-data"),
    }


def test_the_tts_layer_has_the_lambda_layout(packaged):
    layer = packaged.tts_layer_dir
    assert layer == packaged.build_dir / "tts-layer"
    assert os.access(layer / "bin" / "espeak-ng", os.X_OK) and os.access(layer / "bin" / "lame", os.X_OK)
    assert (layer / "lib" / "libespeak-ng.so.1").is_file() and (layer / "lib" / "libmp3lame.so.0").is_file()
    data = layer / "share" / "espeak-ng-data"
    assert (data / "vi_dict").is_file() and (data / "phontab").is_file()
    # Other languages' dictionaries are left out (the layer stays small)
    assert not (data / "cmn_dict").exists()
    # And no glibc: Lambda's own is used
    assert not [p.name for p in (layer / "lib").iterdir() if p.name in GLIBC_LIBRARIES or p.name.startswith("ld-")]


def test_the_tts_layer_is_self_contained_and_fits_lambdas_glibc(packaged):
    layer = packaged.tts_layer_dir
    for program in ("espeak-ng", "lame"):
        # Every library the programs load, besides glibc, resolves inside the layer
        output = subprocess.run(
            ["ldd", str(layer / "bin" / program)], env=_layer_env(layer), capture_output=True, text=True, check=True
        ).stdout
        for line in output.splitlines():
            name, arrow, target = line.strip().partition(" => ")
            if arrow and name not in GLIBC_LIBRARIES:
                assert target.startswith(str(layer / "lib") + "/"), line
    # And nothing needs a newer glibc than Amazon Linux 2023's 2.34
    for path in [*(layer / "bin").iterdir(), *(layer / "lib").iterdir()]:
        assert max(glibc_versions_needed(path), default=(0,)) <= LAMBDA_GLIBC, path.name


def test_espeak_ng_and_lame_from_the_layer_speak_vietnamese(packaged, tmp_path):
    layer = packaged.tts_layer_dir
    env = _layer_env(layer)
    text = "Thông báo khẩn của Ủy ban nhân dân xã Giao Phong: bà con chú ý phòng chống bão."
    # When espeak-ng runs from the layer, as the API runs it in Lambda
    wav = subprocess.run(
        [str(layer / "bin" / "espeak-ng"), "-v", "vi", "-s", "145", "--stdin", "--stdout"],
        input=text.encode("utf-8"), env=env, capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    # Then it writes a mono 16-bit WAV of a few seconds of speech with the Vietnamese voice
    assert wav[:4] == b"RIFF" and wav[8:16] == b"WAVEfmt "
    channels, rate = struct.unpack("<HI", wav[22:28])
    bits = struct.unpack("<H", wav[34:36])[0]
    assert (channels, bits) == (1, 16)
    samples = (len(wav) - 44) // 2
    assert 2.0 < samples / rate < 20.0
    # A different text is different audio (the voice really reads it)
    other = subprocess.run(
        [str(layer / "bin" / "espeak-ng"), "-v", "vi", "--stdin", "--stdout"],
        input="Xin chào".encode(), env=env, capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert len(other) < len(wav)
    # And lame from the layer encodes it to MP3 as broadcast/storage/speech.py asks
    mp3 = subprocess.run(
        [str(layer / "bin" / "lame"), "--quiet", "-m", "m", "-b", "48", "--resample", "22.05", "-", "-"],
        input=wav, env=env, capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0  # starts with an MPEG audio frame
    assert len(mp3) > 4000
