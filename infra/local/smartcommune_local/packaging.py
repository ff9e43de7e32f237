"""Build what AWS deploys, without AWS credentials: the shared layer and one SAM template with Chalice's API.

``smartcommune package`` (``make package``) writes under ``.build/``:

- ``layer/python/`` - the ``smartcommune`` package and the wheels of ``layers/requirements.txt`` for the Lambda
  platform (python3.11, arm64), without what the Lambda runtime already has (boto3 and its dependencies);
- ``merge-template.json`` - ``template.yaml`` deep-merged with ``infra/api-overlay.yaml``;
- ``package/sam.json`` + ``package/deployment.zip`` - ``chalice package --merge-template``: Chalice's REST API
  and ``APIHandler`` function merged with the template, code paths rewritten relative to ``package/``.

Deploy with ``sam deploy --template-file .build/package/sam.json --capabilities CAPABILITY_IAM ...``.
The pip download of the layer's wheels is cached by the hash of its inputs under ``.build/cache/``.
"""

from __future__ import annotations

import compileall
import hashlib
import json
import os
import py_compile
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smartcommune_local.template import REPO_ROOT, TEMPLATE_PATH, load_template

OVERLAY_PATH = REPO_ROOT / "infra" / "api-overlay.yaml"
LAYER_REQUIREMENTS = REPO_ROOT / "layers" / "requirements.txt"
PACKAGE_SOURCE = REPO_ROOT / "layers" / "smartcommune"
BUILD_DIR = REPO_ROOT / ".build"
CHALICE_STAGE = "prod"

LAMBDA_PYTHON = "3.11"
LAMBDA_PLATFORM = "manylinux2014_aarch64"  # template.yaml: Architectures [arm64] (Graviton: cheaper per ms)

# The Lambda python3.11 runtime ships boto3 and its dependency closure. Shipping them again would shadow the
# runtime's copies (the layer comes first on sys.path) and add megabytes to every cold start.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"})


@dataclass(frozen=True)
class PackageResult:
    """Where the artifacts are, and how long building them took."""

    build_dir: Path
    layer_dir: Path
    template_path: Path
    seconds: float


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """``overlay`` merged into a copy of ``base``: mappings recursively, anything else replaced."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def merge_template(template_path: Path = TEMPLATE_PATH, overlay_path: Path = OVERLAY_PATH) -> dict[str, Any]:
    """What Chalice merges its API into: the template plus the resources that need the API."""
    return deep_merge(load_template(template_path), load_template(overlay_path))


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _distribution_name(dist_info: Path) -> str:
    for line in (dist_info / "METADATA").read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("Name:"):
            return _normalise(line.split(":", 1)[1].strip())
    return _normalise(dist_info.name.split("-", 1)[0])


def prune_runtime_provided(target: Path, names: frozenset[str] = RUNTIME_PROVIDED) -> list[str]:
    """Delete the installed distributions the Lambda runtime already provides; returns their names."""
    removed: list[str] = []
    root = target.resolve()
    for dist_info in sorted(target.glob("*.dist-info")):
        name = _distribution_name(dist_info)
        if name not in names:
            continue
        for line in (dist_info / "RECORD").read_text(encoding="utf-8").splitlines():
            path = (target / line.split(",", 1)[0]).resolve()
            if path.is_relative_to(root) and path.is_file():
                path.unlink()
        shutil.rmtree(dist_info, ignore_errors=True)
        removed.append(name)
    # Directories the records emptied (packages and their __pycache__), deepest first.
    for directory in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
    return removed


def _dependencies_key(requirements: Path) -> str:
    digest = hashlib.sha256()
    digest.update(requirements.read_bytes())
    digest.update(f"{LAMBDA_PLATFORM}|{LAMBDA_PYTHON}|{sorted(RUNTIME_PROVIDED)}".encode())
    return digest.hexdigest()[:16]


def build_dependencies(cache_root: Path, requirements: Path = LAYER_REQUIREMENTS) -> Path:
    """The layer's third-party packages for the Lambda platform, installed once per distinct input."""
    cached = cache_root / f"layer-deps-{_dependencies_key(requirements)}"
    if cached.is_dir():
        return cached
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = cache_root / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", LAMBDA_PLATFORM, "--implementation", "cp", "--python-version", LAMBDA_PYTHON,
        "--only-binary=:all:", "--target", str(staging), "-r", str(requirements),
    ]  # fmt: skip
    subprocess.run(command, check=True)
    prune_runtime_provided(staging)
    shutil.rmtree(staging / "bin", ignore_errors=True)  # console scripts: nothing runs them in Lambda
    _compile(staging)
    try:
        staging.rename(cached)  # atomic: a parallel build that finished first wins, this one is dropped
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return cached


