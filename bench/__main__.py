"""``python -m bench [NAME ...]``: run the named benchmarks (all by default) and write their JSON.

Each benchmark runs in a fresh interpreter of its own: one that starts a stack, patches moto or sets endpoint
variables cannot leak any of that into the next one. A failing benchmark does not stop the others; the exit code
says whether all of them wrote their result.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench import registry

OUT_DIR = Path(__file__).resolve().parents[1] / ".bench"


def _run_here(name: str, out: Path) -> None:
    result = registry()[name]()
    path = out / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{path}:\n{json.dumps(result, indent=2, ensure_ascii=False)}", flush=True)


def _run_isolated(name: str, out: Path) -> tuple[int, float]:
    started = time.monotonic()
    command = [sys.executable, "-m", "bench", "--in-process", "--out", str(out), name]
    code = subprocess.run(command, check=False).returncode
    return code, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    benchmarks = registry()
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run SmartCommune benchmarks.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run ({', '.join(benchmarks)})")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where the JSON files go (default .bench/)")
    parser.add_argument("--in-process", action="store_true", help="run in this interpreter (one benchmark)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in benchmarks]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(benchmarks)}")
    args.out.mkdir(parents=True, exist_ok=True)
    names = args.names or list(benchmarks)
    if args.in_process:
        for name in names:
            _run_here(name, args.out)
        return 0
    failed: list[str] = []
    summary: list[str] = []
    for name in names:
        code, seconds = _run_isolated(name, args.out)
        summary.append(f"  {name}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {seconds:.0f} s")
        if code != 0:
            failed.append(name)
    print("benchmarks:\n" + "\n".join(summary))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
