"""Broadcast statistics: counting finished deliveries, and the report of programmes, airtime and failures.

Its own room (a collaborator of ``BulletinService``) because statistics never change a bulletin: they turn
delivery reports (and the bulletin's audio length) into counters on their own cadence (each scheduler step counts
the fan-outs whose reports are complete) and read the counters back when staff ask, by day or month.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from smartcommune.broadcast.contracts import StatsReport, StatsRow
from smartcommune.broadcast.logic.refusals import invalid
from smartcommune.core.contracts import VN_TZ

if TYPE_CHECKING:
    from smartcommune.broadcast.logic.ports import BulletinStore, StatsStore
    from smartcommune.core.principal import Principal
    from smartcommune.devices.contracts import Fanout


class DeliveryStatistics:
    """Counts delivery reports into the statistics counters, and reads the counters back as a report."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        store: BulletinStore,
        fanout: Fanout,
        stats: StatsStore,
        lineage: Callable[[str], list[str]] = lambda commune_id: [commune_id],
    ) -> None:
        """``lineage``: a commune and those merged into it, whose counters stay where they were counted."""
        self._clock = clock
        self._store = store
        self._fanout = fanout
        self._stats = stats
        self._lineage = lineage

    def collect_reports(self) -> int:
        """Count every fan-out whose delivery report is complete (or whose commands expired); returns how many."""
        now = self._clock()
        counted = 0
        for commune_id, bulletin_id, command_id, deadline in self._stats.pending():
            report = self._fanout.report(commune_id, bulletin_id, command_id)
            if not report.complete and deadline > now:
                continue
            bulletin = self._store.get(commune_id, bulletin_id)
            duration = (bulletin.audio.duration_s or 0.0) * bulletin.repeat if bulletin and bulletin.audio else 0.0
            rows = [(s.thing, s.cluster, "finished" if s.state == "finished" else "failed") for s in report.speakers]
            day = (report.start_at or now).astimezone(VN_TZ).date().isoformat()
            if self._stats.record(
                commune_id=commune_id,
                bulletin_id=bulletin_id,
                command_id=command_id,
                day=day,
                rows=rows,
                duration_s=duration,
            ):
                counted += 1
            self._stats.done(commune_id, bulletin_id, command_id)
        return counted

    def statistics(self, caller: Principal, period: str, start: date, end: date | None) -> StatsReport:
        """Programs aired, airtime per cluster, plays and failed deliveries per speaker, by day or month."""
        last = end or start
        if last < start or (last - start).days > 366:
            raise invalid("end", "Khoảng thời gian không hợp lệ (tối đa 1 năm).", "The range is invalid (max 1 year).")
        keys: list[str] = []
        day = start
        while day <= last:
            key = day.isoformat() if period == "day" else day.isoformat()[:7]
            if key not in keys:
                keys.append(key)
            day += timedelta(days=1)
        rows = []
        lineage = self._lineage(caller.commune_id)
        for key in keys:
            counters = _added([self._stats.period(commune_id, key) for commune_id in lineage])
            rows.append(
                StatsRow(
                    period=key,
                    programs_aired=counters["programs"],
                    airtime_s_by_cluster=counters["clusters"],
                    failed_by_speaker=counters["failed"],
                    played_by_speaker=counters["played"],
                )
            )
        return StatsReport(period="day" if period == "day" else "month", rows=rows)


def _added(periods: list[dict[str, Any]]) -> dict[str, Any]:
    """One period's counters of a commune and of the communes merged into it, added up."""
    out: dict[str, Any] = {"programs": 0, "clusters": {}, "played": {}, "failed": {}}
    for counters in periods:
        out["programs"] += counters["programs"]
        for name in ("clusters", "played", "failed"):
            for key, value in counters[name].items():
                out[name][key] = out[name].get(key, 0) + value
    return out
