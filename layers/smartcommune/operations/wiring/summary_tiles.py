"""Tiles from other capabilities' ``summary(commune_id)`` services (cameras, water quality, public directory).

Those capabilities are built alongside this one; their summaries are read by shape — numbers become figures,
mappings of numbers become a bar chart, ``…_at`` times are shown dd/mm/yyyy, and listed points with ``lat``/``lon``
become map markers — with the labels below for the fields their interfaces name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from smartcommune.core.contracts import VN_TZ
from smartcommune.operations.contracts import MapMarker, Metric, Series, Tile
from smartcommune.operations.logic.dashboard import TileOutput

TITLES_VI = {
    "cameras": "Camera an ninh",
    "water": "Chất lượng nước sạch",
    "directory": "Cổng thông tin: danh bạ cán bộ",
}
LINKS = {"cameras": "/admin/#/cameras", "water": "/admin/#/water", "directory": "/admin/#/site"}
LABELS_VI = {
    "total": "Tổng số",
    "online": "Đang hoạt động",
    "offline": "Mất kết nối",
    "events_today": "Sự kiện hôm nay",
    "events_today_by_rule": "Sự kiện hôm nay theo quy tắc",
    "last_event_at": "Sự kiện gần nhất",
    "sensors": "Cảm biến",
    "sensors_online": "Cảm biến hoạt động",
    "readings_today": "Lượt đo hôm nay",
    "out_of_limits": "Vượt giới hạn QCVN",
    "out_of_limit": "Vượt giới hạn QCVN",
    "faults": "Cảm biến lỗi",
    "last_reading_at": "Lần đo gần nhất",
    "officials": "Cán bộ trong danh bạ",
    "points": "Điểm du lịch, OCOP",
    "articles": "Tin bài đã đăng",
    "published": "Công khai trên cổng",
    "with_phone": "Có số điện thoại",
    "with_email": "Có thư điện tử",
}
MARKER_KIND: dict[str, Literal["camera", "water"]] = {"cameras": "camera", "water": "water"}
SKIP = frozenset({"commune_id"})


class SummaryTile:
    def __init__(self, name: str, summaries: Any) -> None:
        self._name = name
        self._summaries = summaries

    def tile(self, commune_id: str, now: datetime) -> TileOutput:
        raw = self._summaries.summary(commune_id)
        data: dict[str, Any] = raw.model_dump(mode="json") if hasattr(raw, "model_dump") else dict(raw)
        return tile_of(self._name, data)


def _label(key: str) -> str:
    return LABELS_VI.get(key, key.replace("_", " "))


def tile_of(name: str, data: dict[str, Any]) -> TileOutput:
    """A tile from a summary's fields (see the module's docstring)."""
    metrics: list[Metric] = []
    series: list[Series] = []
    markers: list[MapMarker] = []
    total = data.get("total")
    for key, value in data.items():
        if key in SKIP or (value is None and not key.endswith("_at")):
            continue
        if isinstance(value, bool):
            metrics.append(Metric(key=key, label_vi=_label(key), value="có" if value else "không"))
        elif isinstance(value, int | float):
            tone: Literal["ok", "warn", "bad", "info"] = "info"
            unit = ""
            if key == "online" and isinstance(total, int):
                unit, tone = f"/{total}", "ok" if value == total else "bad"
            elif key in {"offline", "faults", "out_of_limits", "out_of_limit"}:
                tone = "bad" if value else "ok"
            metrics.append(Metric(key=key, label_vi=_label(key), value=value, unit=unit, tone=tone))
        elif key.endswith("_at"):
            metrics.append(Metric(key=key, label_vi=_label(key), value=_when(value)))
        elif isinstance(value, dict) and all(isinstance(v, int | float) for v in value.values()):
            series.append(
                Series(key=key, label_vi=_label(key), x=list(value), values=[float(v) for v in value.values()])
            )
        elif isinstance(value, list):
            markers.extend(_markers(name, value))
    return TileOutput(
        tile=Tile(name=name, title_vi=TITLES_VI.get(name, name), metrics=metrics, series=series, link=LINKS.get(name)),
        markers=markers,
    )


def _when(value: Any) -> str:
    if not value:
        return "chưa có"
    try:
        return f"{datetime.fromisoformat(str(value)).astimezone(VN_TZ):%H:%M %d/%m/%Y}"
    except ValueError:
        return str(value)


def _markers(name: str, items: list[Any]) -> list[MapMarker]:
    kind = MARKER_KIND.get(name)
    out = []
    for item in items:
        if kind is None or not isinstance(item, dict):
            continue
        location = item.get("location")
        where: dict[str, Any] = location if isinstance(location, dict) else item
        lat, lon = where.get("lat"), where.get("lon")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            continue
        ok = item.get("online", True) is not False and not item.get("fault") and not item.get("out_of_limits")
        label = str(item.get("name") or item.get("label") or item.get("id") or name)
        out.append(
            MapMarker(
                kind=kind, lat=lat, lon=lon, label_vi=label, tone="ok" if ok else "bad", hamlet_id=item.get("hamlet_id")
            )
        )
    return out
