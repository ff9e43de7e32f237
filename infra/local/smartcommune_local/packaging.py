"""Build what AWS deploys, without AWS credentials: the shared layer and one SAM template with Chalice's API.

``smartcommune package`` (``make package``) writes under ``.build/``:

- ``layer/python/`` - the ``smartcommune`` package and the wheels of ``layers/requirements.txt`` for the Lambda
  platforms (python3.11, arm64 and x86_64 in one layer: binary modules carry the architecture in their file
  name), without what the Lambda runtime already has (boto3 and its dependencies);
- ``tts-layer/`` - espeak-ng and lame for the speech of bulletins (``docs/tts.md``): ``bin/``, the shared libraries
  they need in ``lib/`` (not glibc: Lambda's own is used), ``share/espeak-ng-data/``; taken from this Debian
  machine's packages, so built for this machine's architecture (x86_64);
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
# template.yaml: most functions run on arm64 (Graviton: cheaper per ms); the two that make speech (the API and the
# broadcast scheduler) run on x86_64, because the TTS layer is built from this x86_64 Debian machine's packages.
# One shared layer serves both: compiled modules are named per architecture (``*-aarch64-linux-gnu.so``,
# ``*-x86_64-linux-gnu.so``), so the interpreter picks its own.
LAMBDA_PLATFORMS = ("manylinux2014_aarch64", "manylinux2014_x86_64")

TTS_LAYER_DIR = "tts-layer"
TTS_PACKAGES = ("espeak-ng", "espeak-ng-data", "libespeak-ng1", "lame", "libmp3lame0")
TTS_PROGRAMS = ("espeak-ng", "lame")
RECEIPT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# What Lambda's Amazon Linux 2023 provides itself (glibc 2.34); shipping Debian's would break the runtime.
GLIBC_LIBRARIES = frozenset(
    {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libresolv.so.2", "libutil.so.1"}
)
LAMBDA_GLIBC = (2, 34)
# Dictionaries kept (the others are ~10 MB of languages no bulletin is spoken in).
TTS_DICTIONARIES = frozenset({"vi_dict", "en_dict"})

# The Lambda python3.11 runtime ships boto3 and its dependency closure. Shipping them again would shadow the
# runtime's copies (the layer comes first on sys.path) and add megabytes to every cold start.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"})


@dataclass(frozen=True)
class PackageResult:
    """Where the artifacts are, and how long building them took."""

    build_dir: Path
    layer_dir: Path
    template_path: Path
    tts_layer_dir: Path
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
    digest.update(f"{LAMBDA_PLATFORMS}|{LAMBDA_PYTHON}|{sorted(RUNTIME_PROVIDED)}".encode())
    return digest.hexdigest()[:16]


def _install_for(platform: str, target: Path, requirements: Path) -> None:
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", platform, "--implementation", "cp", "--python-version", LAMBDA_PYTHON,
        "--only-binary=:all:", "--target", str(target), "-r", str(requirements),
    ]  # fmt: skip
    subprocess.run(command, check=True)
    prune_runtime_provided(target)
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: nothing runs them in Lambda


def merge_platform_trees(base: Path, other: Path) -> list[str]:
    """Add to ``base`` the files of ``other`` it lacks (the other architecture's compiled modules); returns them.

    The pure-Python files of both installs are the same versions; a file present in both with different bytes
    outside ``*.dist-info`` would mean the two platforms resolved differently, which a fat layer cannot hold.
    """
    added: list[str] = []
    for path in sorted(other.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(other)
        dest = base / rel
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            added.append(rel.as_posix())
        elif not any(part.endswith(".dist-info") for part in rel.parts) and dest.read_bytes() != path.read_bytes():
            raise RuntimeError(f"{rel} differs between the layer's platforms: pin the requirement")
    return added


def build_dependencies(cache_root: Path, requirements: Path = LAYER_REQUIREMENTS) -> Path:
    """The layer's third-party packages for every Lambda platform, installed once per distinct input."""
    cached = cache_root / f"layer-deps-{_dependencies_key(requirements)}"
    if cached.is_dir():
        return cached
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = cache_root / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    first, *others = LAMBDA_PLATFORMS
    _install_for(first, staging, requirements)
    for platform in others:
        extra = cache_root / f".staging-{os.getpid()}-{platform}"
        shutil.rmtree(extra, ignore_errors=True)
        try:
            _install_for(platform, extra, requirements)
            merge_platform_trees(staging, extra)
        finally:
            shutil.rmtree(extra, ignore_errors=True)
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


# ---------------------------------------------------------------- the TTS layer (espeak-ng + lame)


def _package_files(packages: tuple[str, ...] = TTS_PACKAGES) -> list[Path]:
    """The files the Debian packages installed (``dpkg -L``)."""
    listing = subprocess.run(["dpkg", "-L", *packages], capture_output=True, text=True, check=True).stdout
    return [Path(line) for line in listing.splitlines() if line.startswith("/")]


def _shared_libraries(binary: Path) -> dict[str, Path]:
    """soname -> resolved path of every library ``binary`` loads (``ldd``), glibc's own left out."""
    output = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    found: dict[str, Path] = {}
    for line in output.splitlines():
        name, arrow, rest = line.strip().partition(" => ")
        if not arrow or name in GLIBC_LIBRARIES:
            continue
        target = rest.split(" (", 1)[0].strip()
        if target == "not found" or not target:
            raise FileNotFoundError(f"{binary}: {name} not found")
        found[name] = Path(target)
    return found


def glibc_versions_needed(path: Path) -> set[tuple[int, ...]]:
    """The ``GLIBC_x.y`` symbol versions an ELF file refers to (read from its dynamic string table)."""
    import re

    return {
        tuple(int(part) for part in match.split(b"."))
        for match in re.findall(rb"GLIBC_(\d+\.\d+(?:\.\d+)?)\x00", path.read_bytes())
    }


def build_tts_layer(build_dir: Path) -> Path:
    """``build_dir/tts-layer/``: ``bin/espeak-ng``, ``bin/lame``, their libraries in ``lib/``, the voice data in
    ``share/espeak-ng-data/`` - the layout Lambda mounts at ``/opt`` (``/opt/lib`` is on its library path)."""
    layer = build_dir / TTS_LAYER_DIR
    shutil.rmtree(layer, ignore_errors=True)
    (layer / "bin").mkdir(parents=True)
    (layer / "lib").mkdir()
    files = _package_files()
    programs = {p.name: p for p in files if p.parent.name == "bin" and p.name in TTS_PROGRAMS}
    missing = set(TTS_PROGRAMS) - set(programs)
    if missing:
        raise FileNotFoundError(f"not installed: {sorted(missing)} (make debian)")
    libraries: dict[str, Path] = {}
    for name, program in sorted(programs.items()):
        shutil.copy2(program, layer / "bin" / name)
        libraries |= _shared_libraries(program)
    for soname, path in sorted(libraries.items()):
        shutil.copyfile(path.resolve(), layer / "lib" / soname)  # the real file, under the name the loader asks
    (data,) = {p for p in files if p.name == "espeak-ng-data" and p.is_dir() and "doc" not in p.parts}
    shutil.copytree(
        data,
        layer / "share" / "espeak-ng-data",
        ignore=lambda _dir, names: [n for n in names if n.endswith("_dict") and n not in TTS_DICTIONARIES],
    )
    # Receipt PDFs (fees) embed a font with Vietnamese glyphs: /opt/fonts/DejaVuSans.ttf (Debian fonts-dejavu-core).
    (layer / "fonts").mkdir()
    shutil.copyfile(RECEIPT_FONT, layer / "fonts" / RECEIPT_FONT.name)
    too_new = {
        f"{path.relative_to(layer)}: GLIBC_{'.'.join(map(str, v))}"
        for path in [*(layer / "bin").iterdir(), *(layer / "lib").iterdir()]
        for v in glibc_versions_needed(path)
        if v > LAMBDA_GLIBC
    }
    if too_new:
        raise RuntimeError(f"needs a newer glibc than Lambda's {LAMBDA_GLIBC}: {sorted(too_new)}")
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


def _relocate_code(template: dict[str, Any], package_dir: Path, layer_dirs: dict[str, Path]) -> None:
    """Make the template's code paths (relative to the repository) relative to the packaged template.

    ``layer_dirs``: the built directory of each layer, by the last part of its ``ContentUri`` (``layer``,
    ``tts-layer``)."""
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::LayerVersion":
            built = layer_dirs[Path(str(props["ContentUri"])).name]
            props["ContentUri"] = os.path.relpath(built, package_dir)
        elif resource.get("Type") == "AWS::Serverless::Function":
            uri = props.get("CodeUri")
            if isinstance(uri, str) and not (package_dir / uri).exists():
                props["CodeUri"] = os.path.relpath(REPO_ROOT / uri, package_dir)


def package(build_dir: Path = BUILD_DIR, cache_root: Path | None = None) -> PackageResult:
    """Build the layer and the merged SAM template under ``build_dir``; safe to run again."""
    started = time.perf_counter()
    build_dir.mkdir(parents=True, exist_ok=True)
    layer_dir = build_layer(build_dir, cache_root or build_dir / "cache")
    tts_layer_dir = build_tts_layer(build_dir)
    merge_path = build_dir / "merge-template.json"
    merge_path.write_text(json.dumps(merge_template(), indent=2), encoding="utf-8")
    package_dir = build_dir / "package"
    sam_path = chalice_package(merge_path, package_dir)
    template = json.loads(sam_path.read_text(encoding="utf-8"))
    _relocate_code(template, package_dir, {layer_dir.name: layer_dir, tts_layer_dir.name: tts_layer_dir})
    sam_path.write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    return PackageResult(build_dir, layer_dir, sam_path, tts_layer_dir, time.perf_counter() - started)


def package_command(args: object) -> int:
    """``smartcommune package``: build the deployable artifacts under ``.build/``."""
    build_dir = Path(getattr(args, "build_dir", None) or BUILD_DIR)
    result = package(build_dir)
    rel = result.template_path.relative_to(REPO_ROOT) if result.template_path.is_relative_to(REPO_ROOT) else None
    print(f"Đã đóng gói / packaged in {result.seconds:.1f} s: {rel or result.template_path}")
    print(f"  layer: {result.layer_dir}")
    print(f"  TTS layer: {result.tts_layer_dir}")
    print(f"  deploy: sam deploy --template-file {rel or result.template_path} --capabilities CAPABILITY_IAM --guided")
    return 0


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, built from the route registry."""
    from smartcommune.composition import load_routes
    from smartcommune.core.api.openapi import build_document

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
