"""Open311 GeoReport v2 input of ``GET requests``: its filters, the spec's defaults (the last 90 days) and limits,
and whether one record passes them.

Its own room because the query rules (date-times with or without an offset, at most 90 days, at most 50 ids) are
the spec's and are tested on their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final, Literal

from smartcommune.core.contracts import VN_TZ
from smartcommune.feedback.logic.open311_formats import Open311Error
from smartcommune.feedback.logic.open311_mapping import open311_status

if TYPE_CHECKING:
    from smartcommune.feedback.contracts.records import Feedback


MAX_SPAN: Final = timedelta(days=90)
MAX_RESULTS: Final = 1000
MAX_IDS: Final = 50


def parse_moment(name: str, raw: str) -> datetime:
    """An ISO 8601 date-time (``Z`` or an offset; none means Vietnam's time) or a date (its start, in Vietnam)."""
    text = raw.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=VN_TZ)
        moment = datetime.fromisoformat(text.replace(" ", "+") if re.search(r"T.* \d\d:\d\d$", text) else text)
    except ValueError as exc:
        raise Open311Error(
            400,
            f"{name}: thời điểm không hợp lệ, cần ISO 8601 (ví dụ 2026-11-29T08:00:00+07:00).",
            f"{name}: invalid date-time, ISO 8601 expected (e.g. 2026-11-29T08:00:00+07:00).",
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VN_TZ)


@dataclass(frozen=True)
class RequestQuery:
    """``GET requests`` filters after the spec's defaults are applied."""

    ids: list[str] | None
    service_code: str | None
    status: Literal["open", "closed"] | None
    start: datetime | None
    end: datetime | None
    extensions: bool


def _flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").strip().lower() in {"true", "1", "yes"}


def parse_request_query(query: Mapping[str, str], now: datetime) -> RequestQuery:
    """The spec's filters: ``service_request_id`` (comma list, overrides the rest), ``service_code``,
    ``start_date``/``end_date`` (at most 90 days apart; by default the last 90 days), ``status`` (open|closed).
    """
    extensions = _flag(query, "extensions")
    raw_ids = query.get("service_request_id", "").strip()
    if raw_ids:
        ids = list(dict.fromkeys(i.strip() for i in raw_ids.split(",") if i.strip()))
        if len(ids) > MAX_IDS or any(not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i) for i in ids):
            raise Open311Error(
                400,
                f"service_request_id: tối đa {MAX_IDS} mã, phân tách bằng dấu phẩy.",
                f"service_request_id: at most {MAX_IDS} ids, comma separated.",
            )
        return RequestQuery(ids, None, None, None, None, extensions)
    raw_status = query.get("status", "").strip().lower()
    status: Literal["open", "closed"] | None = None
    if raw_status in {"open", "closed"}:
        status = "open" if raw_status == "open" else "closed"
    elif raw_status:
        raise Open311Error(400, "status phải là open hoặc closed.", "status must be open or closed.")
    start = parse_moment("start_date", query["start_date"]) if query.get("start_date") else None
    end = parse_moment("end_date", query["end_date"]) if query.get("end_date") else None
    if start is None and end is None:
        end = now
        start = now - MAX_SPAN
    elif start is None:
        assert end is not None
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date phải sau start_date.", "end_date must be after start_date.")
    if end - start > MAX_SPAN:
        raise Open311Error(
            400,
            "Khoảng start_date–end_date không được quá 90 ngày.",
            "start_date and end_date may not span more than 90 days.",
        )
    code = query.get("service_code", "").strip() or None
    return RequestQuery(None, code, status, start, end, extensions)


def matches(feedback: Feedback, q: RequestQuery, field_code: str | None) -> bool:
    """Whether one record passes the filters (the backend filters too; this keeps the answer exact)."""
    if q.ids is not None:
        return feedback.id in q.ids
    if field_code is not None and feedback.field_code != field_code:
        return False
    if q.status is not None and open311_status(feedback.status) != q.status:
        return False
    created = feedback.created_at
    return not (q.start is not None and created < q.start) and not (q.end is not None and created > q.end)
