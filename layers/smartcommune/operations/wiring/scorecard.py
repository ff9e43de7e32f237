"""The criteria scorecard from the reporting capability (``reporting.wiring.scorecards``): this month's scorecard
(every criterion with its target, value, met or not, and where the value comes from) and one criterion's monthly
history (reporting's snapshots, this month live).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from smartcommune.core.contracts import VN_TZ
from smartcommune.operations.contracts import CriterionHistory, HistoryPoint, ScorecardRow, ScorecardView

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

SOURCE_LABELS_VI = {
    "computed": "Tính từ dữ liệu của nền tảng",
    "entered": "Cán bộ nhập, có minh chứng",
    "missing": "Chưa có số liệu",
}


class Score(Protocol):
    """What the dashboard reads of one criterion's score (reporting's ``CriterionScore``)."""

    @property
    def code(self) -> str: ...
    @property
    def name_vi(self) -> str: ...
    @property
    def target_text(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def unit(self) -> str: ...
    @property
    def met(self) -> bool | None: ...
    @property
    def source(self) -> str: ...
    @property
    def source_detail_vi(self) -> str: ...
    @property
    def as_of(self) -> datetime: ...


class Card(Protocol):
    @property
    def month(self) -> str: ...
    @property
    def criteria(self) -> Sequence[Score]: ...


class Scorecards(Protocol):
    """Reporting's public scorecard service."""

    def scorecard(self, commune_id: str, month: str | None = None) -> Any: ...

    def series(self, commune_id: str, code: str, start: str, end: str) -> Sequence[Any]: ...


def _row(score: Score) -> ScorecardRow:
    detail = score.source_detail_vi or SOURCE_LABELS_VI.get(str(score.source), "")
    return ScorecardRow(
        code=score.code,
        name_vi=score.name_vi,
        target_text=score.target_text,
        value=score.value,
        unit=score.unit,
        met=score.met,
        source=str(score.source),
        source_detail_vi=detail,
    )


KEEP_S = 600
"""How long this month's scorecard is reused: every criterion's providers read other capabilities (~50 reads), its
values move by the day, and the screens refresh every minute (reporting keeps the month's snapshot meanwhile)."""


class ReportingScorecards:
    def __init__(self, scorecards: Scorecards, clock: Callable[[], datetime]) -> None:
        self._scorecards = scorecards
        self._clock = clock
        self._kept: dict[str, tuple[datetime, ScorecardView]] = {}

    def scorecard(self, commune_id: str) -> ScorecardView:
        now = self._clock()
        kept = self._kept.get(commune_id)
        if kept is not None and (now - kept[0]).total_seconds() < KEEP_S:
            return kept[1]
        card: Card = self._scorecards.scorecard(commune_id, month=None)
        rows = [_row(score) for score in card.criteria]
        view = ScorecardView(
            month=card.month, criteria=rows, met=sum(1 for r in rows if r.met), total=len(rows), as_of=now
        )
        self._kept[commune_id] = (now, view)
        return view

    def history(self, commune_id: str, code: str, months: int = 12) -> CriterionHistory:
        """One criterion over the last ``months`` months: reporting's series of the indicator (values staff entered,
        and the monthly snapshots of computed values as they stood); a month with neither has no point."""
        span = months_back(self._clock(), months)
        score = next((c for c in self.scorecard(commune_id).criteria if c.code == code), None)
        if score is None:
            return CriterionHistory(code=code, name_vi="", unit="", points=[])
        values: Sequence[Any] = self._scorecards.series(commune_id, code, span[0], span[-1])
        points = [HistoryPoint(month=str(v.period), value=v.value) for v in values if v.value is not None]
        return CriterionHistory(code=code, name_vi=score.name_vi, unit=score.unit, points=points)


def months_back(now: datetime, months: int) -> list[str]:
    """The ``months`` months up to ``now``'s (Vietnam time), oldest first, as ``YYYY-MM``."""
    local = now.astimezone(VN_TZ)
    index = local.year * 12 + local.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]
