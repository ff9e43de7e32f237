"""The local stack's province client for Giao Phong's province, printed by ``smartcommune up`` as
``Province API keys: ACCESS_KEY_ID SECRET_ACCESS_KEY``.

Local only: both are derived from a fixed string, so they are the same on every start and in every checkout. A
deployed stack creates clients with random keys (``smartcommune province client create``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services

DEMO_COMMUNE = "giao-phong"
DEMO_LABEL = "demo (local stack)"
_SEED = b"smartcommune/local/province-demo-client/"


def demo_keys(province_id: str) -> tuple[str, str]:
    """The fixed demo pair for ``province_id``: ``SCPK…`` and a 40-character secret."""
    digest = hashlib.sha256(_SEED + province_id.encode()).digest()
    access_key_id = "SCPK" + base64.b32encode(digest[:10]).decode()
    secret = base64.b64encode(hashlib.sha256(digest).digest()[:30]).decode().replace("/", "A").replace("+", "B")
    return access_key_id, secret


def ensure_demo_client(services: Services) -> tuple[str, str]:
    """Create the demo client of Giao Phong's province unless it exists (and is active); return its keys."""
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core.errors import ConflictError
    from smartcommune.province.contracts import NewProvinceClient
    from smartcommune.province.wiring import client_repository, province_clients

    commune = services.get(commune_repository).get(DEMO_COMMUNE)
    if commune is None:
        raise RuntimeError("giao-phong is not seeded: no province to make the demo client for")
    access_key_id, secret = demo_keys(commune.province_id)
    existing = services.get(client_repository).get(access_key_id)
    if existing is not None:
        if not existing.active:
            raise RuntimeError("the local province demo client was revoked; reset the local data to get it back")
        return access_key_id, secret
    with contextlib.suppress(ConflictError):  # made by a concurrent start: the same keys
        services.get(province_clients).create(
            NewProvinceClient(province_id=commune.province_id, label=DEMO_LABEL),
            "local-stack",
            access_key_id=access_key_id,
            secret=secret,
        )
    return access_key_id, secret
