"""Cold start of the API function: ``import app`` and ``import app`` + the first authenticated request, each in
fresh interpreters with a Lambda's env.

Wall clock (``time.perf_counter`` inside the child) is the headline figure; a separate ``-X importtime`` run names
the heaviest direct imports, so a regression says where to look. The app loads its heavy modules (boto3, the data
layer) on the first request, so ``import app`` alone understates a cold start: ``first_request_ms`` times from
the child's first statement to the answer of ``GET /me`` with a citizen's session, invoked as Lambda invokes the
handler (``app.app(event, context)``), against a moto server that runs in the parent process (its start-up, the
table and the seeding are not timed, and none of their imports reach the child).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import benchmark

if TYPE_CHECKING:
    from smartcommune_local.template import LocalResources

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNS = 9  # fresh interpreters per figure; the median ignores the odd slow one
IMPORTTIME_RUNS = 3
TARGET_API_IMPORT_MS = 400.0
FIRST_REQUEST_RUNS = 7
TARGET_FIRST_REQUEST_MS = 1500.0

_CHILD = """
import json, time
started = time.perf_counter()
import {module}
print(json.dumps({{"ms": (time.perf_counter() - started) * 1000}}))
"""

# What the Lambda runtime has done before the handler module loads: parsed the event (json is imported).
_FIRST_REQUEST_CHILD = """
import json, sys, time
event = json.loads(sys.argv[1])


class Context:
    function_name = "smartcommune-api"
    memory_limit_in_mb = 512
    aws_request_id = "bench-first-request"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:smartcommune-api"

    def get_remaining_time_in_millis(self):
        return 29000


started = time.perf_counter()
import app
imported = time.perf_counter()
first = app.app(event, Context())
answered = time.perf_counter()
second = app.app(event, Context())
again = time.perf_counter()
print(json.dumps({
    "ms": (answered - started) * 1000,
    "import_ms": (imported - started) * 1000,
    "request_ms": (answered - imported) * 1000,
    "second_request_ms": (again - answered) * 1000,
    "status": first["statusCode"],
    "second_status": second["statusCode"],
    "subject": json.loads(first["body"]).get("id"),
}))
"""


def lambda_environment(resources: LocalResources | None = None) -> dict[str, str]:
    """What the API function's process sees in AWS: the template's Globals, a region, and credentials (the
    template's names for its resources unless ``resources`` made on moto are given)."""
    from smartcommune_local.template import LocalResources, load_template, local_name

    if resources is None:
        template = load_template()
        resources = LocalResources(refs={k: local_name(k) for k in template["Resources"]}, template=template)
    env = resources.environment()
    env.update(
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        LANG="C.UTF-8",
        AWS_REGION="ap-southeast-1",
        AWS_DEFAULT_REGION="ap-southeast-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - fake: a cold start never calls AWS
        AWS_SESSION_TOKEN="bench",  # noqa: S106
        AWS_LAMBDA_FUNCTION_NAME="smartcommune-api",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="512",
        AWS_EXECUTION_ENV="AWS_Lambda_python3.11",
    )
    return env


def _run_child(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True)


def import_ms(module: str, env: dict[str, str], runs: int = RUNS) -> list[float]:
    """Wall-clock milliseconds of ``import module`` in ``runs`` fresh interpreters."""
    code = _CHILD.format(module=module)
    _run_child(["-c", code], env)  # warm the file cache and __pycache__ (the layer ships compiled .pyc)
    return [float(json.loads(_run_child(["-c", code], env).stdout)["ms"]) for _ in range(runs)]


@contextlib.contextmanager
def signed_in_on_moto() -> Iterator[tuple[dict[str, str], str, str]]:
    """A moto server in this process with the template's resources, the production stage's secrets, one commune
    and one citizen with a session: yields the API function's environment pointed at it, the token and the
    citizen's id."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from bench.feedback import _free_port

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield _seed_citizen(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


def _seed_citizen(endpoint: str) -> tuple[dict[str, str], str, str]:
    import boto3

    from smartcommune.citizens.contracts import Citizen
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core import table
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.identity.wiring import identity_service
    from smartcommune_local.demo_data import GIAO_PHONG
    from smartcommune_local.template import create_resources

    env = lambda_environment()
    session = boto3.Session(
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
    )
    env = lambda_environment(create_resources(session, endpoint_url=endpoint))
    secrets = session.client("secretsmanager", endpoint_url=endpoint)
    for name in ("pii_hash_key", "command_key"):  # as a deployment with both secrets (the template's conditions)
        arn = secrets.create_secret(Name=f"smartcommune/{name}", SecretString=uuid.uuid4().hex * 2)["ARN"]
        env[f"SMARTCOMMUNE_{name.upper()}_SECRET_ARN"] = arn
    env["AWS_ENDPOINT_URL"] = endpoint
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        os.environ[key] = env[key]  # this process's own clients (the seeding) talk to the same moto server
    settings = Settings.from_env(env)
    table.bind(settings)
    services = Services(settings)
    services.get(commune_repository).put(GIAO_PHONG)
    now = services.clock()
    citizen = services.get(citizen_repository).create(
        Citizen(
            id=uuid.uuid4().hex,
            commune_id=GIAO_PHONG.id,
            phone="+84912345678",
            full_name="Nguyễn Văn An",
            hamlet_id=GIAO_PHONG.hamlets[0].id,
            address="Xóm Đông Thành",
            created_at=now,
            updated_at=now,
            created_by="bench",
        )
    )
    token = services.get(identity_service).start_session(GIAO_PHONG.id, citizen.id, "citizen").token
    return env, token, citizen.id


def api_gateway_event(method: str, path: str, token: str) -> dict[str, Any]:
    """A REST API (proxy) event as API Gateway hands it to the Chalice handler."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "Host": "api.example.vn"}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "203.0.113.7"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def first_request_runs(
    env: dict[str, str], token: str, subject: str, runs: int = FIRST_REQUEST_RUNS
) -> list[dict[str, Any]]:
    """``import app`` + the first ``GET /me`` in ``runs`` fresh interpreters (after one that warms the caches);
    each must have been answered 200 with the signed-in citizen's own account (a 401 would time a cheaper path)."""
    event = json.dumps(api_gateway_event("GET", "/me", token))
    results = []
    for _ in range(runs + 1):
        stdout = _run_child(["-c", _FIRST_REQUEST_CHILD, event], env).stdout
        result = json.loads(stdout.strip().splitlines()[-1])  # the app's log lines go to stdout too, as in Lambda
        if (result["status"], result["second_status"], result["subject"]) != (200, 200, subject):
            raise RuntimeError(f"the first request was not answered with the citizen's account: {result}")
        results.append(result)
    return results[1:]


