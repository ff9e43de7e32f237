"""The import rules every capability shares are generated from the capability list, so none is forgotten."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_pyproject_holds_the_generated_import_contracts_of_every_capability() -> None:
    spec = importlib.util.spec_from_file_location("import_contracts", ROOT / "infra" / "tools" / "import_contracts.py")
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert tool.rewritten(text) == text, "run `python infra/tools/import_contracts.py` and commit pyproject.toml"
    names = {f"{cap} does not touch another capability's storage" for cap in tool.capabilities()}
    assert {"population", "reporting", "province", "water", "site"} <= set(tool.capabilities())
    assert all(name in text for name in names)
