"""The loudspeakers' tile: online now, programs today and this month, the last emergency bulletin and how its
delivery went; one marker per loudspeaker cluster (broadcast's and devices' wiring).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import VN_TZ
from smartcommune.core.errors import NotFoundError
from smartcommune.operations.contracts import DrillTable, MapMarker, Metric, Tile
from smartcommune.operations.logic.dashboard import TileOutput

if TYPE_CHECKING:
    from smartcommune.core.services import Services

RECENT_BULLETINS = 25


class SpeakersTile:
    def __init__(self, services: Services) -> None:
        self._services = services

    def tile(self, commune_id: str, now: datetime) -> TileOutput:
        from smartcommune.broadcast.wiring import broadcast_stats, bulletin_repository
        from smartcommune.devices.wiring import device_fanout

        fanout = self._services.get(device_fanout)
        states = fanout.registry(commune_id).states(now)
        online = sum(1 for s in states if s.online)
        playing = sum(1 for s in states if s.online and s.playing)
        local = now.astimezone(VN_TZ)
        stats = self._services.get(broadcast_stats)
        today: dict[str, Any] = stats.period(commune_id, f"{local:%Y-%m-%d}")
        month: dict[str, Any] = stats.period(commune_id, f"{local:%Y-%m}")
        bulletins = self._services.get(bulletin_repository)
        recent = bulletins.page(commune_id, None, None, RECENT_BULLETINS).items
        latest = next((b for b in recent if b.priority == "emergency" and b.plays), None)
        emergency = bulletins.get(commune_id, latest.id) if latest is not None else None
        metrics = [
            Metric(
                key="online",
                label_vi="Loa trực tuyến",
                value=online,
                unit=f"/{len(states)}",
                tone="ok" if states and online == len(states) else "bad",
            ),
            Metric(key="playing", label_vi="Đang phát", value=playing),
            Metric(key="programs_today", label_vi="Chương trình hôm nay", value=int(today.get("programs", 0))),
            Metric(key="programs_month", label_vi="Chương trình tháng này", value=int(month.get("programs", 0))),
        ]
        drill: list[DrillTable] = []
        if emergency is not None and emergency.last_played_at is not None:
            metrics.append(Metric(key="emergency_title", label_vi="Bản tin khẩn gần nhất", value=emergency.headline))
            metrics.append(
                Metric(
                    key="emergency_at",
                    label_vi="Phát lúc",
                    value=f"{emergency.last_played_at.astimezone(VN_TZ):%H:%M %d/%m/%Y}",
                )
            )
            try:
                report = fanout.report(commune_id, emergency.id)
            except NotFoundError:
                report = None
            if report is not None:
                summary = report.summary
                share = round(summary.played / summary.targeted * 100, 1) if summary.targeted else None
                metrics.append(
                    Metric(
                        key="emergency_delivery",
                        label_vi="Bản tin khẩn: loa đã phát",
                        value=share,
                        unit="%",
                        tone="ok" if share == 100 else "bad",
                    )
                )
                drill.append(
                    DrillTable(
                        key="emergency_delivery",
                        title_vi=f"Bản tin khẩn «{emergency.headline}»: kết quả phát",
                        columns=["Số loa nhận lệnh", "Đã nhận", "Đã phát", "Lỗi", "Đang chờ"],
                        rows=[[summary.targeted, summary.acked, summary.played, summary.failed, summary.pending]],
                    )
                )
        clusters: dict[str, list[Any]] = {}
        for s in states:
            clusters.setdefault(s.cluster_id, []).append(s)
        markers = [
            MapMarker(
                kind="speaker",
                lat=members[0].location.lat,
                lon=members[0].location.lon,
                label_vi=f"Cụm loa {cluster}: {sum(1 for m in members if m.online)}/{len(members)} loa trực tuyến",
                tone="ok" if all(m.online for m in members) else "bad",
                hamlet_id=members[0].hamlet_id,
            )
            for cluster, members in sorted(clusters.items())
        ]
        offline = sorted(s.thing for s in states if not s.online)
        if offline:
            drill.append(
                DrillTable(
                    key="offline",
                    title_vi="Loa mất kết nối",
                    columns=["Loa", "Cụm", "Xóm", "Lần cuối liên lạc"],
                    rows=[
                        [
                            s.thing,
                            s.cluster_id,
                            s.hamlet_id,
                            f"{s.last_seen_at.astimezone(VN_TZ):%H:%M %d/%m/%Y}" if s.last_seen_at else "chưa bao giờ",
                        ]
                        for s in states
                        if not s.online
                    ],
                )
            )
        return TileOutput(
            tile=Tile(
                name="loudspeakers",
                title_vi="Truyền thanh thông minh",
                metrics=metrics,
                drill=drill,
                link="/admin/#/broadcast",
            ),
            markers=markers,
        )
