"""The health station's tile: today's bookings by state and by service (telehealth's wiring, one day's index)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from smartcommune.core.contracts import VN_TZ
from smartcommune.operations.contracts import DrillTable, Metric, Series, Tile
from smartcommune.operations.logic.dashboard import TileOutput

if TYPE_CHECKING:
    from smartcommune.core.services import Services

STATE_LABELS_VI = {
    "booked": "Đã đặt",
    "checked_in": "Đã đến",
    "called": "Đang khám",
    "done": "Đã khám",
    "cancelled": "Đã hủy",
    "no_show": "Không đến",
}


class HealthTile:
    def __init__(self, services: Services) -> None:
        self._services = services

    def tile(self, commune_id: str, now: datetime) -> TileOutput:
        from smartcommune.telehealth.wiring import booking_repository

        repo = self._services.get(booking_repository)
        today = now.astimezone(VN_TZ).date()
        bookings = repo.by_day(commune_id, today)
        tomorrow = repo.by_day(commune_id, today + timedelta(days=1))
        by_state: dict[str, int] = {}
        by_service: dict[str, int] = {}
        for b in bookings:
            by_state[b.status] = by_state.get(b.status, 0) + 1
            if b.status != "cancelled":
                by_service[b.service] = by_service.get(b.service, 0) + 1
        live = sum(n for s, n in by_state.items() if s != "cancelled")
        metrics = [
            Metric(key="bookings_today", label_vi="Lượt đặt khám hôm nay", value=live),
            Metric(key="waiting", label_vi="Đang chờ khám", value=by_state.get("checked_in", 0)),
            Metric(key="done", label_vi="Đã khám", value=by_state.get("done", 0), tone="ok"),
            Metric(
                key="bookings_tomorrow",
                label_vi="Lượt đặt ngày mai",
                value=sum(1 for b in tomorrow if b.status != "cancelled"),
            ),
        ]
        series = [
            Series(
                key="by_state",
                label_vi="Hôm nay theo trạng thái",
                x=[STATE_LABELS_VI[s] for s in STATE_LABELS_VI if by_state.get(s)],
                values=[float(by_state[s]) for s in STATE_LABELS_VI if by_state.get(s)],
            )
        ]
        drill = [
            DrillTable(
                key="by_service",
                title_vi="Lượt đặt hôm nay theo dịch vụ",
                columns=["Dịch vụ", "Lượt"],
                rows=[[service, n] for service, n in sorted(by_service.items(), key=lambda kv: -kv[1])],
            )
        ]
        return TileOutput(
            tile=Tile(
                name="health",
                title_vi="Trạm y tế: đặt lịch khám",
                metrics=metrics,
                series=series,
                drill=drill,
                link="/admin/#/health",
            )
        )
