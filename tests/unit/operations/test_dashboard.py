"""The payload's assembly: tiles from the registry (absent capability: no tile; failing source: a tile saying so),
warnings from every source most severe first with their acknowledgement, and the hall screen's projection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartcommune.core.warnings import OperationalWarning, WarningCategory, WarningSeverity
from smartcommune.operations.contracts import DrillTable, Metric, Tile
from smartcommune.operations.logic.dashboard import CommuneFacts, DashboardService, TileOutput

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)


class _Tile:
    def tile(self, commune_id, now):
        return TileOutput(
            tile=Tile(
                name="feedback",
                title_vi="Phản ánh",
                metrics=[Metric(key="open", label_vi="Đang xử lý", value=3), Metric(key="t", label_vi="T", value="x")],
                drill=[DrillTable(key="d", title_vi="D", columns=["a"], rows=[["b"]])],
                link="/admin/",
            )
        )


class _Broken:
    def tile(self, commune_id, now):
        raise RuntimeError("table unreachable")


def _warning(n: int, severity: WarningSeverity, minutes: int, *, acknowledged: bool = False) -> OperationalWarning:
    return OperationalWarning(
        warning_id=f"w{n}",
        commune_id="giao-phong",
        source="cameras",
        category=WarningCategory.SECURITY,
        severity=severity,
        title_vi=f"Cảnh báo {n}",
        raised_at=NOW - timedelta(minutes=minutes),
        lat=20.25,
        lon=106.49,
        acknowledged_by="Trần Văn Cường" if acknowledged else None,
        acknowledged_at=NOW if acknowledged else None,
    )


class _Warnings:
    def recent_warnings(self, commune_id, since, limit=50):
        assert since == NOW - timedelta(days=7)
        return [
            _warning(1, WarningSeverity.MINOR, 1),
            _warning(2, WarningSeverity.SEVERE, 30, acknowledged=True),
            _warning(3, WarningSeverity.SEVERE, 5),
        ]


class _People:
    source_vi = "sổ dân cư"

    def people(self, commune_id):
        return [], 0


class _Communes:
    def facts(self, commune_id):
        return CommuneFacts("Xã Giao Phong", 6835, {"xom-1": "Xóm 1"}) if commune_id == "giao-phong" else None


def _service() -> DashboardService:
    return DashboardService(
        tiles={"feedback": _Tile(), "water": None, "health": _Broken()},
        warnings={"cameras": _Warnings(), "water": None},
        scorecards=None,
        population=_People(),
        communes=_Communes(),
        clock=lambda: NOW,
    )


def test_the_registry_gives_tiles_and_names_what_is_missing():
    payload = _service().payload("giao-phong", "staff")
    assert payload is not None
    assert [t.name for t in payload.tiles] == ["feedback", "health"]
    assert payload.tiles[1].note_vi == "Không đọc được dữ liệu lúc này."
    assert payload.missing_tiles == ["water"]
    assert payload.scorecard is None
    assert _service().payload("khong-co", "staff") is None


def test_warnings_most_severe_then_newest_with_who_acknowledged():
    board = _service().payload("giao-phong", "staff").warnings
    assert [w.warning_id for w in board.items] == ["w3", "w2", "w1"]
    assert board.items[1].acknowledged_by == "Trần Văn Cường"
    counts = {c.severity: (c.count, c.unacknowledged) for c in board.counts}
    assert counts == {"extreme": (0, 0), "severe": (2, 1), "moderate": (0, 0), "minor": (1, 1)}
    assert board.by_category == {"An ninh trật tự": 3} and board.sources == ["cameras"]


def test_the_hall_screen_gets_counts_without_details():
    staff = _service().payload("giao-phong", "staff")
    public = _service().payload("giao-phong", "public")
    assert len([m for m in staff.markers if m.kind == "warning"]) == 2  # the unacknowledged ones, on the map
    assert public.audience == "public" and public.warnings.items == []
    assert public.warnings.counts == staff.warnings.counts
    assert [m.kind for m in public.markers] == []
    tile = public.tiles[0]
    assert tile.drill == [] and tile.link is None and [m.key for m in tile.metrics] == ["open"]
