"""``smartcommune audit verify``: check every commune's audit chain (exit 1 if any is broken)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from smartcommune_local.template import REPO_ROOT


def stack_environment() -> dict[str, str]:
    """The environment of the running local stack (from ``<DATA_DIR>/stack.json``), else this process's."""
    data_dir = Path(os.environ.get("DATA_DIR", REPO_ROOT / ".local"))
    stack_file = data_dir / "stack.json"
    env = dict(os.environ)
    if stack_file.exists():
        stack: dict[str, Any] = json.loads(stack_file.read_text(encoding="utf-8"))
        env.update({k: str(v) for k, v in stack.get("env", {}).items()})
    if env.get("SMARTCOMMUNE_AWS_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL"):
        # A local endpoint (moto) accepts any credentials; never fall through to a developer's real ones.
        env.setdefault("AWS_ACCESS_KEY_ID", "local")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    return env


def verify_command(args: argparse.Namespace) -> int:
    """Verify one commune's chain (``--commune``) or all of them; print one line per commune."""
    from smartcommune.audit.wiring import audit_verifier
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.core.wiring import bound_table

    services = Services(Settings.from_env(stack_environment()))
    services.get(bound_table)
    commune: str | None = getattr(args, "commune", None)
    communes = [commune] if commune else services.get(commune_repository).all_ids()
    verifier = services.get(audit_verifier)
    broken = 0
    for commune_id in communes:
        report = verifier.verify(commune_id)
        if report.ok:
            print(f"{commune_id}: OK — {report.entries} entries, head {report.head_seq} {report.head_hash[:16]}…")
        else:
            broken += 1
            print(f"{commune_id}: BROKEN — {report.entries} entries")
            for problem in report.problems:
                print(f"  - {problem}")
    return 1 if broken else 0
