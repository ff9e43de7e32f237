"""The dashboard's assembly: every registered tile source, every warning source, the scorecard and the forecasts
in one payload; and the hall screen's projection of it (counts only).

Pure: sources are ports. A source that fails gives a tile saying so instead of failing the whole screen, and a
registered tile whose capability is not installed is listed in ``missing_tiles``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from smartcommune.core.contracts import VN_TZ
from smartcommune.core.warnings import CATEGORY_LABELS_VI, SEVERITY_RANK, OperationalWarning, WarningSource
from smartcommune.operations.contracts import (
    Audience,
    CriterionHistory,
    DashboardPayload,
    Forecasts,
    MapMarker,
    Metric,
    ScorecardView,
    Tile,
    WarningBoard,
    WarningCount,
)
from smartcommune.operations.logic.forecasts import Person, forecast
from smartcommune.operations.logic.trends import rising_all

log = logging.getLogger(__name__)

WARNING_DAYS = 7
WARNING_LIMIT = 50
SEVERITY_LABELS_VI = {"extreme": "Đặc biệt nghiêm trọng", "severe": "Nghiêm trọng", "moderate": "Trung bình"} | {
    "minor": "Nhẹ"
}


@dataclass
class TileOutput:
    """What a tile source gives: its tile, its map markers, and daily series to watch for rising trends."""

    tile: Tile
    markers: list[MapMarker] = field(default_factory=list)
    trends: dict[str, tuple[str, dict[date, int]]] = field(default_factory=dict)


class TileSource(Protocol):
    def tile(self, commune_id: str, now: datetime) -> TileOutput: ...


class ScorecardSource(Protocol):
    def scorecard(self, commune_id: str) -> ScorecardView: ...

    def history(self, commune_id: str, code: str, months: int = 12) -> CriterionHistory: ...


class PopulationSource(Protocol):
    source_vi: str  # what the people were counted from, for the method's sentence

    def people(self, commune_id: str) -> tuple[list[Person], int]:
        """The register's people with a known birth year, and how many entries have none."""
        ...


@dataclass(frozen=True)
class CommuneFacts:
    name: str
    population: int | None
    hamlets: dict[str, str]


class CommuneFactsSource(Protocol):
    def facts(self, commune_id: str) -> CommuneFacts | None: ...


class DashboardService:
    """Builds the payload from the registered sources (``None``: that capability is not installed)."""

    def __init__(
        self,
        *,
        tiles: dict[str, TileSource | None],
        warnings: dict[str, WarningSource | None],
        scorecards: ScorecardSource | None,
        population: PopulationSource,
        communes: CommuneFactsSource,
        clock: Callable[[], datetime],
    ) -> None:
        self._tiles = tiles
        self._warnings = warnings
        self._scorecards = scorecards
        self._population = population
        self._communes = communes
        self._clock = clock

    def payload(self, commune_id: str, audience: Audience) -> DashboardPayload | None:
        """The dashboard of ``commune_id`` (``None``: no such commune)."""
        facts = self._communes.facts(commune_id)
        if facts is None:
            return None
        now = self._clock()
        tiles, markers, series = [], [], {}
        for name, source in self._tiles.items():
            if source is None:
                continue
            try:
                out = source.tile(commune_id, now)
            except Exception:  # one broken source must not blank the hall screen
                log.exception("dashboard tile %s failed", name)
                tiles.append(Tile(name=name, title_vi=name, metrics=[], note_vi="Không đọc được dữ liệu lúc này."))
                continue
            tiles.append(out.tile)
            markers.extend(out.markers)
            series.update(out.trends)
        board = self._board(commune_id, now)
        markers.extend(
            MapMarker(kind="warning", lat=w.lat, lon=w.lon, label_vi=w.title_vi, tone="bad", hamlet_id=w.hamlet_id)
            for w in board.items
            if w.lat is not None and w.lon is not None and w.acknowledged_at is None
        )
        payload = DashboardPayload(
            commune_id=commune_id,
            commune_name=facts.name,
            audience=audience,
            generated_at=now,
            tiles=tiles,
            missing_tiles=[name for name, source in self._tiles.items() if source is None],
            warnings=board,
            forecasts=self._forecasts(commune_id, now, facts),
            trends=rising_all(series, now.astimezone(VN_TZ).date()),
            scorecard=self._scorecard(commune_id),
            markers=markers,
            hamlets=facts.hamlets,
        )
        return public_view(payload) if audience == "public" else payload

    def history(self, commune_id: str, code: str, months: int = 12) -> CriterionHistory | None:
        """A criterion's monthly history (``None``: the scorecard capability is not installed)."""
        return self._scorecards.history(commune_id, code, months) if self._scorecards else None

    def _forecasts(self, commune_id: str, now: datetime, facts: CommuneFacts) -> Forecasts:
        people, unknown = self._population.people(commune_id)
        return forecast(
            people,
            now.astimezone(VN_TZ).date(),
            unknown=unknown,
            population=facts.population,
            source_vi=self._population.source_vi,
        )

    def _scorecard(self, commune_id: str) -> ScorecardView | None:
        if self._scorecards is None:
            return None
        try:
            return self._scorecards.scorecard(commune_id)
        except Exception:
            log.exception("dashboard scorecard failed")
            return None

    def _board(self, commune_id: str, now: datetime) -> WarningBoard:
        since = now - timedelta(days=WARNING_DAYS)
        found: list[OperationalWarning] = []
        asked = []
        for name, source in self._warnings.items():
            if source is None:
                continue
            asked.append(name)
            try:
                found.extend(source.recent_warnings(commune_id, since, WARNING_LIMIT))
            except Exception:
                log.exception("warning source %s failed", name)
        return board_of(found, since, asked)


def board_of(found: list[OperationalWarning], since: datetime, sources: list[str]) -> WarningBoard:
    """Warnings most severe first, then newest first; counts per severity (and unacknowledged) and category."""
    items = sorted(found, key=lambda w: (SEVERITY_RANK[w.severity], -w.raised_at.timestamp()))
    counts = [
        WarningCount(
            severity=str(severity),
            label_vi=SEVERITY_LABELS_VI[str(severity)],
            count=sum(1 for w in items if w.severity == severity),
            unacknowledged=sum(1 for w in items if w.severity == severity and w.acknowledged_at is None),
        )
        for severity in sorted(SEVERITY_RANK, key=SEVERITY_RANK.__getitem__)
    ]
    by_category: dict[str, int] = {}
    for w in items:
        label = CATEGORY_LABELS_VI[w.category]
        by_category[label] = by_category.get(label, 0) + 1
    return WarningBoard(since=since, counts=counts, by_category=by_category, items=items, sources=sources)


def public_view(payload: DashboardPayload) -> DashboardPayload:
    """The hall screen's projection: counts and charts only — no drill-down, no warning details or places."""
    tiles = [
        tile.model_copy(update={"drill": [], "link": None, "metrics": [m for m in tile.metrics if _public(m)]})
        for tile in payload.tiles
    ]
    return payload.model_copy(
        update={
            "audience": "public",
            "tiles": tiles,
            "warnings": payload.warnings.model_copy(update={"items": []}),
            "markers": [m for m in payload.markers if m.kind not in {"warning", "feedback"}],
        }
    )


def _public(metric: Metric) -> bool:
    # A metric whose value is text (a bulletin's title, a place) is a detail; counts and rates are public.
    return not isinstance(metric.value, str)
