"""Development dependencies that the repository's own code depends on exactly."""

from __future__ import annotations

import tomllib
from importlib.metadata import version

from packaging.requirements import Requirement

from smartcommune_local.template import REPO_ROOT


def _dev_requirements() -> dict[str, Requirement]:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [Requirement(r) for r in pyproject["project"]["optional-dependencies"]["dev"]]
    return {r.name: r for r in requirements}


def test_moto_is_pinned_to_the_version_its_local_patch_was_written_for():
    # smartcommune_local/moto_patches.py patches moto's DynamoDB internals: another moto may silently undo it
    moto = _dev_requirements()["moto"]
    (spec,) = moto.specifier
    assert spec.operator == "==" and "server" in moto.extras
    assert version("moto") == spec.version


def test_the_cap_schema_validator_is_a_dev_dependency():
    assert "xmlschema" in _dev_requirements()
    assert (REPO_ROOT / "docs" / "schemas" / "CAP-v1.2.xsd").is_file()
