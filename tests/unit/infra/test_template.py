"""Structural checks of template.yaml (and the API overlay) that a reviewer would otherwise do by eye."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from smartcommune_local.packaging import OVERLAY_PATH, merge_template
from smartcommune_local.template import REPO_ROOT, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
MERGED_RESOURCES: dict[str, Any] = merge_template()["Resources"]

# Who may touch what. A new grant is a decision: make it here and in template.yaml together.
# (Secrets are named by their ARN parameters: PiiHashKeySecretArn, CommandKeySecretArn, PaymentKeySecretArn.)
ROLE_RESOURCES: dict[str, set[str]] = {
    "ApiHandlerRole": {
        "ApiHandlerLogGroup",
        "MainTable",
        "SmsQueue",
        "SmsKey",
        "MediaBucket",
        "PiiHashKeySecretArn",
        "CommandKeySecretArn",
        "PaymentKeySecretArn",  # payment callbacks are verified with it (fees)
        "CameraBucket",  # presigned links to event crops (events/ only)
        "ReportSigningKey",  # signs sent reports (JWS ES256)
        "MergeQueue",  # mergers the province orders
    },
    "CommunesMergeRole": {"CommunesMergeLogGroup", "MainTable", "AuditAnchorBucket", "MergeQueue"},
    "SmsSenderRole": {"SmsSenderLogGroup", "SmsQueue", "SmsKey", "MainTable"},
    "AuditVerifierRole": {"AuditVerifierLogGroup", "MainTable", "AuditAnchorBucket"},
    "DeviceAcksRole": {"DeviceAcksLogGroup", "MainTable", "DeviceAcksQueue"},
    "BroadcastRetryRole": {"BroadcastRetryLogGroup", "MainTable"},
    "BroadcastSchedulerRole": {
        "BroadcastSchedulerLogGroup",
        "MainTable",
        "MediaBucket",
        "SmsQueue",
        "SmsKey",
        "CommandKeySecretArn",
    },
    "HealthRemindersRole": {"HealthRemindersLogGroup", "MainTable", "SmsQueue", "SmsKey"},
    "WaterReadingsRole": {"WaterReadingsLogGroup", "MainTable", "WaterReadingsQueue"},
    "WaterSilenceRole": {"WaterSilenceLogGroup", "MainTable"},
    "CameraDevicesRole": {"CameraDevicesLogGroup", "MainTable", "CameraBucket"},
    "CameraAnalyseRole": {"CameraAnalyseLogGroup", "MainTable", "CameraBucket", "CameraBurstQueue"},
    "CameraRetentionRole": {"CameraRetentionLogGroup", "CameraBucket"},
}
# Roles an AWS service assumes on the platform's behalf (not a function's)
SERVICE_ROLE_RESOURCES: dict[str, set[str]] = {
    "DeviceAckRuleRole": {"DeviceAcksQueue"},
    "WaterReadingRuleRole": {"WaterReadingsQueue"},
}
# The only Allow statements on "*": X-Ray has no resource-level permissions; SMS to a phone number has no ARN.
STAR_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "sns:Publish"}


def _of_type(resource_type: str, resources: dict[str, Any] = RESOURCES) -> dict[str, dict[str, Any]]:
    return {k: v.get("Properties", {}) for k, v in resources.items() if v["Type"] == resource_type}


def _referenced(value: Any) -> set[str]:
    """Logical ids a value refers to through Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str) and not arg.startswith("AWS::"):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg[0] if isinstance(arg, list) else arg.split(".")[0])
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                found |= {v.split(".")[0] for v in re.findall(r"\${([^}!]+)}", text) if not v.startswith("AWS::")}
            else:
                found |= _referenced(arg)
    elif isinstance(value, list):
        for item in value:
            found |= _referenced(item)
    return found


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_of(function: dict[str, Any]) -> str:
    return str(function["Role"]["Fn::GetAtt"][0])


def test_every_function_has_its_handler_file():
    # Given every Lambda function the template deploys
    functions = _of_type("AWS::Serverless::Function")
    assert functions, "the template deploys no function"
    for logical_id, props in functions.items():
        # Then its handler module exists where CodeUri and Handler say
        module, _, _ = props["Handler"].rpartition(".")
        handler_file = REPO_ROOT / props["CodeUri"] / f"{module.replace('.', '/')}.py"
        assert handler_file.is_file(), f"{logical_id}: {handler_file} is missing"


def test_the_chalice_api_function_exists():
    # The APIHandler that the overlay completes is Chalice's: app.py with its `app` object
    assert "app = Chalice(" in (REPO_ROOT / "app.py").read_text(encoding="utf-8")
    assert "APIHandler" in MERGED_RESOURCES


