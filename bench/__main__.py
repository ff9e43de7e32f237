"""``python -m bench [NAME ...]``: run the named benchmarks (all by default) and write their JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench import registry

OUT_DIR = Path(__file__).resolve().parents[1] / ".bench"


def main(argv: list[str] | None = None) -> int:
    benchmarks = registry()
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run SmartCommune benchmarks.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run ({', '.join(benchmarks)})")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where the JSON files go (default .bench/)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in benchmarks]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(benchmarks)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or list(benchmarks):
        result = benchmarks[name]()
        path = args.out / f"{name}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{path}:\n{json.dumps(result, indent=2, ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
