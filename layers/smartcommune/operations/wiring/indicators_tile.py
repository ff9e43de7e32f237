"""The socio-economic indicators tile: the latest value of each of the province's commune indicators (the catalog's
``tinh`` set: population, households, poverty rate…, up to the province's 69) with its period and where it comes
from — reporting's public catalog and scorecard services (``reporting.wiring.indicator_catalog``, ``scorecards``),
never its storage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from smartcommune.core.contracts import VN_TZ
from smartcommune.operations.contracts import DrillTable, Metric, Tile
from smartcommune.operations.logic.dashboard import TileOutput

SOCIO_ECONOMIC_SET = "tinh"
ON_TILE = 6
"""Indicators shown as figures on the tile; the drill-down lists them all."""
KEEP_S = 600
"""How long a commune's values are reused: they are yearly or monthly figures staff enter, one read each."""
UNITS = {"percent": "%", "vnd": " đ", "dat": "", "count": "", "number": ""}


def _value(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


class IndicatorsTile:
    def __init__(self, catalog: Any, scorecards: Any) -> None:
        self._catalog = catalog
        self._scorecards = scorecards
        self._kept: dict[str, tuple[datetime, TileOutput]] = {}

    def tile(self, commune_id: str, now: datetime) -> TileOutput:
        kept = self._kept.get(commune_id)
        if kept is not None and (now - kept[0]).total_seconds() < KEEP_S:
            return kept[1]
        month = f"{now.astimezone(VN_TZ):%Y-%m}"
        indicators = [i for i in self._catalog.catalog.indicators if i.set == SOCIO_ECONOMIC_SET]
        found = [(i, self._scorecards.value(commune_id, i, month)) for i in indicators]
        metrics = [
            Metric(
                key=i.code,
                label_vi=f"{i.name_vi} ({v.period})" if v.value is not None else i.name_vi,
                value=_value(v.value),
                unit=UNITS.get(i.unit, ""),
            )
            for i, v in found[:ON_TILE]
        ]
        rows: list[list[str | int | float | None]] = [
            [
                i.code,
                i.name_vi,
                _value(v.value),
                UNITS.get(i.unit, "").strip(),
                v.period if v.value is not None else "",
                v.source_detail_vi or "",
            ]
            for i, v in found
        ]
        out = TileOutput(
            tile=Tile(
                name="indicators",
                title_vi="Chỉ tiêu kinh tế - xã hội",
                metrics=metrics,
                drill=[
                    DrillTable(
                        key="indicators",
                        title_vi="Giá trị mới nhất của từng chỉ tiêu",
                        columns=["Mã", "Chỉ tiêu", "Giá trị", "Đơn vị", "Kỳ", "Nguồn"],
                        rows=rows,
                    )
                ],
                note_vi=str(self._catalog.catalog.sets.get(SOCIO_ECONOMIC_SET, "")),
                link="/admin/#/reports",
            )
        )
        self._kept[commune_id] = (now, out)
        return out
