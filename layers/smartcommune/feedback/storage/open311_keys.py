"""Open311 API keys: only their sha256 is stored, per commune, plus a deployment-wide look-up by hash.

=================  ===========================================  =======  ======================================
item               PK                                           SK       GSI1 (the commune's key registry)
=================  ===========================================  =======  ======================================
key                ``C#<commune>#OPEN311KEY#<sha256>``          KEY      ``C#<commune>#OPEN311KEYS`` / created
key look-up        ``OPEN311KEY#<sha256>``                      LOOKUP   -
=================  ===========================================  =======  ======================================

A POST carries only the key, so the look-up item (outside any commune's partition) names the commune; it
repeats ``revoked_at`` so verifying a key is one consistent read. Both items are written, and revoked, in one
transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError

from smartcommune.core.errors import ConflictError, NotFoundError
from smartcommune.core.table import MainTable, MergePolicy, commune_pk, transaction
from smartcommune.feedback.logic.open311 import ApiKey, key_hash

if TYPE_CHECKING:
    from collections.abc import Callable

KEY_PREFIX = "sc311_"


class Open311KeyItem(MainTable, discriminator="open311_key"):
    merge = MergePolicy.MOVE

    key_id = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    label = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)


class Open311KeyLookupItem(MainTable, discriminator="open311_key_lookup"):
    merge = MergePolicy.MOVE

    key_id = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    label = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)


def _key_pk(commune_id: str, digest: str) -> str:
    return commune_pk(commune_id, "OPEN311KEY", digest)


def _lookup_pk(digest: str) -> str:
    return f"OPEN311KEY#{digest}"


def _registry_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "OPEN311KEYS")


def _record(item: Open311KeyItem | Open311KeyLookupItem) -> ApiKey:
    return ApiKey(
        key_id=item.key_id,
        commune_id=item.commune_id,
        label=item.label,
        created_at=item.created_at,
        created_by=item.created_by,
        revoked_at=item.revoked_at,
    )


def new_raw_key() -> str:
    """A fresh random key (256 bits), shown once to whoever creates it."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


class Open311KeyRepository:
    """Create, verify, list and revoke Open311 API keys; implements ``domain.open311.ApiKeyStore``."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def create(self, commune_id: str, label: str, created_by: str, raw_key: str | None = None) -> tuple[str, ApiKey]:
        """Store a key for ``commune_id``; returns ``(raw_key, record)`` — the raw key is not kept anywhere.

        ``raw_key`` may be given (the local demo key); a key that already exists is a conflict.
        """
        raw = raw_key or new_raw_key()
        digest = key_hash(raw)
        record = ApiKey(
            key_id=digest[:16], commune_id=commune_id, label=label, created_at=self._clock(), created_by=created_by
        )
        key = Open311KeyItem(
            _key_pk(commune_id, digest),
            "KEY",
            gsi1pk=_registry_pk(commune_id),
            gsi1sk=f"{record.created_at.isoformat()}#{record.key_id}",
            key_id=record.key_id,
            commune_id=commune_id,
            label=label,
            created_by=created_by,
            created_at=record.created_at,
        )
        lookup = Open311KeyLookupItem(
            _lookup_pk(digest),
            "LOOKUP",
            key_id=record.key_id,
            commune_id=commune_id,
            tenant=commune_id,  # a global key, but a merger must find and re-point it
            label=label,
            created_by=created_by,
            created_at=record.created_at,
        )
        try:
            with transaction() as tx:
                tx.save(key, condition=Open311KeyItem.pk.does_not_exist())
                tx.save(lookup, condition=Open311KeyLookupItem.pk.does_not_exist())
        except TransactWriteError as exc:
            raise ConflictError("Khóa API này đã tồn tại.", "This API key already exists.") from exc
        return raw, record

    def find(self, raw_key: str) -> ApiKey | None:
        """The key's record, revoked or not; ``None`` if no such key was ever created."""
        try:
            item = Open311KeyLookupItem.get(_lookup_pk(key_hash(raw_key)), "LOOKUP", consistent_read=True)
        except Open311KeyLookupItem.DoesNotExist:
            return None
        return _record(item)

    def verify(self, raw_key: str) -> ApiKey | None:
        """The active key ``raw_key`` is, or ``None`` (unknown or revoked): one key read."""
        if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 200:
            return None
        record = self.find(raw_key)
        return record if record is not None and record.active else None

    def list(self, commune_id: str) -> list[ApiKey]:
        """The commune's keys (the registry), oldest first; hashes and raw keys are never returned."""
        return [
            _record(item)
            for item in Open311KeyItem.gsi1.query(_registry_pk(commune_id))
            if isinstance(item, Open311KeyItem)
        ]

    def revoke(self, commune_id: str, key_id: str) -> ApiKey:
        """Stop a key working at once (both items, one transaction); revoking twice is harmless."""
        item = next(
            (
                i
                for i in Open311KeyItem.gsi1.query(_registry_pk(commune_id))
                if isinstance(i, Open311KeyItem) and i.key_id == key_id
            ),
            None,
        )
        if item is None:
            raise NotFoundError("Không tìm thấy khóa API.", "No such API key.")
        record = _record(item)
        if record.revoked_at is not None:
            return record
        now = self._clock()
        digest = item.pk.rsplit("#", 1)[1]
        with transaction() as tx:
            tx.update(
                Open311KeyItem(item.pk, "KEY"),
                actions=[Open311KeyItem.revoked_at.set(now)],
                condition=Open311KeyItem.pk.exists(),
            )
            tx.update(
                Open311KeyLookupItem(_lookup_pk(digest), "LOOKUP"),
                actions=[Open311KeyLookupItem.revoked_at.set(now)],
                condition=Open311KeyLookupItem.pk.exists(),
            )
        return replace(record, revoked_at=now)
