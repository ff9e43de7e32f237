"""Session tokens: how one is made, what its prefix names, and the hash that is stored instead of it.

Its own room because the token's shape is a small format of its own (the prefix names the account, the rest is
random), independent of how anyone signs in.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Literal


def new_token(kind: Literal["citizen", "staff"] = "citizen", commune_id: str = "", subject_id: str = "") -> str:
    """A session token: ``<c|s>.<commune>.<subject>.<32 random bytes, URL-safe base64>``.

    The prefix names the account, which is no secret; it lets
    :meth:`~smartcommune.identity.logic.service.IdentityService.authenticate` read the session and the account in one
    request. Only the whole token's hash finds the session, so the prefix grants nothing.
    """
    return f"{kind[0]}.{commune_id}.{subject_id}.{secrets.token_urlsafe(32)}"


def parse_token(token: str) -> tuple[Literal["citizen", "staff"], str, str] | None:
    """``(kind, commune_id, subject_id)`` named by a token's prefix, or ``None`` if it has none."""
    parts = token.split(".", 3)
    if len(parts) != 4 or parts[0] not in ("c", "s") or not parts[1] or not parts[2] or not parts[3]:
        return None
    return ("citizen" if parts[0] == "c" else "staff"), parts[1], parts[2]


def token_hash(token: str) -> str:
    """What is stored for a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
