"""The audit hash chain: how an entry's hash is computed and how a chain is verified.

Each entry's hash covers its content and the previous entry's hash, so editing or deleting any entry breaks
every link after it; the head item (last sequence number and hash) catches a deleted tail, and anchors kept
outside the table (S3 with Object Lock) catch a chain rewritten end to end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from smartcommune.audit.contracts import AuditEntry, AuditRecord, ChainReport
from smartcommune.core.contracts import Role

GENESIS = "0" * 64


def canonical(payload: dict[str, Any]) -> bytes:
    """The one byte encoding hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def entry_hash(commune_id: str, seq: int, at: datetime, prev_hash: str, record: AuditRecord) -> str:
    """SHA-256 over everything an entry says, including the hash of the entry before it."""
    payload = record.model_dump(mode="json")
    payload.update(commune_id=commune_id, seq=seq, at=at.isoformat(), prev_hash=prev_hash)
    return hashlib.sha256(canonical(payload)).hexdigest()


def chain_next(commune_id: str, record: AuditRecord, at: datetime, prev_seq: int, prev_hash: str) -> AuditEntry:
    """The entry that follows ``prev_seq``/``prev_hash`` in a commune's chain."""
    seq = prev_seq + 1
    digest = entry_hash(commune_id, seq, at, prev_hash, record)
    return AuditEntry(**record.model_dump(), commune_id=commune_id, seq=seq, at=at, prev_hash=prev_hash, hash=digest)


def verify_chain(
    commune_id: str,
    entries: Iterable[AuditEntry],
    head: tuple[int, str] | None,
    anchors: Iterable[tuple[int, str]] = (),
) -> ChainReport:
    """Check a commune's entries (in ascending ``seq``) against each other, the head and the anchors."""
    problems: list[str] = []
    expected_seq, prev_hash = 1, GENESIS
    hashes: dict[int, str] = {}
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (next found is {entry.seq})")
        if entry.prev_hash != prev_hash:
            problems.append(f"entry {entry.seq} does not link to the entry before it")
        record = AuditRecord.model_validate(entry.model_dump(include=set(AuditRecord.model_fields)))
        if entry_hash(commune_id, entry.seq, entry.at, entry.prev_hash, record) != entry.hash:
            problems.append(f"entry {entry.seq} was changed after it was written")
        hashes[entry.seq] = entry.hash
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    last_seq = expected_seq - 1
    head_seq, head_hash = head if head is not None else (0, GENESIS)
    if (head_seq, head_hash) != (last_seq, prev_hash):
        problems.append(f"the chain ends at entry {last_seq} but its head says {head_seq}: entries were removed")
    for seq, digest in anchors:
        if hashes.get(seq) != digest:
            problems.append(f"entry {seq} differs from the copy anchored outside the table")
    return ChainReport(
        commune_id=commune_id,
        ok=not problems,
        entries=count,
        head_seq=head_seq,
        head_hash=head_hash,
        problems=problems,
    )


class AuditJournal(Protocol):
    """Where a change and its audit entry are committed in one transaction (``audit.storage.journal``).

    Other capabilities' storage adapters receive it from ``audit.wiring.audit_repository``. ``add_writes`` gets the
    transaction (a pynamodb ``TransactWrite``) to add the change's own writes to; if any of their conditions fails,
    nothing at all is written and ``ConflictError`` is raised.
    """

    def commit(self, commune_id: str, record: AuditRecord, add_writes: Callable[[Any], None] | None = None) -> Any: ...


class ChainSource(Protocol):
    """Where a commune's chain is read from (the audit repository)."""

    def all_entries(self, commune_id: str) -> Iterable[AuditEntry]: ...

    def head(self, commune_id: str) -> tuple[int, str] | None: ...


class AnchorSink(Protocol):
    """Where chain heads are anchored outside the table."""

    def put(self, commune_id: str, day: str, seq: int, digest: str) -> None: ...

    def all(self, commune_id: str) -> list[tuple[int, str]]: ...


class AuditVerifier:
    """Verifies chains against their heads and anchors, and anchors heads that verified."""

    def __init__(self, chains: ChainSource, anchors: AnchorSink) -> None:
        self._chains = chains
        self._anchors = anchors

    def verify(self, commune_id: str) -> ChainReport:
        return verify_chain(
            commune_id,
            self._chains.all_entries(commune_id),
            self._chains.head(commune_id),
            self._anchors.all(commune_id),
        )

    def verify_and_anchor(self, commune_id: str, day: str) -> ChainReport:
        """Verify, and only if the chain is intact, anchor its head for ``day`` (an edited chain is never anchored)."""
        report = self.verify(commune_id)
        if report.ok and report.head_seq > 0:
            self._anchors.put(commune_id, day, report.head_seq, report.head_hash)
        return report


# ---------------------------------------------------------------- commune mergers

MERGER_ACTOR = "system:merger"


class SealableJournal(Protocol):
    def commit(
        self, commune_id: str, record: AuditRecord, add_writes: Any = None, *, seal_for: str | None = None
    ) -> Any: ...

    def sealed_by(self, commune_id: str) -> str | None: ...

    def head(self, commune_id: str) -> tuple[int, str] | None: ...

    def page(self, commune_id: str, before_seq: int | None = None, limit: int = 50) -> Any: ...


class ChainSealer:
    """A merger on the audit record: each old chain sealed and anchored, the new chain naming the sealed heads.

    Nothing already written changes: a sealed chain still verifies on its own, and the new chain's entry holds
    the hashes it continues from. Both steps are idempotent (a resumed merger repeats them harmlessly).
    """

    def __init__(self, journal: SealableJournal, verifier: AuditVerifier, today: Callable[[], str]) -> None:
        self._journal = journal
        self._verifier = verifier
        self._today = today

    def seal(self, old: str, new: str, effective: str) -> str:
        if self._journal.sealed_by(old) != new:
            self._journal.commit(
                old,
                AuditRecord(
                    actor_id=MERGER_ACTOR,
                    actor_role=Role.ADMIN,
                    action="commune.merged_into",
                    target=f"commune/{new}",
                    after={"merged_into": new, "effective": effective},
                ),
                seal_for=new,
            )
        report = self._verifier.verify_and_anchor(old, self._today())
        if not report.ok:
            raise ValueError(f"the audit chain of {old} does not verify: {report.problems[:3]}")
        return report.head_hash

    def record_merger(self, new: str, sealed: dict[str, str], effective: str) -> None:
        after = {"predecessors": dict(sorted(sealed.items())), "effective": effective}
        recent = self._journal.page(new, limit=20).entries
        if any(e.action == "commune.merged_from" and e.after == after for e in recent):
            return
        self._journal.commit(
            new,
            AuditRecord(
                actor_id=MERGER_ACTOR,
                actor_role=Role.ADMIN,
                action="commune.merged_from",
                target=f"commune/{new}",
                after=after,
            ),
        )
