"""Feedback in the main table: every read is by key or by index (never a scan), at most three calls a request.

==================  ===============================  ==================  ====================================
item                PK                               SK                  index
==================  ===============================  ==================  ====================================
feedback            ``C#<c>#FB#<id>``                ``FB``              GSI1 ``C#<c>#FB`` / created#id;
                                                                         GSI2 ``C#<c>#FBU#<unit>`` / same
citizen's copy      ``C#<c>#FB#<id>``                ``CITIZEN``         GSI1 ``C#<c>#CIT#<citizen>#FB``
public copy         ``C#<c>#FB#<id>``                ``PUBLIC``          GSI1 ``C#<c>#FBPUB`` / published#id
comment             ``C#<c>#FB#<id>``                ``CM#<comment>``    -
open marker         ``C#<c>#FBOPEN``                 ``<deadline>#<id>``  -
idempotency         ``C#<c>#IDEMP#<citizen>#<key>``  ``IDEMP``           - (TTL 7 days)
tracking counter    ``C#<c>#FBSEQ``                  ``Y#<year>``        -
day counters        ``C#<c>#FBSTATS``                ``D#<yyyy-mm-dd>``  -
current totals      ``C#<c>#FBSTATS``                ``TOTAL``           -
fields              ``C#<c>#FBFIELDS``               ``FIELDS``          -
==================  ===============================  ==================  ====================================

* Get one = one Query of the item's partition (the record and its comments).
* Inbox page = one Query of GSI1 (or GSI2 for a unit) + GetItem of the totals + a COUNT Query of the open markers
  whose deadline has passed. With filters, one Query reads up to :data:`FILTERED_PAGE` items and returns what
  matched, so a page may be short but never costs more calls.
* The citizen's and the public copies are whole documents written in the same transaction as the record; the
  public copy is built from :class:`~smartcommune.feedback.contracts.PublicFeedback` and so holds no personal data.
"""

from __future__ import annotations

import json
import random
import re
import time
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.operand import Path

from smartcommune.core.errors import ConflictError
from smartcommune.core.table import MainTable, commune_pk, decode_cursor, encode_cursor, transaction
from smartcommune.feedback.contracts import FEEDBACK_ID, OPEN_STATUSES, Comment, Feedback, FeedbackField, PublicFeedback
from smartcommune.feedback.logic.feedback import CounterDeltas, IdempotencyRecord

if TYPE_CHECKING:
    from pynamodb.expressions.condition import Condition
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal

_ID = re.compile(FEEDBACK_ID)
FILTERED_PAGE = 200
IDEMPOTENCY_TTL_S = 7 * 24 * 3600
TX_ATTEMPTS = 6


class FeedbackItem(MainTable, discriminator="feedback"):
    document = UnicodeAttribute()
    status = UnicodeAttribute()
    field_code = UnicodeAttribute()
    hamlet_id = UnicodeAttribute(null=True)
    unit = UnicodeAttribute()
    deadline = UnicodeAttribute()
    citizen_id = UnicodeAttribute(null=True)
    version = NumberAttribute()


class FeedbackCopyItem(MainTable, discriminator="feedback_copy"):
    """The citizen's copy (SK ``CITIZEN``) and the public copy (SK ``PUBLIC``) of a record."""

    document = UnicodeAttribute()
    field_code = UnicodeAttribute(null=True)
    hamlet_id = UnicodeAttribute(null=True)
    search = UnicodeAttribute(null=True)


class FeedbackCommentItem(MainTable, discriminator="feedback_comment"):
    document = UnicodeAttribute()


class FeedbackOpenItem(MainTable, discriminator="feedback_open"):
    unit = UnicodeAttribute()


class IdempotencyItem(MainTable, discriminator="idempotency"):
    feedback_id = UnicodeAttribute()
    fingerprint = UnicodeAttribute()
    body = UnicodeAttribute()


class FeedbackFieldsItem(MainTable, discriminator="feedback_fields"):
    document = UnicodeAttribute()


