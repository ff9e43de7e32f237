"""Benchmarks that only exist for the tests of ``python -m bench`` (registered through the extra-modules variable)."""

from __future__ import annotations

import os
from typing import Any

from bench import benchmark


@benchmark("probe_leaky")
def probe_leaky() -> dict[str, Any]:
    """Leaves an endpoint variable behind, as a benchmark that starts its own stack does."""
    os.environ["SMARTCOMMUNE_PROBE_ENDPOINT"] = "http://127.0.0.1:1"
    return {"set": True}


@benchmark("probe_broken")
def probe_broken() -> dict[str, Any]:
    raise RuntimeError("this benchmark fails on purpose")


@benchmark("probe_clean")
def probe_clean() -> dict[str, Any]:
    return {"endpoint_seen": os.environ.get("SMARTCOMMUNE_PROBE_ENDPOINT"), "pid": os.getpid()}
