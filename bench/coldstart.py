"""Cold start of the API function: how long ``import app`` takes in a fresh interpreter with a Lambda's env.

Wall clock (``time.perf_counter`` around the import, inside the child) is the headline figure; a separate
``-X importtime`` run names the heaviest direct imports, so a regression says where to look.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import benchmark

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNS = 9  # fresh interpreters per figure; the median ignores the odd slow one
IMPORTTIME_RUNS = 3
TARGET_API_IMPORT_MS = 400.0

_CHILD = """
import json, time
started = time.perf_counter()
import {module}
print(json.dumps({{"ms": (time.perf_counter() - started) * 1000}}))
"""


def lambda_environment() -> dict[str, str]:
    """What the API function's process sees in AWS: the template's Globals, a region, and credentials."""
    from smartcommune_local.template import LocalResources, load_template, local_name

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
    """Median import time of the API module against boto3's, in fresh interpreters."""
    env = lambda_environment()
    api_runs = import_ms("app", env)
    boto3_runs = import_ms("boto3", env)
    profiles = [importtime("app", env) for _ in range(IMPORTTIME_RUNS)]
    api_ms = statistics.median(api_runs)
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
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {platform.system()} {os.cpu_count()} cpu",
        "note": "wall clock around `import app` in a fresh interpreter with the Lambda env; -X importtime adds "
        "its own overhead. Lambda arm64 at 512 MB has less CPU than this machine: expect more there.",
    }