def _compile(directory: Path) -> None:
    # /opt is read-only in Lambda, so modules without .pyc are compiled again on every cold start. Unchecked
    # hash-based .pyc stay valid whatever the zip does to file times.
    compileall.compile_dir(
        directory, quiet=1, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )


def build_layer(build_dir: Path, cache_root: Path) -> Path:
    """``build_dir/layer/python/``: the third-party packages and a fresh copy of ``smartcommune``."""
    layer = build_dir / "layer"
    site = layer / "python"
    shutil.rmtree(layer, ignore_errors=True)
    shutil.copytree(build_dependencies(cache_root), site)
    shutil.copytree(PACKAGE_SOURCE, site / "smartcommune", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _compile(site / "smartcommune")
    return layer


def _chalice_command() -> list[str]:
    executable = Path(sys.executable).with_name("chalice")
    if executable.exists():
        return [str(executable)]
    found = shutil.which("chalice")
    if found is None:
        raise FileNotFoundError("chalice is not installed: run `make venv`")
    return [found]


def chalice_package(merge_template_path: Path, out_dir: Path, project_dir: Path = REPO_ROOT) -> Path:
    """Run ``chalice package --merge-template``; returns the SAM template it wrote."""
    shutil.rmtree(out_dir, ignore_errors=True)
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", env.get("AWS_REGION", "ap-southeast-1"))
    command = [
        *_chalice_command(), "--project-dir", str(project_dir), "package", "--stage", CHALICE_STAGE,
        "--merge-template", str(merge_template_path), str(out_dir),
    ]  # fmt: skip
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    # Chalice caches the zip it builds under .chalice/deployments; the package directory keeps the only copy.
    shutil.rmtree(project_dir / ".chalice" / "deployments", ignore_errors=True)
    return out_dir / "sam.json"


def _relocate_code(template: dict[str, Any], package_dir: Path, layer_dir: Path) -> None:
    """Make the template's code paths (relative to the repository) relative to the packaged template."""
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = os.path.relpath(layer_dir, package_dir)
        elif resource.get("Type") == "AWS::Serverless::Function":
            uri = props.get("CodeUri")
            if isinstance(uri, str) and not (package_dir / uri).exists():
                props["CodeUri"] = os.path.relpath(REPO_ROOT / uri, package_dir)


def package(build_dir: Path = BUILD_DIR, cache_root: Path | None = None) -> PackageResult:
    """Build the layer and the merged SAM template under ``build_dir``; safe to run again."""
    started = time.perf_counter()
    build_dir.mkdir(parents=True, exist_ok=True)
    layer_dir = build_layer(build_dir, cache_root or build_dir / "cache")
    merge_path = build_dir / "merge-template.json"
    merge_path.write_text(json.dumps(merge_template(), indent=2), encoding="utf-8")
    package_dir = build_dir / "package"
    sam_path = chalice_package(merge_path, package_dir)
    template = json.loads(sam_path.read_text(encoding="utf-8"))
    _relocate_code(template, package_dir, layer_dir)
    sam_path.write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    return PackageResult(build_dir, layer_dir, sam_path, time.perf_counter() - started)


def package_command(args: object) -> int:
    """``smartcommune package``: build the deployable artifacts under ``.build/``."""
    build_dir = Path(getattr(args, "build_dir", None) or BUILD_DIR)
    result = package(build_dir)
    rel = result.template_path.relative_to(REPO_ROOT) if result.template_path.is_relative_to(REPO_ROOT) else None
    print(f"Đã đóng gói / packaged in {result.seconds:.1f} s: {rel or result.template_path}")
    print(f"  layer: {result.layer_dir}")
    print(f"  deploy: sam deploy --template-file {rel or result.template_path} --capabilities CAPABILITY_IAM --guided")
    return 0


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, built from the route registry."""
    from smartcommune.api.openapi import build_document
    from smartcommune.api.router import load_routes

    return build_document(load_routes())


def render_openapi() -> str:
    """The document as committed in ``docs/openapi.json``."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


def openapi_command(args: object) -> int:
    """``smartcommune openapi``: print the OpenAPI document (``make openapi`` writes docs/openapi.json)."""
    output = getattr(args, "output", None)
    if output:
        Path(output).write_text(render_openapi(), encoding="utf-8")
    else:
        sys.stdout.write(render_openapi())
    return 0