def test_every_function_runs_with_its_own_role_and_no_sam_managed_policies():
    # SAM's `Policies` and event sources attach AWS managed policies on "*"; explicit roles keep grants readable
    functions = _of_type("AWS::Serverless::Function")
    functions["APIHandler"] = MERGED_RESOURCES["APIHandler"]["Properties"]
    roles = {logical_id: _role_of(props) for logical_id, props in functions.items()}
    assert not [logical_id for logical_id, props in functions.items() if "Policies" in props]
    assert len(set(roles.values())) == len(roles), f"functions share a role: {roles}"
    assert set(roles.values()) == set(ROLE_RESOURCES)


@pytest.mark.parametrize("role_id", sorted(ROLE_RESOURCES | SERVICE_ROLE_RESOURCES))
def test_every_role_reaches_only_its_own_resources(role_id):
    # Given a function's role
    role = RESOURCES[role_id]["Properties"]
    statements = _statements(role)
    assert statements
    assert not role.get("ManagedPolicyArns"), "managed policies grant on '*'"
    # Then every resource it names is one of the resources that function is meant to use
    expected = (ROLE_RESOURCES | SERVICE_ROLE_RESOURCES)[role_id]
    assert set().union(*(_referenced(s.get("Resource")) for s in statements)) == expected
    for statement in statements:
        actions = set(_as_list(statement["Action"]))
        # And nothing is granted by wildcard, and no request path can scan the table
        assert not any(a.endswith("*") for a in actions), statement
        assert "dynamodb:Scan" not in actions
        if statement["Effect"] == "Allow" and "*" in _as_list(statement["Resource"]):
            assert actions <= STAR_ACTIONS, f"{role_id}: {actions} on '*'"


def test_every_iam_role_is_reviewed_here():
    assert set(_of_type("AWS::IAM::Role")) == set(ROLE_RESOURCES | SERVICE_ROLE_RESOURCES)


def test_speaker_acks_reach_their_function_through_a_queue_in_batches():
    # A province-wide emergency is 24,000 acks in seconds: the rule queues them, the function reads 100 at a time
    rule = RESOURCES["DeviceAckRule"]["Properties"]["TopicRulePayload"]
    assert [list(a) for a in rule["Actions"]] == [["Sqs"]]
    assert rule["Actions"][0]["Sqs"]["QueueUrl"] == {"Ref": "DeviceAcksQueue"}
    assert rule["Actions"][0]["Sqs"]["UseBase64"] is False
    event = RESOURCES["DeviceAcksFunction"]["Properties"]["Events"]["Acks"]["Properties"]
    assert event["Queue"] == {"Fn::GetAtt": ["DeviceAcksQueue", "Arn"]}
    assert event["BatchSize"] == 100 and event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = RESOURCES["DeviceAcksQueue"]["Properties"]
    timeout = RESOURCES["DeviceAcksFunction"]["Properties"]["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout  # what Lambda's SQS event source asks for
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["DeviceAcksDeadLetterQueue", "Arn"]}


def test_sms_sender_may_publish_to_phone_numbers_but_not_to_topics():
    statements = _statements(RESOURCES["SmsSenderRole"]["Properties"])
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert denies
    assert denies[0]["Action"] == "sns:Publish"
    assert "arn:${AWS::Partition}:sns:*:*:*" in denies[0]["Resource"]["Fn::Sub"]


def test_main_table_has_point_in_time_recovery_and_encryption():
    table = RESOURCES["MainTable"]
    assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_every_bucket_blocks_public_access_and_encrypts():
    buckets = _of_type("AWS::S3::Bucket")
    assert set(buckets) >= {"WebBucket", "MediaBucket", "AuditAnchorBucket"}
    for logical_id, props in buckets.items():
        block = props["PublicAccessBlockConfiguration"]
        flags = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        assert all(block[flag] is True for flag in flags), logical_id
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], logical_id


def test_audit_anchors_are_write_once():
    props = RESOURCES["AuditAnchorBucket"]["Properties"]
    assert props["ObjectLockEnabled"] is True
    assert props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"


def test_every_work_queue_has_a_dead_letter_queue_that_raises_an_alarm():
    queues = _of_type("AWS::SQS::Queue")
    redriven = [p["RedrivePolicy"]["deadLetterTargetArn"] for p in queues.values() if "RedrivePolicy" in p]
    dead_letter = {_referenced(target).pop() for target in redriven}
    for logical_id, props in queues.items():
        assert props.get("SqsManagedSseEnabled") is True, logical_id
        assert logical_id in dead_letter or "RedrivePolicy" in props, f"{logical_id} has no dead-letter queue"
    alarmed = {
        dim["Value"]["Fn::GetAtt"][0]
        for props in _of_type("AWS::CloudWatch::Alarm").values()
        for dim in props.get("Dimensions", [])
        if dim["Name"] == "QueueName"
    }
    assert dead_letter <= alarmed


