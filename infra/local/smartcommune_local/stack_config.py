"""Where the local stack listens and keeps its data, and what a running stack tells other commands about itself."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smartcommune_local.template import REPO_ROOT

HOST = "127.0.0.1"


@dataclass(frozen=True)
class StackConfig:
    """Where the stack listens and keeps its data (from ``PORT``, ``WEB_PORT``, ``SMARTCOMMUNE_MOTO_PORT``,
    ``SMARTCOMMUNE_MQTT_PORT``, ``DATA_DIR``)."""

    api_port: int = 8000
    web_port: int = 8080
    moto_port: int = 4566
    mqtt_port: int = 1883
    data_dir: Path = REPO_ROOT / ".local"
    host: str = HOST

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> StackConfig:
        source = os.environ if env is None else env
        return cls(
            api_port=int(source.get("PORT") or 8000),
            web_port=int(source.get("WEB_PORT") or 8080),
            moto_port=int(source.get("SMARTCOMMUNE_MOTO_PORT") or 4566),
            mqtt_port=int(source.get("SMARTCOMMUNE_MQTT_PORT") or 1883),
            data_dir=Path(source.get("DATA_DIR") or REPO_ROOT / ".local").resolve(),
        )

    @property
    def moto_url(self) -> str:
        return f"http://{self.host}:{self.moto_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def outbox_path(self) -> Path:
        return self.data_dir / "outbox" / "sms.jsonl"

    @property
    def stack_file(self) -> Path:
        return self.data_dir / "stack.json"


def read_stack_file(data_dir: Path) -> dict[str, Any] | None:
    """What a running stack wrote to ``<DATA_DIR>/stack.json``; ``None`` when no stack runs there."""
    path = Path(data_dir) / "stack.json"
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        os.kill(int(info["pid"]), 0)
    except (OSError, KeyError, ValueError):
        return None  # left behind by a stack that died
    return info


def demo_cache_dir() -> Path:
    """Where the seeded demo data is kept for the current code (``.local/cache/demo-<fingerprint>``).

    The fingerprint covers everything that decides what seeding writes (the shared package, the demo data and the
    template), so changing any of it seeds afresh; ``smartcommune reset`` keeps the cache (it wipes DATA_DIR).
    """
    import hashlib

    digest = hashlib.sha256()
    sources = sorted((REPO_ROOT / "layers" / "smartcommune").rglob("*.py"))
    sources += [*sorted(Path(__file__).parent.glob("demo_*.py")), REPO_ROOT / "template.yaml"]
    for path in sources:
        digest.update(path.relative_to(REPO_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return REPO_ROOT / ".local" / "cache" / f"demo-{digest.hexdigest()[:16]}"
