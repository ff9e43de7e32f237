"""Feedback in the main table: the repository. Its writes are here; its reads are in :mod:`.reads`, and the items
and their keys in :mod:`.items`.

Every read is by key or by index (never a scan), at most three calls a request. The citizen's and the public copies
are whole documents written in the same transaction as the record; the public copy is built from
:class:`~smartcommune.feedback.contracts.views.PublicFeedback` and so holds no personal data.
"""

from __future__ import annotations

import json
import random
import time
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.operand import Path

from smartcommune.core.errors import ConflictError
from smartcommune.core.table import commune_pk, transaction
from smartcommune.feedback.contracts.records import OPEN_STATUSES
from smartcommune.feedback.storage.items import (
    FeedbackCommentItem,
    FeedbackCopyItem,
    FeedbackFieldsItem,
    FeedbackItem,
    FeedbackOpenItem,
    FeedbackStatsItem,
    IdempotencyItem,
    feedback_pk,
    open_pk,
    stats_pk,
    utc_text,
)
from smartcommune.feedback.storage.reads import FeedbackReads

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal
    from smartcommune.feedback.contracts.records import Comment, Feedback, FeedbackField
    from smartcommune.feedback.contracts.views import PublicFeedback
    from smartcommune.feedback.logic.codes import IdempotencyRecord
    from smartcommune.feedback.logic.counters import CounterDeltas

IDEMPOTENCY_TTL_S = 7 * 24 * 3600
TX_ATTEMPTS = 6


def _order(feedback: Feedback) -> str:
    return f"{utc_text(feedback.created_at)}#{feedback.id}"


def _main(feedback: Feedback) -> FeedbackItem:
    c = feedback.commune_id
    return FeedbackItem(
        feedback_pk(c, feedback.id),
        "FB",
        gsi1pk=commune_pk(c, "FB"),
        gsi1sk=_order(feedback),
        gsi2pk=commune_pk(c, "FBU", feedback.unit.value),
        gsi2sk=_order(feedback),
        document=feedback.model_dump_json(),
        status=feedback.status,
        field_code=feedback.field_code,
        hamlet_id=feedback.hamlet_id,
        unit=feedback.unit.value,
        deadline=utc_text(feedback.deadline_at),
        citizen_id=feedback.citizen_id,
        version=feedback.version,
    )


def _citizen_copy(feedback: Feedback) -> FeedbackCopyItem:
    assert feedback.citizen_id is not None
    c = feedback.commune_id
    return FeedbackCopyItem(
        feedback_pk(c, feedback.id),
        "CITIZEN",
        gsi1pk=commune_pk(c, "CIT", feedback.citizen_id, "FB"),
        gsi1sk=_order(feedback),
        document=feedback.model_dump_json(),
    )


def _public_copy(commune_id: str, public: PublicFeedback, search: str) -> FeedbackCopyItem:
    return FeedbackCopyItem(
        feedback_pk(commune_id, public.id),
        "PUBLIC",
        gsi1pk=commune_pk(commune_id, "FBPUB"),
        gsi1sk=f"{utc_text(public.published_at or public.created_at)}#{public.id}",
        document=public.model_dump_json(),
        field_code=public.field_code,
        hamlet_id=public.hamlet_id,
        search=search,
    )


def _marker(feedback: Feedback) -> FeedbackOpenItem:
    return FeedbackOpenItem(
        open_pk(feedback.commune_id), f"{utc_text(feedback.deadline_at)}#{feedback.id}", unit=feedback.unit.value
    )


def _counter_writes(tx: TransactWrite, commune_id: str, deltas: CounterDeltas) -> None:
    """ADD the deltas to the day items and the totals item (created on first use)."""
    pk = stats_pk(commune_id)
    targets = [(f"D#{day.isoformat()}", counters) for day, counters in sorted(deltas.days.items())]
    if deltas.totals:
        targets.append(("TOTAL", deltas.totals))
    for sk, counters in targets:
        actions: list[Any] = [Path("type").set("feedback_stats")]
        actions += [Path(name).add(value) for name, value in sorted(counters.items())]
        tx.update(FeedbackStatsItem(pk, sk), actions=actions)


