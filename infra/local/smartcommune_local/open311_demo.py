"""The local stack's Open311 API key for Giao Phong, printed by ``smartcommune up``.

Local only: the key is derived from a fixed string so it is the same on every start and in every checkout
(``docs/open311.md`` shows how to use it). A deployed stack creates its keys with random values instead.
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services

DEMO_COMMUNE = "giao-phong"
DEMO_LABEL = "demo (local stack)"
_SEED = "smartcommune/local/open311-demo-key/giao-phong"


def demo_key() -> str:
    """The fixed demo key (``sc311_demo_…``)."""
    from smartcommune.feedback.storage.open311_keys import KEY_PREFIX

    return f"{KEY_PREFIX}demo_{hashlib.sha256(_SEED.encode()).hexdigest()[:32]}"


def ensure_demo_key(services: Services) -> str:
    """Create the demo key for ``giao-phong`` unless it exists (and is active); return it."""
    from smartcommune.core.errors import ConflictError
    from smartcommune.feedback.wiring import open311_key_repository

    keys = services.get(open311_key_repository)
    raw = demo_key()
    existing = keys.find(raw)
    if existing is not None:
        if not existing.active:
            raise RuntimeError("the local Open311 demo key was revoked; reset the local data to get it back")
        return raw
    with contextlib.suppress(ConflictError):  # created by a concurrent start: the same key, nothing to do
        keys.create(DEMO_COMMUNE, DEMO_LABEL, "local-stack", raw_key=raw)
    return raw
