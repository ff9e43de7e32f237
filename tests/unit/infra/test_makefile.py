"""Every README command bootstraps what it needs on a fresh machine: the Debian packages too, not only ``make test``."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _prerequisites() -> dict[str, set[str]]:
    rules: dict[str, set[str]] = {}
    for line in (ROOT / "Makefile").read_text().splitlines():
        match = re.match(r"^([a-z][a-z-]*):(?!=)\s*(.*)$", line)
        if match:
            rules[match[1]] = set(match[2].split())
    return rules


def test_up_bench_package_and_test_install_the_debian_packages_and_the_venv():
    rules = _prerequisites()
    for target in ("up", "bench", "package", "test"):
        assert "debian" in rules[target], f"make {target} must install the Debian packages it uses"
        assert "$(STAMP)" in rules[target], f"make {target} must set up the virtual env"


def test_the_bootstrap_installs_every_debian_package_the_platform_runs_against():
    makefile = (ROOT / "Makefile").read_text()
    packages = set(re.search(r"^DEBIAN_PACKAGES := (.*)$", makefile, re.M)[1].split())  # type: ignore[index]
    assert {"mosquitto", "espeak-ng", "lame", "chromium"} <= packages
    assert "infra/bootstrap-debian.sh $(DEBIAN_PACKAGES)" in makefile
