"""Reading feedback: one item, a citizen's own list, the staff inbox (scoped to a unit), Open311's look-ups, the
public listing and statistics.

Its own room because these are the read paths, each a read by key or by index of the store; nothing here writes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from smartcommune.core.text import search_tokens
from smartcommune.feedback.contracts.records import OPEN_STATUSES, STATUSES
from smartcommune.feedback.contracts.views import InboxCounts, InboxPage, PublicPage
from smartcommune.feedback.logic.base import FeedbackBase
from smartcommune.feedback.logic.counters import stats_from
from smartcommune.feedback.logic.messages import forbidden, invalid, not_found
from smartcommune.feedback.logic.rules import SEE_ALL, UNIT_ROLES, is_overdue, vn_day

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.feedback.contracts.records import Feedback
    from smartcommune.feedback.contracts.requests import InboxQuery, PublicQuery
    from smartcommune.feedback.contracts.views import FeedbackStats, FeedbackView, PublicFeedback


class ReadingMixin(FeedbackBase):
    """The reading part of :class:`~smartcommune.feedback.logic.feedback.FeedbackService`."""

    def get(self, caller: Principal, feedback_id: str) -> FeedbackView:
        """One item with its timeline and comments: its citizen (hidden comments left out) or the commune's staff."""
        feedback, comments = self._load(caller, feedback_id)
        return self.view(feedback, comments, staff=caller.kind == "staff")

    def mine(self, caller: Principal, cursor: str | None, limit: int) -> tuple[list[FeedbackView], str | None]:
        items, next_cursor = self._store.mine(caller.commune_id, caller.subject_id, cursor, limit)
        return [self.view(f) for f in items], next_cursor

    def _scope(self, caller: Principal, unit: str | None) -> str | None:
        """The unit whose items the caller sees (``None``: every item of the commune)."""
        if caller.roles & SEE_ALL:
            return unit
        units = sorted(r.value for r in caller.roles & UNIT_ROLES)
        if unit is None:
            if not units:
                raise forbidden("Bạn không có hộp thư phản ánh.", "You have no feedback inbox.")
            return units[0]
        if unit not in units:
            raise forbidden("Bạn chỉ xem được phản ánh của đơn vị mình.", "You can only see your own unit's feedback.")
        return unit

    def inbox(self, caller: Principal, query: InboxQuery) -> InboxPage:
        """The staff inbox: admin, office and culture see every item, a unit its own; with counts by status."""
        now = self._clock()
        unit = self._scope(caller, query.unit)
        items, cursor = self._store.inbox(
            caller.commune_id,
            unit=unit,
            status=query.status,
            field_code=query.field,
            hamlet_id=query.hamlet,
            overdue_at=now if query.overdue else None,
            cursor=query.cursor,
            limit=query.limit,
            # A closed status has no deadline left to sort by: newest first then.
            by_deadline=query.sort == "deadline" and query.status in (None, *OPEN_STATUSES),
        )
        if query.overdue is False:
            items = [f for f in items if not is_overdue(f, now)]
        counts: dict[str, int] = {}
        for commune_id in self._lineage(caller.commune_id):  # counters of merged communes carry on here
            for status, count in self._store.status_counts(commune_id, unit).items():
                counts[status] = counts.get(status, 0) + count
        return InboxPage(
            items=[self._inbox_item(f, now) for f in items],
            next_cursor=cursor,
            counts=InboxCounts(
                by_status={s: counts.get(s, 0) for s in STATUSES},
                overdue=self._store.overdue_count(caller.commune_id, unit, now),
            ),
        )

    def get_public(self, commune_id: str, feedback_id: str) -> Feedback:
        """An item for Open311's ``GET requests/{id}`` (any status; callers strip personal data)."""
        found = self._store.get(commune_id, feedback_id)
        if found is None:
            raise not_found()
        return found

    def search_public(
        self,
        commune_id: str,
        *,
        service_code: str | None = None,
        status: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        ids: list[str] | None = None,
        limit: int = 50,
    ) -> list[Feedback]:
        """Items for Open311's ``GET requests`` (every status), newest first; ``service_code`` is a field code.

        ``status`` is a :data:`~smartcommune.feedback.contracts.records.FeedbackStatus` or Open311's
        ``open``/``closed``.
        """
        if ids:
            found = [self._store.get(commune_id, i) for i in ids[:limit]]
            items = [f for f in found if f is not None]
        else:
            items = self._store.between(commune_id, start, end, limit * 4 if (service_code or status) else limit)
        if service_code:
            items = [f for f in items if f.field_code == service_code]
        if status == "open":
            items = [f for f in items if f.status in OPEN_STATUSES]
        elif status == "closed":
            items = [f for f in items if f.status not in OPEN_STATUSES]
        elif status:
            items = [f for f in items if f.status == status]
        return items[:limit]

    def public_page(self, commune_id: str, query: PublicQuery) -> PublicPage:
        """Published items of a commune, for everyone; ``q`` ignores diacritics and needs every word."""
        self._commune(commune_id)
        words = list(dict.fromkeys(search_tokens(query.q or "")))
        items, cursor = self._store.public_page(
            commune_id,
            field_code=query.field,
            hamlet_id=query.hamlet,
            words=words,
            cursor=query.cursor,
            limit=query.limit,
        )
        return PublicPage(items=[self._public_with_urls(i) for i in items], next_cursor=cursor)

    def public_item(self, commune_id: str, feedback_id: str) -> PublicFeedback:
        found = self._store.get_public(commune_id, feedback_id)
        if found is None:
            raise not_found()
        return self._public_with_urls(found)

    def stats(
        self, caller: Principal, start: date | None, end: date | None, *, former: str | None = None
    ) -> FeedbackStats:
        """Statistics of the caller's commune over Vietnam days ``start``..``end`` (default: the last 30 days).

        A commune formed by a merger shows the whole back in time (its own counters and those of the communes
        merged into it), or one ``former`` commune's alone.
        """
        today = vn_day(self._clock())
        end = end or today
        start = start or end - timedelta(days=29)
        if start > end or (end - start).days > 366:
            raise invalid("from", "Khoảng thời gian không hợp lệ (tối đa 1 năm).", "Invalid range (1 year at most).")
        lineage = self._lineage(caller.commune_id)
        if former is not None:
            if former not in lineage[1:]:
                raise invalid("former", "Xã này không được sáp nhập vào xã của bạn.", "Not a former commune of yours.")
            lineage = [former]
        days: dict[date, dict[str, int]] = {}
        for commune_id in lineage:
            for day, counters in self._store.day_counters(commune_id, start, end).items():
                merged = days.setdefault(day, {})
                for name, value in counters.items():
                    merged[name] = merged.get(name, 0) + value
        return stats_from(days, start, end)

    def _lineage(self, commune_id: str) -> list[str]:
        """The commune and every commune merged into it (whose counters stay where they were counted)."""
        return [commune_id, *self._commune(commune_id).predecessors]
