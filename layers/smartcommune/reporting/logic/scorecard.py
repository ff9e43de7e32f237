"""The criteria scorecard: each criterion's value this month, computed where the platform holds the data (a
provider per indicator), else the value staff entered with its evidence; met or not against the target; and the
monthly history, kept as one snapshot per commune and month."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from smartcommune.core.contracts import format_date_vn
from smartcommune.core.errors import InvalidInputError
from smartcommune.reporting.contracts import CriterionScore, Indicator, IndicatorValue, Scorecard
from smartcommune.reporting.logic.periods import current_month, indicator_period, months_back

if TYPE_CHECKING:
    from smartcommune.reporting.logic.catalog import IndicatorCatalog
    from smartcommune.reporting.logic.ports import Provider, SnapshotStore, ValueStore


def is_met(indicator: Indicator, value: float | None) -> bool | None:
    if value is None or indicator.target_value is None:
        return None
    if indicator.target_op == "<=":
        return value <= indicator.target_value
    return value >= indicator.target_value


class ScorecardService:
    """Scorecards and indicator values of a commune (public through ``reporting.wiring.scorecards``)."""

    def __init__(
        self,
        *,
        catalog: IndicatorCatalog,
        values: ValueStore,
        snapshots: SnapshotStore,
        providers: Mapping[str, Provider],
        clock: Callable[[], datetime],
    ) -> None:
        self._catalog = catalog
        self._values = values
        self._snapshots = snapshots
        self._providers = providers
        self._clock = clock

    # ------------------------------------------------------------ one value

    def value(self, commune_id: str, indicator: Indicator, period: str) -> IndicatorValue:
        """The indicator's value for the period its own type gives ``period``: computed, else entered, else missing."""
        own = indicator_period(period, indicator.period_type)
        provider = self._providers.get(indicator.code)
        if provider is not None:
            computed = provider(commune_id, own)
            if computed is not None and computed.value is not None:
                return IndicatorValue(
                    commune_id=commune_id,
                    code=indicator.code,
                    period=own,
                    value=computed.value,
                    source="computed",
                    source_detail_vi=computed.detail_vi,
                    evidence=computed.evidence,
                )
        entered = self._values.at_or_before(commune_id, indicator.code, own)
        if entered is not None:
            when = format_date_vn(entered.entered_at) if entered.entered_at else ""
            carried = "" if entered.period == own else f", số liệu kỳ {entered.period}"
            return entered.model_copy(
                update={"source_detail_vi": f"Cán bộ nhập ngày {when} ({entered.entered_by}){carried}"}
            )
        return IndicatorValue(
            commune_id=commune_id,
            code=indicator.code,
            period=own,
            value=None,
            source="missing",
            source_detail_vi="Chưa có số liệu: cán bộ cần nhập kèm minh chứng"
            + ("" if provider is None else " (nền tảng chưa tính được)"),
        )

    def score(self, commune_id: str, indicator: Indicator, period: str) -> CriterionScore:
        found = self.value(commune_id, indicator, period)
        return CriterionScore(
            code=indicator.code,
            name_vi=indicator.name_vi,
            target_text=indicator.target_text,
            target_value=indicator.target_value,
            value=found.value,
            unit=indicator.unit,
            met=is_met(indicator, found.value),
            source=found.source,
            source_detail_vi=found.source_detail_vi,
            evidence=found.evidence,
            as_of=found.entered_at if found.source == "entered" and found.entered_at else self._clock(),
        )

    # ------------------------------------------------------------ scorecards

    def scorecard(self, commune_id: str, month: str | None = None) -> Scorecard:
        """The scorecard of ``month`` (default: this month, Vietnam time). A past month is served from its snapshot
        (as it stood); this month is computed afresh and its snapshot replaced."""
        this_month = current_month(self._clock())
        month = month or this_month
        if month > this_month:
            raise InvalidInputError("Tháng chưa tới.", "That month has not come yet.")
        if month < this_month:
            kept = self._snapshots.get(commune_id, month)
            if kept is not None:
                return kept
        scores = [self.score(commune_id, i, month) for i in self._catalog.criteria()]
        card = Scorecard(
            commune_id=commune_id,
            month=month,
            criteria=scores,
            met_count=sum(1 for s in scores if s.met),
            total=len(scores),
        )
        self._snapshots.put(card)
        return card

    def history(self, commune_id: str, code: str, months: int = 12) -> list[CriterionScore]:
        """One criterion month by month (oldest first) from the stored snapshots, this month computed live.

        A month with no snapshot (before the platform kept them) is left out."""
        indicator = self._catalog.get(code)
        span = months_back(current_month(self._clock()), months)
        kept = self._snapshots.between(commune_id, span[0], span[-2]) if months > 1 else []
        found = {card.month: card for card in kept}
        out: list[CriterionScore] = []
        for month in span[:-1]:
            card = found.get(month)
            score = next((s for s in card.criteria if s.code == code), None) if card else None
            if score is not None:
                out.append(score)
        out.append(self.score(commune_id, indicator, span[-1]))
        return out

    def series(self, commune_id: str, code: str, start: str, end: str) -> list[IndicatorValue]:
        """One indicator's values between two periods (inclusive), oldest first: what staff entered, and for a
        monthly criterion the months' snapshots (computed values as they stood) where nothing was entered."""
        indicator = self._catalog.get(code)
        if start > end:
            raise InvalidInputError("Kỳ bắt đầu sau kỳ kết thúc.", "The start is after the end.")
        by_period = {v.period: v for v in self._values.series(commune_id, code, start, end)}
        if indicator.period_type == "monthly" and len(start) == len(end) == len("YYYY-MM"):
            for card in self._snapshots.between(commune_id, start, end):
                score = next((s for s in card.criteria if s.code == code), None)
                if score is not None and score.value is not None and card.month not in by_period:
                    by_period[card.month] = IndicatorValue(
                        commune_id=commune_id,
                        code=code,
                        period=card.month,
                        value=score.value,
                        source=score.source,
                        source_detail_vi=score.source_detail_vi,
                        evidence=score.evidence,
                    )
        return [by_period[p] for p in sorted(by_period)]
