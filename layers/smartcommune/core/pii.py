"""Keyed hashing of personal numbers (phone, CCCD): look-up keys that never hold the number in clear."""

from __future__ import annotations

import hashlib
import hmac


class PiiHasher:
    """Keyed hashing of personal numbers for look-up keys: ``HMAC-SHA256(key, value)`` in hex."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def hash(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()
