"""Audit entries and each commune's chain head, written in the same transaction as the change they record."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError

from smartcommune.audit.contracts import AuditEntry, AuditPage, AuditRecord
from smartcommune.audit.logic import GENESIS, chain_next
from smartcommune.core.errors import ConflictError
from smartcommune.core.table import MainTable, MergePolicy, commune_pk, transaction

if TYPE_CHECKING:
    from datetime import datetime

    from pynamodb.transactions import TransactWrite

AddWrites = Callable[["TransactWrite"], None]


class AuditEntryItem(MainTable, discriminator="audit_entry"):
    merge = MergePolicy.KEEP

    seq = NumberAttribute()
    at = UTCDateTimeAttribute()
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    action = UnicodeAttribute()
    target = UnicodeAttribute()
    change = UnicodeAttribute()  # JSON {"before": …, "after": …, "request_id": …}
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()


class AuditHeadItem(MainTable, discriminator="audit_head"):
    merge = MergePolicy.KEEP

    seq = NumberAttribute()
    hash = UnicodeAttribute()
    sealed_by = UnicodeAttribute(null=True)  # the commune this one was merged into: its chain takes no more entries


def _partition(commune_id: str) -> str:
    return commune_pk(commune_id, "AUDIT")


def _to_item(entry: AuditEntry) -> AuditEntryItem:
    change = {"before": entry.before, "after": entry.after, "request_id": entry.request_id}
    return AuditEntryItem(
        _partition(entry.commune_id),
        f"E#{entry.seq:012d}",
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_role=str(entry.actor_role),
        action=entry.action,
        target=entry.target,
        change=json.dumps(change, ensure_ascii=False, sort_keys=True, default=str),
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


def _to_entry(commune_id: str, item: AuditEntryItem) -> AuditEntry:
    change: dict[str, Any] = json.loads(item.change)
    return AuditEntry(
        commune_id=commune_id,
        seq=int(item.seq),
        at=item.at,
        actor_id=item.actor_id,
        actor_role=item.actor_role,
        action=item.action,
        target=item.target,
        before=change.get("before"),
        after=change.get("after"),
        request_id=change.get("request_id"),
        prev_hash=item.prev_hash,
        hash=item.hash,
    )


class AuditRepository:
    """Appends to and reads each commune's audit chain."""

    MAX_ATTEMPTS = 12

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def head(self, commune_id: str) -> tuple[int, str] | None:
        try:
            item = AuditHeadItem.get(_partition(commune_id), "HEAD", consistent_read=True)
        except AuditHeadItem.DoesNotExist:
            return None
        return int(item.seq), item.hash

    def sealed_by(self, commune_id: str) -> str | None:
        """The commune a merged commune's chain was sealed for, if it was."""
        try:
            return AuditHeadItem.get(_partition(commune_id), "HEAD", consistent_read=True).sealed_by
        except AuditHeadItem.DoesNotExist:
            return None

    def commit(
        self, commune_id: str, record: AuditRecord, add_writes: AddWrites | None = None, *, seal_for: str | None = None
    ) -> AuditEntry:
        """Write the change (``add_writes`` adds its items) and its audit entry atomically.

        Two staff acting at once race for the next sequence number; the loser re-reads the head and tries
        again. If the change's own condition fails, nothing is written and :class:`ConflictError` is raised.
        ``seal_for`` makes this the chain's last entry (a merger into that commune); a sealed chain refuses more.
        """
        for attempt in range(self.MAX_ATTEMPTS):
            if attempt:
                # Jittered back-off so racing writers stop colliding on the same head.
                time.sleep(random.uniform(0, 0.01 * 2 ** min(attempt, 6)))  # noqa: S311 - jitter, not secrecy
            try:
                current = AuditHeadItem.get(_partition(commune_id), "HEAD", consistent_read=True)
            except AuditHeadItem.DoesNotExist:
                current = None
            if current is not None and current.sealed_by:
                raise ConflictError(
                    f"Xã này đã được sáp nhập vào {current.sealed_by}; vui lòng tải lại trang và thử lại.",
                    f"This commune was merged into {current.sealed_by}; reload the page and try again.",
                )
            prev_seq, prev_hash = (int(current.seq), current.hash) if current is not None else (0, GENESIS)
            entry = chain_next(commune_id, record, self._clock(), prev_seq, prev_hash)
            head = AuditHeadItem(_partition(commune_id), "HEAD", seq=entry.seq, hash=entry.hash, sealed_by=seal_for)
            head_condition = AuditHeadItem.pk.does_not_exist() if prev_seq == 0 else AuditHeadItem.seq == prev_seq
            try:
                with transaction() as tx:
                    tx.save(head, condition=head_condition)
                    tx.save(_to_item(entry), condition=AuditEntryItem.pk.does_not_exist())
                    if add_writes is not None:
                        add_writes(tx)
            except TransactWriteError as exc:
                reasons = exc.cancellation_reasons or []
                chain_lost = any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons[:2])
                if chain_lost:
                    continue
                raise ConflictError(
                    "Dữ liệu vừa được người khác thay đổi, vui lòng tải lại và thử lại.",
                    "The record was changed by someone else; reload and try again.",
                ) from exc
            return entry
        raise ConflictError(
            "Hệ thống đang bận, vui lòng thử lại sau giây lát.",
            "The system is busy; please try again in a moment.",
        )

    def page(self, commune_id: str, before_seq: int | None = None, limit: int = 50) -> AuditPage:
        """Entries newest first; pass ``next_before_seq`` back to get the next page."""
        if before_seq is not None and before_seq <= 1:
            return AuditPage(entries=[])
        condition = (
            AuditEntryItem.sk.between(f"E#{1:012d}", f"E#{before_seq - 1:012d}")
            if before_seq is not None
            else AuditEntryItem.sk.startswith("E#")
        )
        items = list(AuditEntryItem.query(_partition(commune_id), condition, scan_index_forward=False, limit=limit))
        entries = [_to_entry(commune_id, item) for item in items]
        next_before = entries[-1].seq if len(entries) == limit and entries[-1].seq > 1 else None
        return AuditPage(entries=entries, next_before_seq=next_before)

    def all_entries(self, commune_id: str) -> Iterator[AuditEntry]:
        """Every entry in ascending order (for verification; pages through the partition by key)."""
        for item in AuditEntryItem.query(_partition(commune_id), AuditEntryItem.sk.startswith("E#")):
            yield _to_entry(commune_id, item)
