"""The feedback tile: open and overdue items, on-time rate and satisfaction (by field and by unit), from feedback's
counters alone (one key read, one count query, one range of day counters): no item is read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from smartcommune.core.contracts import ROLE_LABELS_VI, VN_TZ
from smartcommune.feedback.contracts.records import DEFAULT_FIELDS, OPEN_STATUSES, FeedbackField
from smartcommune.operations.contracts import DrillTable, Metric, Series, Tile
from smartcommune.operations.logic.dashboard import TileOutput

if TYPE_CHECKING:
    from smartcommune.core.services import Services

STATS_DAYS = 30
TREND_DAYS = 120
RATED_DAYS = 90  # within TREND_DAYS: the satisfaction drill-down reads the same day counters
UNIT_LABELS = {role.value: label for role, label in ROLE_LABELS_VI.items()}


class FeedbackCounters(Protocol):
    """What the tile reads of feedback's repository (``feedback.wiring.feedback_repository``)."""

    def status_counts(self, commune_id: str, unit: str | None) -> dict[str, int]: ...

    def overdue_count(self, commune_id: str, unit: str | None, now: datetime) -> int: ...

    def day_counters(self, commune_id: str, start: date, end: date) -> dict[date, dict[str, int]]: ...

    def fields(self, commune_id: str) -> list[FeedbackField] | None: ...


class FeedbackTile:
    def __init__(self, services: Services) -> None:
        self._services = services

    def _repo(self) -> FeedbackCounters:
        from smartcommune.feedback.wiring import feedback_repository

        return self._services.get(feedback_repository)

    def tile(self, commune_id: str, now: datetime) -> TileOutput:
        repo = self._repo()
        today = now.astimezone(VN_TZ).date()
        statuses = repo.status_counts(commune_id, None)
        open_now = sum(v for k, v in statuses.items() if k in OPEN_STATUSES)
        overdue = repo.overdue_count(commune_id, None, now)
        days = repo.day_counters(commune_id, today - timedelta(days=TREND_DAYS - 1), today)
        recent = [today - timedelta(days=i) for i in range(STATS_DAYS - 1, -1, -1)]

        def total(name: str) -> int:
            return sum(days.get(d, {}).get(name, 0) for d in recent)

        resolved, on_time = total("resolved"), total("resolved_on_time")
        stars, ratings = total("rating_sum"), total("rating_count")
        fields = {f.code: f for f in (repo.fields(commune_id) or DEFAULT_FIELDS)}
        by_field: dict[str, int] = {}
        for d in recent:
            for name, value in days.get(d, {}).items():
                if name.startswith("rf_") and value:
                    by_field[name[3:]] = by_field.get(name[3:], 0) + value
        on_time_rate = round(on_time / resolved * 100, 1) if resolved else None
        satisfaction = round(stars / ratings, 2) if ratings else None
        metrics = [
            Metric(key="open", label_vi="Đang xử lý", value=open_now, tone="warn" if open_now else "ok"),
            Metric(key="overdue", label_vi="Quá hạn", value=overdue, tone="bad" if overdue else "ok"),
            Metric(key="received_30d", label_vi="Tiếp nhận 30 ngày", value=total("received")),
            Metric(
                key="on_time_rate",
                label_vi="Giải quyết đúng hạn (30 ngày)",
                value=on_time_rate,
                unit="%",
                tone="ok" if on_time_rate is not None and on_time_rate >= 90 else "warn",
            ),
            Metric(key="satisfaction", label_vi="Mức hài lòng (30 ngày)", value=satisfaction, unit="/5 sao"),
            Metric(key="ratings_30d", label_vi="Lượt đánh giá (30 ngày)", value=ratings),
        ]
        ordered = sorted(by_field.items(), key=lambda kv: -kv[1])
        series = [
            Series(
                key="received_daily",
                label_vi="Phản ánh tiếp nhận mỗi ngày",
                kind="line",
                x=[f"{d:%d/%m}" for d in recent],
                values=[float(days.get(d, {}).get("received", 0)) for d in recent],
            ),
            Series(
                key="by_field",
                label_vi="Theo lĩnh vực (30 ngày)",
                x=[fields[c].name if c in fields else c for c, _n in ordered],
                values=[float(n) for _c, n in ordered],
            ),
        ]
        rated_days = [days.get(today - timedelta(days=i), {}) for i in range(RATED_DAYS)]
        names = {code: f.name for code, f in fields.items()}
        drill = [
            _satisfaction(
                "by_field", "Mức hài lòng theo lĩnh vực (90 ngày)", "Lĩnh vực", rated_days, group="f", labels=names
            ),
            _satisfaction(
                "by_unit", "Mức hài lòng theo bộ phận (90 ngày)", "Bộ phận", rated_days, group="u", labels=UNIT_LABELS
            ),
        ]
        trends = {
            f"feedback.field.{code}": (
                f"Phản ánh lĩnh vực {fields[code].name if code in fields else code}",
                {d: c.get(f"rf_{code}", 0) for d, c in days.items()},
            )
            for code in {n[3:] for c in days.values() for n in c if n.startswith("rf_")}
        }
        return TileOutput(
            tile=Tile(
                name="feedback",
                title_vi="Phản ánh, kiến nghị",
                metrics=metrics,
                series=series,
                drill=drill,
                link="/admin/#/feedback",
            ),
            trends=trends,
        )


def _satisfaction(
    key: str, title: str, column: str, days: list[dict[str, int]], *, group: str, labels: dict[str, str]
) -> DrillTable:
    """Ratings per field or unit from the day counters (``rs``/``rc``/``rp`` + ``f`` or ``u``: star sum, count,
    satisfied), most rated first."""
    totals: dict[str, list[int]] = {}
    for counters in days:
        for name, value in counters.items():
            for position, kind in enumerate(("rs", "rc", "rp")):
                prefix = f"{kind}{group}_"
                if name.startswith(prefix):
                    totals.setdefault(name[len(prefix) :], [0, 0, 0])[position] += value
    rows: list[list[str | int | float | None]] = [
        [labels.get(code, code), count, round(stars / count, 2), round(satisfied / count * 100)]
        for code, (stars, count, satisfied) in totals.items()
        if count
    ]
    rows.sort(key=lambda row: (-int(row[1] or 0), str(row[0])))
    return DrillTable(
        key=key, title_vi=title, columns=[column, "Lượt đánh giá", "Điểm TB (/5)", "Hài lòng (%)"], rows=rows
    )
