"""Benchmarks: ``python -m bench [NAME ...]`` (``make bench``) writes ``.bench/<name>.json`` per benchmark.

A benchmark is a function that returns a JSON-able dict, registered with :func:`benchmark` in a module listed
in :data:`MODULES`. Add a module, list it, and ``make bench`` runs it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any, Final

Benchmark = Callable[[], dict[str, Any]]

MODULES: Final[tuple[str, ...]] = (
    "bench.coldstart",
    "bench.dynamodb_calls",
    "bench.feedback",
    "bench.broadcast",
    "bench.broadcast_province",
    "bench.merge",
    "bench.payments",
    "bench.booking",
    "bench.vision",
    "bench.dashboard",
)

_registry: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    """Register the decorated function as the benchmark ``name`` (its result goes to ``.bench/<name>.json``)."""

    def register(function: Benchmark) -> Benchmark:
        if name in _registry and _registry[name] is not function:
            raise ValueError(f"benchmark {name!r} is registered twice")
        _registry[name] = function
        return function

    return register


EXTRA_MODULES_VARIABLE: Final = "SMARTCOMMUNE_BENCH_EXTRA_MODULES"
"""Comma-separated modules to register besides :data:`MODULES` (the tests of ``python -m bench`` use it)."""


def registry() -> dict[str, Benchmark]:
    """Every benchmark, by name, after importing :data:`MODULES` (and any named by the extra-modules variable)."""
    extra = [m.strip() for m in os.environ.get(EXTRA_MODULES_VARIABLE, "").split(",") if m.strip()]
    for module in (*MODULES, *extra):
        importlib.import_module(module)
    return dict(_registry)
