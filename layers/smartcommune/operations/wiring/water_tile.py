"""The water-quality tile: sensors within the QCVN limits, out of them, silent; each sensor on the map, and its
latest values in the drill-down (the water capability's ``summary``, read by its fields).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from smartcommune.core.contracts import VN_TZ
from smartcommune.operations.contracts import DrillTable, MapMarker, Metric, Series, Tile
from smartcommune.operations.logic.dashboard import TileOutput

STATUS_VI = {"ok": "Đạt", "out_of_limits": "Vượt giới hạn", "silent": "Mất tín hiệu"}
PARAMETERS_VI = {"ph": "pH", "turbidity": "độ đục", "free_chlorine": "clo dư", "temperature": "nhiệt độ"}


def _number(value: Any) -> str:
    return "—" if value is None else f"{value:g}".replace(".", ",")


class WaterTile:
    def __init__(self, summaries: Any) -> None:
        self._summaries = summaries

    def tile(self, commune_id: str, now: datetime) -> TileOutput:
        summary = self._summaries.summary(commune_id)
        counts = summary.counts
        metrics = [
            Metric(
                key="ok",
                label_vi="Điểm đo đạt chuẩn",
                value=counts.ok,
                unit=f"/{counts.total}",
                tone="ok" if counts.total and counts.ok == counts.total else "warn",
            ),
            Metric(
                key="out_of_limits",
                label_vi="Vượt giới hạn QCVN",
                value=counts.out_of_limits,
                tone="bad" if counts.out_of_limits else "ok",
            ),
            Metric(
                key="silent",
                label_vi="Cảm biến mất tín hiệu",
                value=counts.silent,
                tone="bad" if counts.silent else "ok",
            ),
        ]
        chlorine = [s for s in summary.sensors if s.latest.free_chlorine_mg_l is not None]
        series = [
            Series(
                key="free_chlorine",
                label_vi="Clo dư mới nhất (mg/L)",
                x=[s.site_name for s in chlorine],
                values=[float(s.latest.free_chlorine_mg_l) for s in chlorine],
                unit="mg/L",
            )
        ]
        rows: list[list[str | int | float | None]] = [
            [
                s.site_name,
                s.hamlet_name or s.hamlet_id,
                STATUS_VI.get(s.status, s.status),
                f"{s.measured_at.astimezone(VN_TZ):%H:%M %d/%m/%Y}" if s.measured_at else "chưa có",
                _number(s.latest.ph),
                _number(s.latest.turbidity_ntu),
                _number(s.latest.free_chlorine_mg_l),
                ", ".join(PARAMETERS_VI.get(p, p) for p in s.out_of_limits),
            ]
            for s in summary.sensors
        ]
        markers = [
            MapMarker(
                kind="water",
                lat=s.lat,
                lon=s.lon,
                label_vi=f"{s.site_name}: {STATUS_VI.get(s.status, s.status)}",
                tone="ok" if s.status == "ok" else "bad",
                hamlet_id=s.hamlet_id,
            )
            for s in summary.sensors
        ]
        return TileOutput(
            tile=Tile(
                name="water",
                title_vi="Chất lượng nước sạch",
                metrics=metrics,
                series=series,
                drill=[
                    DrillTable(
                        key="sensors",
                        title_vi="Các điểm đo",
                        columns=[
                            "Điểm đo",
                            "Xóm",
                            "Tình trạng",
                            "Lần đo",
                            "pH",
                            "Độ đục (NTU)",
                            "Clo dư (mg/L)",
                            "Vượt",
                        ],
                        rows=rows,
                    )
                ],
                note_vi=summary.regulation,
                link="/admin/#/water",
            ),
            markers=markers,
        )