def _reasons(exc: TransactWriteError) -> list[str | None]:
    return [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]


class FeedbackRepository(FeedbackReads):
    """Implements ``smartcommune.feedback.logic.ports.FeedbackStore`` on the main table."""

    def __init__(self, audit: AuditJournal) -> None:
        self._audit = audit

    # ------------------------------------------------------------ writes

    def _transact(self, writes: Any) -> None:
        """A plain transaction, retried when it only lost a race with another transaction on a counter."""
        for attempt in range(TX_ATTEMPTS):
            try:
                with transaction() as tx:
                    writes(tx)
                return
            except TransactWriteError as exc:
                reasons = _reasons(exc)
                if (
                    attempt + 1 < TX_ATTEMPTS
                    and "TransactionConflict" in reasons
                    and "ConditionalCheckFailed" not in reasons
                ):
                    time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 - jitter
                    continue
                raise

    def _commit(self, commune_id: str, writes: Any, audit: AuditRecord | None) -> None:
        if audit is not None:
            self._audit.commit(commune_id, audit, add_writes=writes)
            return
        try:
            self._transact(writes)
        except TransactWriteError as exc:
            raise ConflictError(
                "Phản ánh vừa được người khác cập nhật; vui lòng tải lại và thử lại.",
                "The feedback was changed by someone else; reload and try again.",
            ) from exc

    def create(
        self,
        feedback: Feedback,
        deltas: CounterDeltas,
        idempotency: IdempotencyRecord | None,
        search: str,
        audit: AuditRecord | None = None,
    ) -> bool:
        c = feedback.commune_id

        def writes(tx: TransactWrite) -> None:
            tx.save(_main(feedback), condition=FeedbackItem.pk.does_not_exist())
            if feedback.citizen_id:
                tx.save(_citizen_copy(feedback))
            tx.save(_marker(feedback))
            if idempotency is not None:
                tx.save(
                    IdempotencyItem(
                        commune_pk(c, "IDEMP", idempotency.owner, idempotency.key),
                        "IDEMP",
                        feedback_id=feedback.id,
                        fingerprint=idempotency.fingerprint,
                        body=idempotency.body,
                        expires_at=int(feedback.created_at.timestamp()) + IDEMPOTENCY_TTL_S,
                    ),
                    condition=IdempotencyItem.pk.does_not_exist(),
                )
            _counter_writes(tx, c, deltas)

        if audit is not None:
            return self._create_audited(c, writes, audit, idempotency)
        try:
            self._transact(writes)
        except TransactWriteError as exc:
            reasons = _reasons(exc)
            slot = 3 if feedback.citizen_id else 2
            if idempotency is not None and len(reasons) > slot and reasons[slot] == "ConditionalCheckFailed":
                return False
            raise ConflictError(
                "Không lưu được phản ánh do hệ thống đang bận; vui lòng gửi lại.",
                "The feedback could not be stored (system busy); please send it again.",
            ) from exc
        return True

    def _create_audited(
        self, commune_id: str, writes: Any, audit: AuditRecord, idempotency: IdempotencyRecord | None
    ) -> bool:
        """The new item and its audit entry in one transaction; ``False`` if a concurrent retry took the key."""
        for attempt in range(TX_ATTEMPTS):
            try:
                self._audit.commit(commune_id, audit, add_writes=writes)
                return True
            except ConflictError as exc:
                if idempotency is not None and self.idempotent(commune_id, idempotency.owner, idempotency.key):
                    return False
                cause = exc.__cause__
                reasons = _reasons(cause) if isinstance(cause, TransactWriteError) else []
                if attempt + 1 < TX_ATTEMPTS and "TransactionConflict" in reasons:
                    time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 - jitter
                    continue
                raise ConflictError(
                    "Không lưu được phản ánh do hệ thống đang bận; vui lòng gửi lại.",
                    "The feedback could not be stored (system busy); please send it again.",
                ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def update(
        self,
        before: Feedback,
        after: Feedback,
        deltas: CounterDeltas,
        *,
        audit: AuditRecord | None,
        public: PublicFeedback | None,
        search: str,
    ) -> None:
        c = before.commune_id

        def writes(tx: TransactWrite) -> None:
            tx.save(_main(after), condition=FeedbackItem.version == before.version)
            if after.citizen_id:
                tx.save(_citizen_copy(after))
            if public is not None:
                tx.save(_public_copy(c, public, search))
            was_open, is_open = before.status in OPEN_STATUSES, after.status in OPEN_STATUSES
            if was_open and not is_open:
                tx.delete(_marker(before))
            elif is_open and (after.unit != before.unit or after.deadline_at != before.deadline_at):
                if after.deadline_at != before.deadline_at:
                    tx.delete(_marker(before))
                tx.save(_marker(after))
            _counter_writes(tx, c, deltas)

        self._commit(c, writes, audit)

    def add_comment(self, comment: Comment, audit: AuditRecord | None) -> None:
        item = FeedbackCommentItem(
            feedback_pk(comment.commune_id, comment.feedback_id), f"CM#{comment.id}", document=comment.model_dump_json()
        )

        def writes(tx: TransactWrite) -> None:
            tx.condition_check(
                FeedbackItem,
                feedback_pk(comment.commune_id, comment.feedback_id),
                "FB",
                condition=FeedbackItem.pk.exists(),
            )
            tx.save(item, condition=FeedbackCommentItem.pk.does_not_exist())

        self._commit(comment.commune_id, writes, audit)

    def set_comment(self, comment: Comment, audit: AuditRecord) -> None:
        item = FeedbackCommentItem(
            feedback_pk(comment.commune_id, comment.feedback_id), f"CM#{comment.id}", document=comment.model_dump_json()
        )
        self._commit(comment.commune_id, lambda tx: tx.save(item, condition=FeedbackCommentItem.pk.exists()), audit)

    def save_fields(self, commune_id: str, fields: list[FeedbackField], audit: AuditRecord) -> None:
        document = json.dumps([f.model_dump(mode="json") for f in fields], ensure_ascii=False)
        item = FeedbackFieldsItem(commune_pk(commune_id, "FBFIELDS"), "FIELDS", document=document)
        self._commit(commune_id, lambda tx: tx.save(item), audit)

    def next_number(self, commune_id: str, year: int) -> int:
        response = self._connection().update_item(
            commune_pk(commune_id, "FBSEQ"),
            f"Y#{year}",
            actions=[Path("seq").add(1), Path("type").set("feedback_seq"), Path("TENANT").set(commune_id)],
            return_values="UPDATED_NEW",
        )
        return int(response["Attributes"]["seq"]["N"])

    def import_many(self, rows: list[tuple[Feedback, str, PublicFeedback | None]], deltas: CounterDeltas) -> None:
        """Bulk seeding: batch writes of records and their copies, then one ADD per counter item (no transactions)."""
        with FeedbackItem.batch_write() as batch:
            for feedback, search, public in rows:
                batch.save(_main(feedback))
                if feedback.citizen_id:
                    batch.save(_citizen_copy(feedback))
                if public is not None:
                    batch.save(_public_copy(feedback.commune_id, public, search))
                if feedback.status in OPEN_STATUSES:
                    batch.save(_marker(feedback))
        if not rows:
            return
        c = rows[0][0].commune_id
        targets = [(f"D#{d.isoformat()}", counters) for d, counters in deltas.days.items()]
        targets.append(("TOTAL", deltas.totals))
        for sk, counters in targets:
            actions: list[Any] = [Path("type").set("feedback_stats"), Path("TENANT").set(c)]
            actions += [Path(name).add(value) for name, value in counters.items()]
            self._connection().update_item(stats_pk(c), sk, actions=actions)
