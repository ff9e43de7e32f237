"""Staff password hashes: ``hashlib.scrypt`` with a random salt, checked in constant time.

Its own room because the hash format (``scrypt$n$r$p$salt$hash``) is a stored format that outlives any one version of
the sign-in flow, and is tested on its own. Each hash names its own cost, so raising the cost never breaks an old
hash: it still verifies with the parameters stored with it, and :func:`needs_rehash` tells sign-in to store a new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ScryptCost:
    """scrypt's work factors. The default is OWASP's minimum for scrypt: N=2^17, r=8, p=1 (128 MiB, ~0.4 s)."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        """The memory scrypt needs (128·r·N bytes for its table, plus 128·r·p for its blocks) and 1 MiB of slack.

        ``hashlib.scrypt`` refuses more than 32 MiB unless told, and N=2^17 with r=8 needs 128 MiB.
        """
        return 128 * self.r * (self.n + self.p) + 2**20


PRODUCTION_COST = ScryptCost()
# Hashes made before issue 8 (2^14 needs 16 MiB); they still verify and are upgraded on the next sign-in.
LEGACY_COST = ScryptCost(n=2**14)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str, *, salt: bytes | None = None, cost: ScryptCost = PRODUCTION_COST) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64 parts), so the cost can be raised later without breaking old hashes."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=cost.n, r=cost.r, p=cost.p, maxmem=cost.maxmem, dklen=32)
    return f"scrypt${cost.n}${cost.r}${cost.p}${_b64(salt)}${_b64(digest)}"


def stored_cost(stored: str) -> ScryptCost | None:
    """The cost a stored hash was made with, or ``None`` if it is not one of ours."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        return ScryptCost(n=int(parts[1]), r=int(parts[2]), p=int(parts[3]))
    except ValueError:
        return None


def needs_rehash(stored: str, cost: ScryptCost) -> bool:
    """Whether ``stored`` is weaker than ``cost`` in any factor (or not ours): sign-in should store a new hash."""
    have = stored_cost(stored)
    return have is None or have.n < cost.n or have.r < cost.r or have.p < cost.p


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``, compared in constant time, with the cost stored in the hash."""
    cost = stored_cost(stored)
    if cost is None:
        return False
    try:
        _, _, _, _, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=cost.n,
            r=cost.r,
            p=cost.p,
            maxmem=cost.maxmem,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


@lru_cache(maxsize=4)
def dummy_hash(cost: ScryptCost) -> str:
    """A hash of no one's password at ``cost``, checked when there is no real one, so that costs the same time.

    Made on first use, not at import: at production cost it takes as long as a sign-in, and every cold start of the
    API would pay it.
    """
    return hash_password("not-a-real-password", salt=b"\0" * 16, cost=cost)
