"""The shape of the code holds: one package per capability, each layered alike, covered by the import contracts.

import-linter (``make lint``) checks the imports themselves; these tests check that every capability is *under*
those contracts, that modules stay small enough to live in, and that the packaging lists every package.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "layers" / "smartcommune"
LAYERS = ("contracts", "logic", "storage", "routes", "wiring")
ADAPTERS = ("engine",)  # local compute a capability adapts to, beside storage (vision's OpenCV models)
MAX_LINES = 400
LONG_REASON = "Long because:"
SOURCE_DIRS = ("layers", "functions", "devices", "infra", "bench")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _capabilities() -> list[str]:
    return sorted(
        p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file() and p.name != "core"
    )


def _contracts() -> list[dict]:
    return _pyproject()["tool"]["importlinter"]["contracts"]


def _modules(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_capability_has_only_the_five_layers_at_its_top():
    for capability in _capabilities():
        names = {p.stem for p in (PACKAGE / capability).iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
        allowed = set(LAYERS) | set(ADAPTERS)
        assert names - {"__init__"} <= allowed, f"{capability}: {sorted(names - allowed - {'__init__'})}"
        assert (PACKAGE / capability / "__init__.py").read_text().startswith('"""'), f"{capability} says what it is"


def test_every_capability_is_under_the_import_contracts():
    contracts = _contracts()
    layered = next(c for c in contracts if c["type"] == "layers")
    assert set(layered["containers"]) == {f"smartcommune.{c}" for c in _capabilities()}
    assert layered["layers"] == ["(routes)", "(wiring)", "(storage)", "(engine)", "(logic)", "(contracts)"]
    base = next(c for c in contracts if c.get("source_modules") == ["smartcommune.core"])
    assert {f"smartcommune.{c}" for c in _capabilities()} <= set(base["forbidden_modules"])
    with_storage = {
        c for c in _capabilities() if (PACKAGE / c / "storage").exists() or (PACKAGE / c / "storage.py").exists()
    }
    for capability in _capabilities():
        own = [
            c for c in contracts if c["type"] == "forbidden" and c["source_modules"] == [f"smartcommune.{capability}"]
        ]
        assert own, f"{capability} has no contract keeping it out of other capabilities' storage"
        assert set(own[0]["forbidden_modules"]) == {f"smartcommune.{o}.storage" for o in with_storage - {capability}}


def test_pure_logic_is_kept_off_aws_and_the_environment():
    pure = next(
        c for c in _contracts() if c.get("source_modules") == ["smartcommune.*.logic", "smartcommune.*.contracts"]
    )
    assert {"boto3", "botocore", "pynamodb", "os", "smartcommune.core.table", "smartcommune.core.aws"} <= set(
        pure["forbidden_modules"]
    )


def test_every_route_module_is_served():
    from smartcommune.composition import ROUTE_MODULES

    found = set()
    for capability in _capabilities():
        routes = PACKAGE / capability / "routes"
        if routes.is_dir():
            found |= {f"smartcommune.{capability}.routes.{p.stem}" for p in routes.glob("*.py") if p.stem != "__init__"}
        elif (PACKAGE / capability / "routes.py").is_file():
            found.add(f"smartcommune.{capability}.routes")
    assert found == set(ROUTE_MODULES)


def _docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def test_no_module_is_too_big_to_live_in_without_saying_why():
    too_big = []
    for directory in SOURCE_DIRS:
        for path in [*_modules(ROOT / directory), ROOT / "app.py"]:
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES and LONG_REASON not in _docstring(path):
                too_big.append(f"{path.relative_to(ROOT)} ({lines} lines)")
    assert not too_big, f"split these by sub-topic, or say at the top why not ({LONG_REASON} …): {too_big}"


def test_the_package_list_names_every_package():
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    on_disk = {"smartcommune"} | {
        "smartcommune." + ".".join(p.parent.relative_to(PACKAGE).parts)
        for p in PACKAGE.rglob("__init__.py")
        if p.parent != PACKAGE
    }
    assert on_disk <= listed
