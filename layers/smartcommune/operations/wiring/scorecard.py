"""The criteria scorecard, read from the reporting capability (``reporting.wiring.scorecards``) by its shape:
a scorecard with ``criteria`` (code, name_vi, target_text, value, unit, met, source, source_detail_vi) and a
``history(commune_id, code, months)`` per criterion.
"""

from __future__ import annotations

from typing import Any

from smartcommune.operations.contracts import CriterionHistory, HistoryPoint, ScorecardRow, ScorecardView


def _data(raw: Any) -> Any:
    return raw.model_dump(mode="json") if hasattr(raw, "model_dump") else raw


def _cell(value: Any) -> float | int | str | None:
    return value if value is None or isinstance(value, int | float | str) else str(value)


class ReportingScorecards:
    def __init__(self, scorecards: Any) -> None:
        self._scorecards = scorecards

    def scorecard(self, commune_id: str) -> ScorecardView:
        data = _data(self._scorecards.scorecard(commune_id, month=None))
        rows = [
            ScorecardRow(
                code=str(c["code"]),
                name_vi=str(c.get("name_vi") or ""),
                target_text=str(c.get("target_text") or ""),
                value=_cell(c.get("value")),
                unit=str(c.get("unit") or ""),
                met=c.get("met"),
                source=str(c.get("source") or ""),
                source_detail_vi=str(c.get("source_detail_vi") or ""),
            )
            for c in (_data(c) for c in data.get("criteria", []))
        ]
        return ScorecardView(month=data.get("month"), criteria=rows, met=sum(1 for r in rows if r.met), total=len(rows))

    def history(self, commune_id: str, code: str, months: int = 12) -> CriterionHistory:
        raw = _data(self._scorecards.history(commune_id, code, months=months))
        points_raw: list[Any] = (raw.get("points") or raw.get("history") or []) if isinstance(raw, dict) else raw
        points = []
        for raw_point in points_raw:
            p = _data(raw_point)
            value = p.get("value")
            points.append(
                HistoryPoint(
                    month=str(p.get("month") or p.get("period")),
                    value=float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None,
                    met=p.get("met"),
                )
            )
        meta = raw if isinstance(raw, dict) else {}
        return CriterionHistory(
            code=code, name_vi=str(meta.get("name_vi") or ""), unit=str(meta.get("unit") or ""), points=points
        )
