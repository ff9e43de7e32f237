"""The read side of the feedback repository: reads by key, lists (one Query each) and the counters.

* Get one = one Query of the item's partition (the record and its comments).
* Inbox page = one Query of GSI1 (or GSI2 for a unit) + GetItem of the totals + a COUNT Query of the open markers
  whose deadline has passed. With filters, one Query reads up to :data:`FILTERED_PAGE` items and returns what
  matched, so a page may be short but never costs more calls.

Its own room because every read is by key or by index (never a scan) and reads more easily apart from the
transactions of the write side (:class:`~smartcommune.feedback.storage.feedback.FeedbackRepository`).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from smartcommune.core.table import MainTable, commune_pk, decode_cursor, encode_cursor
from smartcommune.feedback.contracts.records import OPEN_STATUSES, Comment, Feedback, FeedbackField
from smartcommune.feedback.contracts.views import PublicFeedback
from smartcommune.feedback.logic.codes import IdempotencyRecord
from smartcommune.feedback.storage.items import (
    FEEDBACK_ID_RE,
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

if TYPE_CHECKING:
    from pynamodb.expressions.condition import Condition

FILTERED_PAGE = 200


def _raw_str(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if isinstance(value, dict) else None


def _raw_numbers(item: dict[str, Any]) -> dict[str, int]:
    return {k: int(float(v["N"])) for k, v in item.items() if isinstance(v, dict) and "N" in v}


def _key_of(raw: dict[str, Any], index_key: str) -> dict[str, Any]:
    sk_key = index_key.replace("PK", "SK")
    return {name: raw[name] for name in ("PK", "SK", index_key, sk_key)}


class FeedbackReads:
    """The reads of :class:`~smartcommune.feedback.storage.feedback.FeedbackRepository` (which adds the writes)."""

    @staticmethod
    def _connection() -> Any:
        return MainTable._get_connection()

    # ------------------------------------------------------------ reads by key

    def get_comment(self, commune_id: str, feedback_id: str, comment_id: str) -> Comment | None:
        if not FEEDBACK_ID_RE.match(feedback_id) or not re.fullmatch(r"[0-9a-f]{13,40}", comment_id):
            return None
        try:
            item = FeedbackCommentItem.get(
                feedback_pk(commune_id, feedback_id), f"CM#{comment_id}", consistent_read=True
            )
        except FeedbackCommentItem.DoesNotExist:
            return None
        return Comment.model_validate_json(item.document)

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
        if not FEEDBACK_ID_RE.match(feedback_id):
            return None
        raw = self._connection().get_item(feedback_pk(commune_id, feedback_id), "FB", consistent_read=True).get("Item")
        document = _raw_str(raw, "document") if raw else None
        return Feedback.model_validate_json(document) if document else None

    def get_with_comments(self, commune_id: str, feedback_id: str) -> tuple[Feedback, list[Comment]] | None:
        if not FEEDBACK_ID_RE.match(feedback_id):
            return None
        response = self._connection().query(feedback_pk(commune_id, feedback_id), consistent_read=True)
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
        if not FEEDBACK_ID_RE.match(feedback_id):
            return None
        raw = self._connection().get_item(feedback_pk(commune_id, feedback_id), "PUBLIC").get("Item")
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
        by_deadline: bool = False,
    ) -> tuple[list[Feedback], str | None]:
        if by_deadline:
            return self._open_by_deadline(
                commune_id,
                unit=unit,
                status=status,
                field_code=field_code,
                hamlet_id=hamlet_id,
                overdue_at=overdue_at,
                cursor=cursor,
                limit=limit,
            )
        parts: list[Condition] = []
        if status:
            parts.append(FeedbackItem.status == status)
        if field_code:
            parts.append(FeedbackItem.field_code == field_code)
        if hamlet_id:
            parts.append(FeedbackItem.hamlet_id == hamlet_id)
        if overdue_at is not None:
            parts.append(FeedbackItem.deadline < utc_text(overdue_at))
            parts.append(FeedbackItem.status.is_in(*sorted(OPEN_STATUSES)))
        condition = _all(parts)
        if unit:
            partition, index = commune_pk(commune_id, "FBU", unit), "GSI2"
        else:
            partition, index = commune_pk(commune_id, "FB"), "GSI1"
        items, next_cursor = self._page(partition, index, condition, cursor=cursor, limit=limit)
        return [_feedback(raw) for raw in items], next_cursor

    def _open_by_deadline(
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
        """Open items, the nearest deadline first (so the overdue lead): one Query of the open markers, whose sort
        key starts with the deadline, then one BatchGet of their items; the other filters apply to those."""
        partition = open_pk(commune_id)
        filtered = bool(status or field_code or hamlet_id)
        response = self._connection().query(
            partition,
            range_key_condition=(FeedbackOpenItem.sk < utc_text(overdue_at)) if overdue_at else None,
            filter_condition=(FeedbackOpenItem.unit == unit) if unit else None,
            limit=FILTERED_PAGE if filtered or unit else limit,
            exclusive_start_key=decode_cursor(cursor, "PK", partition) if cursor else None,
        )
        markers: list[dict[str, Any]] = response.get("Items", [])
        ids = [(_raw_str(m, "SK") or "").rsplit("#", 1)[-1] for m in markers]
        keys = [(feedback_pk(commune_id, i), "FB") for i in ids if FEEDBACK_ID_RE.match(i)]
        found = {f.id: f for f in (Feedback.model_validate_json(i.document) for i in FeedbackItem.batch_get(keys))}

        def matches(item: Feedback | None) -> bool:
            return (
                item is not None
                and item.status in OPEN_STATUSES
                and status in (None, item.status)
                and field_code in (None, item.field_code)
                and hamlet_id in (None, item.hamlet_id)
            )

        out: list[Feedback] = []
        for n, (marker, feedback_id) in enumerate(zip(markers, ids, strict=True)):
            item = found.get(feedback_id)
            if item is not None and matches(item):
                out.append(item)
            if len(out) == limit and (n + 1 < len(markers) or response.get("LastEvaluatedKey")):
                return out, encode_cursor({"PK": marker["PK"], "SK": marker["SK"]})
        last = response.get("LastEvaluatedKey")
        return out, encode_cursor(last) if last else None

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
        low = utc_text(start) if start else "0"
        high = (utc_text(end) if end else "9") + "~"
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
        raw = self._connection().get_item(stats_pk(commune_id), "TOTAL").get("Item") or {}
        numbers = _raw_numbers(raw)
        prefix = f"us_{unit}__" if unit else "s_"
        return {name[len(prefix) :]: value for name, value in numbers.items() if name.startswith(prefix)}

    def overdue_count(self, commune_id: str, unit: str | None, now: datetime) -> int:
        response = self._connection().query(
            open_pk(commune_id),
            range_key_condition=FeedbackOpenItem.sk < utc_text(now),
            filter_condition=(FeedbackOpenItem.unit == unit) if unit else None,
            select="COUNT",
        )
        return int(response.get("Count", 0))

    def day_counters(self, commune_id: str, start: date, end: date) -> dict[date, dict[str, int]]:
        out: dict[date, dict[str, int]] = {}
        start_key: Any = None
        while True:
            response = self._connection().query(
                stats_pk(commune_id),
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