def test_globals_environment_names_that_code_depends_on():
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert {
        "SMARTCOMMUNE_TABLE_NAME",
        "SMARTCOMMUNE_WEB_BUCKET",
        "SMARTCOMMUNE_MEDIA_BUCKET",
        "SMARTCOMMUNE_AUDIT_ANCHOR_BUCKET",
        "SMARTCOMMUNE_SMS_QUEUE_URL",
        "SMARTCOMMUNE_SMS_KEY_ID",
        "SMARTCOMMUNE_PII_HASH_KEY_SECRET_ARN",
        "SMARTCOMMUNE_COMMAND_KEY_SECRET_ARN",
    } <= set(env)
    assert {"Ref": "SharedLayer"} in TEMPLATE["Globals"]["Function"]["Layers"]


def test_no_secret_value_reaches_a_function_environment():
    # Anyone allowed lambda:GetFunctionConfiguration reads a function's environment: secrets go as ARNs only
    functions = _of_type("AWS::Serverless::Function")
    environments = [TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]]
    environments += [p.get("Environment", {}).get("Variables", {}) for p in functions.values()]
    # and the API function as the overlay completes it (its edge secret included)
    environments.append(MERGED_RESOURCES["APIHandler"]["Properties"]["Environment"]["Variables"])
    for env in environments:
        assert "{{resolve:" not in json.dumps(env), "a dynamic reference puts the secret's value in the environment"
        assert not {
            "SMARTCOMMUNE_PII_HASH_KEY",
            "SMARTCOMMUNE_COMMAND_KEY",
            "SMARTCOMMUNE_EDGE_SECRET",
            "SMARTCOMMUNE_PAYMENT_KEY",
        } & set(env)
    globals_env = environments[0]
    assert _referenced(globals_env["SMARTCOMMUNE_PII_HASH_KEY_SECRET_ARN"]) == {"PiiHashKeySecretArn"}
    assert _referenced(globals_env["SMARTCOMMUNE_COMMAND_KEY_SECRET_ARN"]) == {"CommandKeySecretArn"}
    # And only the functions that hash numbers or sign play commands may read the secrets
    readers = {
        role_id: set().union(
            *(
                _referenced(s["Resource"])
                for s in _statements(RESOURCES[role_id]["Properties"])
                if "secretsmanager:GetSecretValue" in _as_list(s["Action"])
            )
        )
        for role_id in ROLE_RESOURCES
    }
    assert {k: v for k, v in readers.items() if v} == {
        "ApiHandlerRole": {"PiiHashKeySecretArn", "CommandKeySecretArn", "PaymentKeySecretArn"},
        "BroadcastSchedulerRole": {"CommandKeySecretArn"},
    }


