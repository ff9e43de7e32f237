"""The public wifi tile (seed V.5, criterion 4.3): points in and out of service, the share of public places with a
free point in service; each point on the map, and the register's details in the drill-down (the facilities
capability's ``wifi`` summary, read by its fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from smartcommune.core.contracts import VN_TZ
from smartcommune.operations.contracts import DrillTable, MapMarker, Metric, Series, Tile
from smartcommune.operations.logic.dashboard import TileOutput

KINDS_VI = {
    "one_stop_office": "Bộ phận Một cửa",
    "health_station": "Trạm y tế",
    "cultural_house": "Nhà văn hóa xóm",
    "school": "Trường học",
    "post_office": "Bưu điện văn hóa",
    "tourist_spot": "Điểm du lịch",
    "market": "Chợ",
    "other": "Khác",
}
FULL = 100.0
STATUS_VI = {"in_service": "Đang hoạt động", "out_of_service": "Ngừng hoạt động"}


def _when(at: datetime) -> str:
    return f"{at.astimezone(VN_TZ):%H:%M %d/%m/%Y}"


class WifiTile:
    def __init__(self, summaries: Any) -> None:
        self._summaries = summaries

    def tile(self, commune_id: str, now: datetime) -> TileOutput:
        s = self._summaries.wifi(commune_id)
        coverage = s.coverage_pct
        tone: Literal["ok", "warn", "bad", "info"] = "info"
        if coverage is not None:
            tone = "ok" if coverage >= FULL else "warn"
        metrics = [
            Metric(
                key="in_service",
                label_vi="Điểm wifi đang hoạt động",
                value=s.in_service,
                unit=f"/{s.points}",
                tone="ok" if s.points and s.in_service == s.points else "warn",
            ),
            Metric(
                key="out_of_service",
                label_vi="Điểm ngừng hoạt động",
                value=s.out_of_service,
                tone="bad" if s.out_of_service else "ok",
            ),
            Metric(key="coverage_pct", label_vi="Điểm công cộng có wifi miễn phí", value=coverage, unit="%", tone=tone),
            Metric(
                key="public_places_covered",
                label_vi="Điểm công cộng đã có",
                value=s.public_places_covered,
                unit=f"/{s.public_places}",
                tone=tone,
            ),
        ]
        series = [
            Series(
                key="by_kind",
                label_vi="Điểm wifi theo loại địa điểm",
                x=list(s.by_kind),
                values=[float(v) for v in s.by_kind.values()],
            )
        ]
        rows: list[list[str | int | float | None]] = [
            [
                p.name,
                KINDS_VI.get(p.place_kind, p.place_kind),
                p.hamlet_name or "",
                p.bandwidth_mbps,
                "có" if p.free else "không",
                STATUS_VI.get(p.status, p.status),
                _when(p.status_since),
                p.status_note or "",
            ]
            for p in s.items
        ]
        drill = [
            DrillTable(
                key="points",
                title_vi="Sổ điểm wifi",
                columns=["Điểm", "Loại", "Xóm", "Băng thông (Mbps)", "Miễn phí", "Tình trạng", "Từ", "Ghi chú"],
                rows=rows,
            ),
            DrillTable(
                key="uncovered",
                title_vi="Điểm công cộng chưa có wifi miễn phí đang hoạt động",
                columns=["Địa điểm"],
                rows=[[name] for name in s.uncovered],
            ),
        ]
        markers = [
            MapMarker(
                kind="wifi",
                lat=p.lat,
                lon=p.lon,
                label_vi=f"{p.name}: {STATUS_VI.get(p.status, p.status)}",
                tone="ok" if p.status == "in_service" else "bad",
                hamlet_id=p.hamlet_id,
            )
            for p in s.items
        ]
        return TileOutput(
            tile=Tile(
                name="wifi",
                title_vi="Wifi công cộng miễn phí",
                metrics=metrics,
                series=series,
                drill=drill,
                note_vi=s.method_vi,
                link="/admin/#/facilities",
            ),
            markers=markers,
        )
