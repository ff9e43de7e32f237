"""Rate limits count people, not CloudFront (review issue 8, point 5): the viewer address CloudFront forwards, the
origin secret that makes it believable, the WAF rule in front of sign-in, and the local edge playing CloudFront."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from smartcommune_local.packaging import merge_template
from smartcommune_local.template import REPO_ROOT, load_template
from tests.support.identities import ensure_demo_communes, next_phone

WAF_TEMPLATE = REPO_ROOT / "infra" / "edge-waf.yaml"
SECRET_REF = {"Fn::Sub": "{{resolve:secretsmanager:${EdgeOriginSecret}:SecretString}}"}


def _request_code(api, settings, viewer: str | None, secret: str | None = None) -> int:
    """``POST /auth/otp`` as CloudFront would send it for ``viewer`` (all of them reach API Gateway from one edge)."""
    headers = {"Content-Type": "application/json"}
    if viewer is not None:
        headers["CloudFront-Viewer-Address"] = f"{viewer}:{40000 + len(viewer)}"
        headers["X-SmartCommune-Edge"] = settings.edge_secret if secret is None else secret
    body = json.dumps({"commune_id": "giao-phong", "phone": next_phone()})
    return int(api.http.request("POST", "/auth/otp", headers=headers, body=body).status_code)


def test_one_person_using_up_their_codes_does_not_stop_others_behind_one_cloudfront_server(api, services, settings):
    ensure_demo_communes(services)
    # Given one person who asked for as many codes as one client may in an hour (for many phones)
    limit = settings.otp_max_sends_per_client_per_hour
    assert [_request_code(api, settings, "203.0.113.7") for _ in range(limit)] == [202] * limit
    # When they ask once more, and a neighbour served by the same CloudFront server asks for their first code
    theirs = _request_code(api, settings, "203.0.113.7")
    neighbours = _request_code(api, settings, "198.51.100.23")
    # Then only the first is refused
    assert (theirs, neighbours) == (429, 202)


def test_the_edge_secret_is_read_from_secrets_manager_at_run_time(settings):
    # Given the deployment names the edge secret by its ARN, as the overlay does (no value in the environment)
    from smartcommune.core.aws import client

    value = "edge-secret-from-secrets-manager-0123456789"
    arn = client("secretsmanager", settings).create_secret(Name="smartcommune/edge", SecretString=value)["ARN"]
    deployed = settings.model_copy(update={"edge_secret_secret_arn": arn, "stage": "prod"})
    # Then requests are checked against the secret's value, not the development default
    assert deployed.trusted_edge_secret == value


def test_a_viewer_address_without_the_edge_secret_does_not_escape_the_limit(api, services, settings):
    ensure_demo_communes(services)
    # Given someone calling API Gateway directly, naming a new "viewer" on each request, without or with a wrong secret
    limit = settings.otp_max_sends_per_client_per_hour
    answers = [_request_code(api, settings, f"10.0.{n}.1", secret="" if n % 2 else "guess") for n in range(limit + 1)]
    # Then they are counted as the one address that connects, and stopped at the limit
    assert answers == [202] * limit + [429]


# ---------------------------------------------------------------- infrastructure


def _cfn_lint(template: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("cfn-lint")), str(template)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_a_waf_rate_rule_guards_sign_in_at_the_edge():
    # Given the web ACL template (deployed in us-east-1, where CloudFront's web ACLs live)
    assert _cfn_lint(WAF_TEMPLATE).returncode == 0, _cfn_lint(WAF_TEMPLATE).stdout
    acl = load_template(WAF_TEMPLATE)["Resources"]["EdgeWebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT" and acl["DefaultAction"] == {"Allow": {}}
    (rule,) = acl["Rules"]
    rate = rule["Statement"]["RateBasedStatement"]
    # Then each viewer address (as WAF at the edge sees it) is limited on /api/auth/*, with a 429 people can read
    assert rate["AggregateKeyType"] == "IP" and rate["EvaluationWindowSec"] == 300
    match = rate["ScopeDownStatement"]["ByteMatchStatement"]
    assert (match["FieldToMatch"], match["PositionalConstraint"], match["SearchString"]) == (
        {"UriPath": {}},
        "STARTS_WITH",
        "/api/auth/",
    )
    assert {t["Type"] for t in match["TextTransformations"]} >= {"URL_DECODE", "NORMALIZE_PATH", "LOWERCASE"}
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    body = json.loads(acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["message"].startswith("Có quá nhiều") and body["error"]["message_en"]


def test_the_distribution_uses_the_web_acl_and_vouches_for_the_viewer_address():
    merged = merge_template()
    resources = merged["Resources"]
    distribution = resources["WebDistribution"]["Properties"]["DistributionConfig"]
    # The web ACL from us-east-1 is attached; its ARN is a required parameter
    assert distribution["WebACLId"] == {"Ref": "EdgeWebAclArn"}
    parameter = merged["Parameters"]["EdgeWebAclArn"]
    assert "Default" not in parameter and parameter["AllowedPattern"].startswith("^arn:aws:wafv2:us-east-1:")
    # The API behaviour forwards CloudFront's viewer headers (managed AllViewerExceptHostHeader)
    api_behaviour = next(b for b in distribution["CacheBehaviors"] if b["PathPattern"] == "/api/*")
    assert api_behaviour["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    # CloudFront sends the API a generated secret, and the API function is given the same one to check it
    api_origin = next(o for o in distribution["Origins"] if o["Id"] == "api")
    assert api_origin["OriginCustomHeaders"] == [{"HeaderName": "X-SmartCommune-Edge", "HeaderValue": SECRET_REF}]
    assert resources["EdgeOriginSecret"]["Type"] == "AWS::SecretsManager::Secret"
    assert resources["EdgeOriginSecret"]["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    # The API function gets the secret's ARN, reads the value at run time, and alone may read it
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["SMARTCOMMUNE_EDGE_SECRET_SECRET_ARN"] == {"Ref": "EdgeOriginSecret"}
    assert "SMARTCOMMUNE_EDGE_SECRET" not in env
    grant = resources["ApiHandlerEdgeSecretPolicy"]["Properties"]
    assert grant["RoleName"] == {"Ref": "ApiHandlerRole"}
    assert grant["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": {"Ref": "EdgeOriginSecret"}}
    ]
    # And no other origin gets it
    others = [o for o in distribution["Origins"] if o["Id"] != "api"]
    assert all("OriginCustomHeaders" not in o for o in others)


# ---------------------------------------------------------------- the local edge


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append({k.lower(): v for k, v in self.headers.items()})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_edge():
    from smartcommune_local.edge import Edge

    api = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    edge = Edge(
        host="127.0.0.1",
        port=0,
        s3=None,
        bucket="web",
        api_host="127.0.0.1",
        api_port=int(api.server_address[1]),
        origin_secret="local-edge-secret-for-this-test",
    )
    edge.start()
    _Recorder.seen = []
    yield edge
    edge.stop()
    api.shutdown()
    api.server_close()


def test_the_local_edge_names_the_viewer_as_cloudfront_does_and_replaces_what_the_browser_claims(local_edge):
    # Given a browser that sends its own CloudFront headers, hoping to be counted as someone else
    request = urllib.request.Request(
        f"http://127.0.0.1:{local_edge.port}/api/auth/otp",
        data=b"{}",
        method="POST",
        headers={
            "Content-Type": "application/json",
            "CloudFront-Viewer-Address": "10.9.8.7:1234",
            "X-SmartCommune-Edge": "guessed",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the local edge on loopback
        assert response.status == 200
    # Then the API gets the address that really connected, and the edge's own secret
    (seen,) = _Recorder.seen
    ip, _, port = seen["cloudfront-viewer-address"].rpartition(":")
    assert ip == "127.0.0.1" and port.isdigit()
    assert seen["x-smartcommune-edge"] == "local-edge-secret-for-this-test"