def test_queued_sms_are_sealed_and_only_the_sender_may_open_them():
    key = RESOURCES["SmsKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    assert TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["SMARTCOMMUNE_SMS_KEY_ID"] == {"Ref": "SmsKey"}
    grants: dict[str, set[str]] = {}
    for role_id in ROLE_RESOURCES:
        for statement in _statements(RESOURCES[role_id]["Properties"]):
            if "SmsKey" in _referenced(statement["Resource"]):
                grants.setdefault(role_id, set()).update(_as_list(statement["Action"]))
    assert grants == {
        "ApiHandlerRole": {"kms:Encrypt"},
        "BroadcastSchedulerRole": {"kms:Encrypt"},
        "HealthRemindersRole": {"kms:Encrypt"},
        "SmsSenderRole": {"kms:Decrypt"},
    }
    # The sender's table access is its per-message "sent" markers, and reading the threads' newest-news markers
    markers, threads = [
        s for s in _statements(RESOURCES["SmsSenderRole"]["Properties"]) if "MainTable" in _referenced(s["Resource"])
    ]
    assert markers["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["SMS#*"]}}
    assert threads["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["SMSTHREAD#*"]}}
    assert _as_list(threads["Action"]) == ["dynamodb:GetItem"]
    assert "index" not in json.dumps(markers["Resource"]) + json.dumps(threads["Resource"])


def test_reports_are_signed_in_kms_by_the_api_alone_with_a_key_that_outlives_the_stack():
    key = RESOURCES["ReportSigningKey"]
    assert key["Properties"]["KeySpec"] == "ECC_NIST_P256" and key["Properties"]["KeyUsage"] == "SIGN_VERIFY"
    assert key["DeletionPolicy"] == "Retain" and key["UpdateReplacePolicy"] == "Retain"
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["SMARTCOMMUNE_REPORT_KMS_KEY_ID"] == {"Ref": "ReportSigningKey"}
    grants = {
        role_id: set(_as_list(statement["Action"]))
        for role_id in ROLE_RESOURCES
        for statement in _statements(RESOURCES[role_id]["Properties"])
        if "ReportSigningKey" in _referenced(statement["Resource"])
    }
    assert grants == {"ApiHandlerRole": {"kms:Sign", "kms:GetPublicKey"}}


TTS_ENVIRONMENT = {
    "SMARTCOMMUNE_TTS_ESPEAK_PATH": "/opt/bin/espeak-ng",
    "SMARTCOMMUNE_TTS_LAME_PATH": "/opt/bin/lame",
    "SMARTCOMMUNE_TTS_ESPEAK_DATA_PATH": "/opt/share/espeak-ng-data",
}


def test_overlay_adds_only_the_speech_layer_and_its_paths_to_the_globals():
    # SAM appends Globals lists to a function's own: naming the shared layer in the overlay would attach it twice
    overlay = load_template(OVERLAY_PATH)["Resources"]["APIHandler"]["Properties"]
    assert overlay["Layers"] == [{"Ref": "TtsLayer"}]
    # The API makes speech: espeak-ng, lame and the voice data from the TTS layer mounted at /opt; and it alone
    # checks CloudFront's origin secret (tests/integration/identity/test_identity_edge.py)
    # and the province API trusts API Gateway's AWS_IAM verification of its SigV4 requests (smartcommune.province)
    assert overlay["Environment"]["Variables"] == TTS_ENVIRONMENT | {
        "SMARTCOMMUNE_EDGE_SECRET_SECRET_ARN": {"Ref": "EdgeOriginSecret"},
        "SMARTCOMMUNE_PROVINCE_AUTH": "iam",
    }
    assert not set(overlay["Environment"]["Variables"]) & set(
        TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    )


def test_the_speech_layer_runs_on_the_architecture_of_the_functions_that_use_it():
    # Given the TTS layer (built from the build machine's x86_64 Debian packages, docs/tts.md)
    tts = RESOURCES["TtsLayer"]["Properties"]
    assert tts["ContentUri"] == ".build/tts-layer/"
    assert tts["CompatibleArchitectures"] == ["x86_64"]
    # Then every function that has it runs on x86_64, and the shared layer serves both architectures
    functions = _of_type("AWS::Serverless::Function")
    functions["APIHandler"] = MERGED_RESOURCES["APIHandler"]["Properties"]  # Chalice adds its Type and code
    with_tts = {k for k, p in functions.items() if {"Ref": "TtsLayer"} in p.get("Layers", [])}
    assert with_tts == {"APIHandler"}
    assert all(functions[k]["Architectures"] == ["x86_64"] for k in with_tts)
    assert set(RESOURCES["SharedLayer"]["Properties"]["CompatibleArchitectures"]) == {"arm64", "x86_64"}
    # And the others stay on the Globals' arm64 (and none asks for the TTS paths without the layer)
    assert TEMPLATE["Globals"]["Function"]["Architectures"] == ["arm64"]
    for logical_id, props in functions.items():
        if logical_id not in with_tts:
            assert "Architectures" not in props, logical_id
            assert not set(props.get("Environment", {}).get("Variables", {})) & set(TTS_ENVIRONMENT), logical_id


def test_edge_serves_pages_privately_and_the_api_under_api():
    distribution = MERGED_RESOURCES["WebDistribution"]["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in distribution["Origins"]}
    assert "OriginAccessControlId" in origins["web"]
    assert "RestAPI" in _referenced(origins["api"]["DomainName"])
    behaviours = {b["PathPattern"]: b for b in distribution["CacheBehaviors"]}
    assert set(behaviours) == {"/api/*", "/media/*"}
    assert behaviours["/api/*"]["TargetOriginId"] == "api"
    # Photos go straight to the media bucket: the presigned query string, not CloudFront, authorises them
    assert behaviours["/media/*"]["TargetOriginId"] == "media"
    assert "OriginAccessControlId" not in origins["media"]
    # And every response carries the security headers
    policy = MERGED_RESOURCES["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert csp == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    for behaviour in [distribution["DefaultCacheBehavior"], *behaviours.values()]:
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}
    # And the local edge sends the same policy, so what the browser tests see is what AWS serves
    from smartcommune_local.edge import CONTENT_SECURITY_POLICY

    assert csp == CONTENT_SECURITY_POLICY


def test_the_province_role_may_invoke_only_the_province_api():
    # Given the role the province's systems assume (made only when the province's account is given)
    overlay = load_template(OVERLAY_PATH)
    role = overlay["Resources"]["ProvinceApiRole"]
    assert role["Condition"] == "HasProvinceAccount"
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
    assert "${ProvinceAccountId}" in str(principal)
    # Then it may call execute-api on /province/v1/* of this API's stage, nothing else
    (statement,) = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "execute-api:Invoke"
    assert statement["Resource"]["Fn::Sub"].endswith("${RestAPI}/api/*/province/v1/*")
