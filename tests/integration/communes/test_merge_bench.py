"""``make bench``'s merge benchmark, at a small size: it runs, counts every record before and after by scanning
the table, and reports what the merger did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_merge_benchmark_reports_records_moved_nothing_lost_and_its_calls(tmp_path):
    env = os.environ | {"SMARTCOMMUNE_BENCH_MERGE_SIZE": "40x12x4"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--out", str(tmp_path), "merge"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads((tmp_path / "merge.json").read_text(encoding="utf-8"))
    assert result["lost"] == 0 and result["summary_lost"] == 0
    assert result["moved_by_type"]["citizen"] == 3 * 40 and result["moved_by_type"]["speaker"] == 3 * 4
    assert result["records_moved"] + result["records_kept"] + result["conflicts"] <= result["records_before"]
    assert result["records_after"] >= result["records_before"]  # plus the run record and the merger's audit entries
    assert 0 < result["dynamodb_calls_per_record"] < 0.2