def _utc(moment: datetime) -> str:
    """UTC with microseconds, sortable as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _pk(commune_id: str, feedback_id: str) -> str:
    return commune_pk(commune_id, "FB", feedback_id)


def _order(feedback: Feedback) -> str:
    return f"{_utc(feedback.created_at)}#{feedback.id}"


def _stats_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "FBSTATS")


def _open_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "FBOPEN")


def _main(feedback: Feedback) -> FeedbackItem:
    c = feedback.commune_id
    return FeedbackItem(
        _pk(c, feedback.id),
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
        deadline=_utc(feedback.deadline_at),
        citizen_id=feedback.citizen_id,
        version=feedback.version,
    )


def _citizen_copy(feedback: Feedback) -> FeedbackCopyItem:
    assert feedback.citizen_id is not None
    c = feedback.commune_id
    return FeedbackCopyItem(
        _pk(c, feedback.id),
        "CITIZEN",
        gsi1pk=commune_pk(c, "CIT", feedback.citizen_id, "FB"),
        gsi1sk=_order(feedback),
        document=feedback.model_dump_json(),
    )


def _public_copy(commune_id: str, public: PublicFeedback, search: str) -> FeedbackCopyItem:
    return FeedbackCopyItem(
        _pk(commune_id, public.id),
        "PUBLIC",
        gsi1pk=commune_pk(commune_id, "FBPUB"),
        gsi1sk=f"{_utc(public.published_at or public.created_at)}#{public.id}",
        document=public.model_dump_json(),
        field_code=public.field_code,
        hamlet_id=public.hamlet_id,
        search=search,
    )


def _marker(feedback: Feedback) -> FeedbackOpenItem:
    return FeedbackOpenItem(
        _open_pk(feedback.commune_id), f"{_utc(feedback.deadline_at)}#{feedback.id}", unit=feedback.unit.value
    )


def _counter_writes(tx: TransactWrite, commune_id: str, deltas: CounterDeltas) -> None:
    """ADD the deltas to the day items and the totals item (created on first use)."""
    pk = _stats_pk(commune_id)
    targets = [(f"D#{day.isoformat()}", counters) for day, counters in sorted(deltas.days.items())]
    if deltas.totals:
        targets.append(("TOTAL", deltas.totals))
    for sk, counters in targets:
        actions: list[Any] = [Path("type").set("feedback_stats")]
        actions += [Path(name).add(value) for name, value in sorted(counters.items())]
        tx.update(FeedbackStatsItem(pk, sk), actions=actions)


class FeedbackStatsItem(MainTable, discriminator="feedback_stats"):
    """Counters; their attributes are named by the domain (``received``, ``rf_roads``, ``s_assigned`` …)."""


def _reasons(exc: TransactWriteError) -> list[str | None]:
    return [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]


def _raw_str(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if isinstance(value, dict) else None


def _raw_numbers(item: dict[str, Any]) -> dict[str, int]:
    return {k: int(float(v["N"])) for k, v in item.items() if isinstance(v, dict) and "N" in v}


def _key_of(raw: dict[str, Any], index_key: str) -> dict[str, Any]:
    sk_key = index_key.replace("PK", "SK")
    return {name: raw[name] for name in ("PK", "SK", index_key, sk_key)}


class FeedbackRepository:
    """Implements ``smartcommune.feedback.logic.feedback.FeedbackStore`` on the main table."""

    def __init__(self, audit: AuditJournal) -> None:
        self._audit = audit

    @staticmethod
    def _connection() -> Any:
        return MainTable._get_connection()

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
        self, feedback: Feedback, deltas: CounterDeltas, idempotency: IdempotencyRecord | None, search: str
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
            _pk(comment.commune_id, comment.feedback_id), f"CM#{comment.id}", document=comment.model_dump_json()
        )

        def writes(tx: TransactWrite) -> None:
            tx.condition_check(
                FeedbackItem, _pk(comment.commune_id, comment.feedback_id), "FB", condition=FeedbackItem.pk.exists()
            )
            tx.save(item, condition=FeedbackCommentItem.pk.does_not_exist())

        self._commit(comment.commune_id, writes, audit)

    def get_comment(self, commune_id: str, feedback_id: str, comment_id: str) -> Comment | None:
        if not _ID.match(feedback_id) or not re.fullmatch(r"[0-9a-f]{13,40}", comment_id):
            return None
        try:
            item = FeedbackCommentItem.get(_pk(commune_id, feedback_id), f"CM#{comment_id}", consistent_read=True)
        except FeedbackCommentItem.DoesNotExist:
            return None
        return Comment.model_validate_json(item.document)

    def set_comment(self, comment: Comment, audit: AuditRecord) -> None:
        item = FeedbackCommentItem(
            _pk(comment.commune_id, comment.feedback_id), f"CM#{comment.id}", document=comment.model_dump_json()
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
            actions=[Path("seq").add(1), Path("type").set("feedback_seq")],
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
            actions: list[Any] = [Path("type").set("feedback_stats")]
            actions += [Path(name).add(value) for name, value in counters.items()]
            self._connection().update_item(_stats_pk(c), sk, actions=actions)

    # ------------------------------------------------------------ reads by key

    def fields(self, commune_id: str) -> list[FeedbackField] | None:
        try:
            item = FeedbackFieldsItem.get(commune_pk(commune_id, "FBFIELDS"), "FIELDS")
        except FeedbackFieldsItem.DoesNotExist:
            return None
        return [FeedbackField.model_validate(f) for f in json.loads(item.document)]

    def idempotent(self, commune_id: str, owner: str, key: str) -> IdempotencyRecord | None:
        try:
            item = IdempotencyItem.get(commune_pk(commune_id, "IDEMP", owner, key), "IDEMP", consistent_read=True)
        except IdempotencyItem.DoesNotExist:
            return None
        return IdempotencyRecord(key, owner, item.fingerprint, item.feedback_id, item.body)

    def get(self, commune_id: str, feedback_id: str) -> Feedback | None:
        if not _ID.match(feedback_id):
            return None
        raw = self._connection().get_item(_pk(commune_id, feedback_id), "FB", consistent_read=True).get("Item")
        document = _raw_str(raw, "document") if raw else None
        return Feedback.model_validate_json(document) if document else None

    def get_with_comments(self, commune_id: str, feedback_id: str) -> tuple[Feedback, list[Comment]] | None:
        if not _ID.match(feedback_id):
            return None
        response = self._connection().query(_pk(commune_id, feedback_id), consistent_read=True)
        feedback: Feedback | None = None
        comments: list[Comment] = []
        for raw in response.get("Items", []):
            sk, document = _raw_str(raw, "SK"), _raw_str(raw, "document")
            if document is None:
                continue
            if sk == "FB":
                feedback = Feedback.model_validate_json(document)
            elif sk and sk.startswith("CM#"):
                comments.append(Comment.model_validate_json(document))
        return (feedback, comments) if feedback else None

    def get_public(self, commune_id: str, feedback_id: str) -> PublicFeedback | None:
        if not _ID.match(feedback_id):
            return None
        raw = self._connection().get_item(_pk(commune_id, feedback_id), "PUBLIC").get("Item")
        document = _raw_str(raw, "document") if raw else None
        return PublicFeedback.model_validate_json(document) if document else None

    # ------------------------------------------------------------ lists (one Query each)

    def _page(
        self,
        partition: str,
        index: str,
        condition: Condition | None,
        *,
        cursor: str | None,
        limit: int,
        range_condition: Condition | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first; one Query. Filtered pages read up to :data:`FILTERED_PAGE` items and may come back short."""
        index_key = "GSI1PK" if index == "GSI1" else "GSI2PK"
        start = decode_cursor(cursor, index_key, partition) if cursor else None
        response = self._connection().query(
            partition,
            range_key_condition=range_condition,
            filter_condition=condition,
            index_name=index,
            limit=max(limit, FILTERED_PAGE) if condition is not None else limit,
            exclusive_start_key=start,
            scan_index_forward=False,
        )
        items: list[dict[str, Any]] = response.get("Items", [])
        if len(items) > limit:
            items = items[:limit]
            return items, encode_cursor(_key_of(items[-1], index_key))
        last = response.get("LastEvaluatedKey")
        return items, encode_cursor(last) if last else None

    def inbox(
        self,
        commune_id: str,
        *,
        unit: str | None,
        status: str | None,
        field_code: str | None,
        hamlet_id: str | None,
        overdue_at: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Feedback], str | None]:
        parts: list[Condition] = []
        if status:
            parts.append(FeedbackItem.status == status)
        if field_code:
            parts.append(FeedbackItem.field_code == field_code)
        if hamlet_id:
            parts.append(FeedbackItem.hamlet_id == hamlet_id)
        if overdue_at is not None:
            parts.append(FeedbackItem.deadline < _utc(overdue_at))
            parts.append(FeedbackItem.status.is_in(*sorted(OPEN_STATUSES)))
        condition = _all(parts)
        if unit:
            partition, index = commune_pk(commune_id, "FBU", unit), "GSI2"
        else:
            partition, index = commune_pk(commune_id, "FB"), "GSI1"
        items, next_cursor = self._page(partition, index, condition, cursor=cursor, limit=limit)
        return [_feedback(raw) for raw in items], next_cursor

    def mine(
        self, commune_id: str, citizen_id: str, cursor: str | None, limit: int
    ) -> tuple[list[Feedback], str | None]:
        items, next_cursor = self._page(
            commune_pk(commune_id, "CIT", citizen_id, "FB"), "GSI1", None, cursor=cursor, limit=limit
        )
        return [_feedback(raw) for raw in items], next_cursor

    def public_page(
        self,
        commune_id: str,
        *,
        field_code: str | None,
        hamlet_id: str | None,
        words: list[str],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[PublicFeedback], str | None]:
        parts: list[Condition] = [FeedbackCopyItem.search.contains(f" {word}") for word in words]
        if field_code:
            parts.append(FeedbackCopyItem.field_code == field_code)
        if hamlet_id:
            parts.append(FeedbackCopyItem.hamlet_id == hamlet_id)
        items, next_cursor = self._page(
            commune_pk(commune_id, "FBPUB"), "GSI1", _all(parts), cursor=cursor, limit=limit
        )
        return [PublicFeedback.model_validate_json(_raw_str(raw, "document") or "{}") for raw in items], next_cursor

    def between(self, commune_id: str, start: datetime | None, end: datetime | None, limit: int) -> list[Feedback]:
        low = _utc(start) if start else "0"
        high = (_utc(end) if end else "9") + "~"
        response = self._connection().query(
            commune_pk(commune_id, "FB"),
            range_key_condition=FeedbackItem.gsi1sk.between(low, high),
            index_name="GSI1",
            limit=limit,
            scan_index_forward=False,
        )
        return [_feedback(raw) for raw in response.get("Items", [])]

    # ------------------------------------------------------------ counters

    def status_counts(self, commune_id: str, unit: str | None) -> dict[str, int]:
        raw = self._connection().get_item(_stats_pk(commune_id), "TOTAL").get("Item") or {}
        numbers = _raw_numbers(raw)
        prefix = f"us_{unit}__" if unit else "s_"
        return {name[len(prefix) :]: value for name, value in numbers.items() if name.startswith(prefix)}

    def overdue_count(self, commune_id: str, unit: str | None, now: datetime) -> int:
        response = self._connection().query(
            _open_pk(commune_id),
            range_key_condition=FeedbackOpenItem.sk < _utc(now),
            filter_condition=(FeedbackOpenItem.unit == unit) if unit else None,
            select="COUNT",
        )
        return int(response.get("Count", 0))

    def day_counters(self, commune_id: str, start: date, end: date) -> dict[date, dict[str, int]]:
        out: dict[date, dict[str, int]] = {}
        start_key: Any = None
        while True:
            response = self._connection().query(
                _stats_pk(commune_id),
                range_key_condition=FeedbackStatsItem.sk.between(f"D#{start.isoformat()}", f"D#{end.isoformat()}"),
                exclusive_start_key=start_key,
            )
            for raw in response.get("Items", []):
                sk = _raw_str(raw, "SK") or ""
                out[date.fromisoformat(sk[2:])] = _raw_numbers(raw)
            start_key = response.get("LastEvaluatedKey")
            if not start_key:
                return out


def _all(parts: list[Condition]) -> Condition | None:
    condition: Condition | None = None
    for part in parts:
        condition = part if condition is None else condition & part
    return condition


def _feedback(raw: dict[str, Any]) -> Feedback:
    return Feedback.model_validate_json(_raw_str(raw, "document") or "{}")