def first_request_imports(env: dict[str, str], token: str) -> list[dict[str, Any]]:
    """``-X importtime`` of one fresh first request: the heaviest modules loaded after ``import app`` (lazily)."""
    event = json.dumps(api_gateway_event("GET", "/me", token))
    stderr = _run_child(["-X", "importtime", "-c", _FIRST_REQUEST_CHILD, event], env).stderr
    lazy: list[dict[str, Any]] = []
    after_app = False
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if name.startswith("  "):
            continue
        if after_app:
            lazy.append({"module": name.strip(), "ms": round(int(cumulative) / 1000, 1)})
        after_app = after_app or name.strip() == "app"
    return sorted(lazy, key=lambda c: c["ms"], reverse=True)[:8]


def importtime(module: str, env: dict[str, str]) -> tuple[float, list[dict[str, Any]]]:
    """``-X importtime``: the module's cumulative milliseconds and its heaviest direct imports."""
    stderr = _run_child(["-X", "importtime", "-c", f"import {module}"], env).stderr
    children: list[dict[str, Any]] = []
    total_ms = 0.0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip(" "))) // 2
        if depth == 0:
            if name.strip() == module:
                total_ms = int(cumulative) / 1000
                break
            children = []  # a top-level import that is not ours (site, encodings): its children are not ours
        elif depth == 1:
            children.append({"module": name.strip(), "ms": round(int(cumulative) / 1000, 1)})
    heaviest = sorted(children, key=lambda c: c["ms"], reverse=True)[:8]
    return total_ms, heaviest


@benchmark("coldstart")
def coldstart() -> dict[str, Any]:
    """Median import time of the API module against boto3's, and of import + first request, in fresh interpreters."""
    env = lambda_environment()
    api_runs = import_ms("app", env)
    boto3_runs = import_ms("boto3", env)
    profiles = [importtime("app", env) for _ in range(IMPORTTIME_RUNS)]
    api_ms = statistics.median(api_runs)
    with signed_in_on_moto() as (moto_env, token, citizen_id):
        first = first_request_runs(moto_env, token, citizen_id)
        lazy_imports = first_request_imports(moto_env, token)
    first_ms = statistics.median(r["ms"] for r in first)
    return {
        "api_import_ms": round(api_ms, 1),
        "boto3_import_ms": round(statistics.median(boto3_runs), 1),
        "api_import_ms_importtime": round(statistics.median(total for total, _ in profiles), 1),
        "target_api_import_ms": TARGET_API_IMPORT_MS,
        "within_target": api_ms <= TARGET_API_IMPORT_MS,
        "runs": len(api_runs),
        "api_import_ms_all": [round(ms, 1) for ms in api_runs],
        "boto3_import_ms_all": [round(ms, 1) for ms in boto3_runs],
        "heaviest_imports_of_app": profiles[0][1],
        "first_request_ms": round(first_ms, 1),
        "target_first_request_ms": TARGET_FIRST_REQUEST_MS,
        "first_request_within_target": first_ms <= TARGET_FIRST_REQUEST_MS,
        "first_request_runs": len(first),
        "first_request_import_ms": round(statistics.median(r["import_ms"] for r in first), 1),
        "first_request_request_ms": round(statistics.median(r["request_ms"] for r in first), 1),
        "second_request_ms": round(statistics.median(r["second_request_ms"] for r in first), 1),
        "first_request_ms_all": [round(r["ms"], 1) for r in first],
        "heaviest_imports_of_first_request": lazy_imports,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {platform.system()} {os.cpu_count()} cpu",
        "note": "wall clock around `import app` in a fresh interpreter with the Lambda env; -X importtime adds "
        "its own overhead. first_request_ms: from the child's first statement to the answer of GET /me (a "
        "citizen's session; handler invoked as Lambda does) on a moto server in the parent over localhost, so "
        "it includes loading boto3 and the data layer and making the clients, but not DynamoDB's network round "
        "trips nor TLS set-up in AWS. Lambda arm64 at 512 MB has less CPU than this machine: expect more there.",
    }
