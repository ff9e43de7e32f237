"""``make bench`` (``python -m bench``): each benchmark in its own interpreter; all run; the exit says if one failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _bench(out: Path, *names: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"SMARTCOMMUNE_BENCH_EXTRA_MODULES": "tests.support.bench_probe"}
    env.pop("SMARTCOMMUNE_PROBE_ENDPOINT", None)
    return subprocess.run(
        [sys.executable, "-m", "bench", "--out", str(out), *names],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_what_one_benchmark_leaves_in_its_environment_never_reaches_the_next(tmp_path):
    # Given a benchmark that leaves an endpoint variable behind, run before another one
    result = _bench(tmp_path, "probe_leaky", "probe_clean")
    # Then both wrote their results, and the second ran in another process that never saw the variable
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "probe_leaky.json").read_text()) == {"set": True}
    clean = json.loads((tmp_path / "probe_clean.json").read_text())
    assert clean["endpoint_seen"] is None
    assert clean["pid"] != os.getpid()


def test_a_failing_benchmark_does_not_stop_the_others_but_fails_the_run(tmp_path):
    result = _bench(tmp_path, "probe_broken", "probe_clean")
    assert result.returncode == 1
    assert (tmp_path / "probe_clean.json").is_file()
    assert not (tmp_path / "probe_broken.json").exists()
    assert "probe_broken: FAILED" in result.stdout
    assert "probe_clean: ok" in result.stdout
