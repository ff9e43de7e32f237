"""Broadcast statistics in the main table: counters per day and month, and the fan-outs still to be counted.

Its own room because statistics are never part of a bulletin change (a fan-out is remembered when it is sent,
and counted once its delivery report is complete) and implement their own port (``logic.ports.StatsStore``).
Counted-report markers and pending reports sit under the bulletin's partition (``bulletin_pk``); keys are listed
in ``storage.bulletins``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from smartcommune.broadcast.storage.bulletins import bulletin_pk
from smartcommune.core.table import MainTable, MergePolicy, commune_pk


class StatsCounterItem(MainTable, discriminator="broadcast_stats"):
    merge = MergePolicy.KEEP

    programs = NumberAttribute(default=0)
    airtime_s = NumberAttribute(default=0)


class StatsMarkerItem(MainTable, discriminator="broadcast_stats_marker"):
    """Marks a delivery report as counted, so counting it twice is impossible."""

    merge = MergePolicy.MOVE


class PendingReportItem(MainTable, discriminator="broadcast_pending_report"):
    merge = MergePolicy.MOVE

    commune_id = UnicodeAttribute()
    bulletin_id = UnicodeAttribute()
    command_id = UnicodeAttribute()
    deadline = UnicodeAttribute()


class SpeakerOutcomes(Protocol):
    """Plays and failures per speaker, kept by the device fabric (``devices.wiring.speaker_outcomes``)."""

    def count(self, commune_id: str, periods: list[str], rows: list[tuple[str, str]]) -> None: ...

    def period(self, commune_id: str, period: str) -> dict[str, dict[str, int]]: ...


class BroadcastStats:
    """Counters per day and month: programs aired, airtime per cluster; plays and failures per speaker through
    the device fabric, which owns each speaker's record."""

    def __init__(self, speakers: SpeakerOutcomes) -> None:
        self._speakers = speakers

    def record(
        self,
        *,
        commune_id: str,
        bulletin_id: str,
        command_id: str,
        day: str,
        rows: list[tuple[str, str, str]],
        duration_s: float,
    ) -> bool:
        """Count one completed delivery (``rows``: thing, cluster, final state) once; False if already counted.

        The marker is written first with a "must not exist" condition; only its writer adds to the counters
        (atomic ADDs, one per counter: 2,000 speakers would not fit in one transaction).
        """
        try:
            StatsMarkerItem(bulletin_pk(commune_id, bulletin_id), f"STATS#{command_id}").save(
                condition=StatsMarkerItem.pk.does_not_exist()
            )
        except PutError:
            return False
        clusters_played = {cluster for _thing, cluster, state in rows if state == "finished"}
        typed = StatsCounterItem.kind.set(StatsCounterItem)  # an update creates the item: give it its type
        for period in (day, day[:7]):
            pk = commune_pk(commune_id, "BSTATS", period)
            StatsCounterItem(pk, "TOTAL").update(actions=[typed, StatsCounterItem.programs.add(1)])
            for cluster in clusters_played:
                StatsCounterItem(pk, f"CLUSTER#{cluster}").update(
                    actions=[typed, StatsCounterItem.airtime_s.add(round(duration_s, 2))]
                )
        self._speakers.count(commune_id, [day, day[:7]], [(thing, state) for thing, _cluster, state in rows])
        return True

    def add_pending(self, commune_id: str, bulletin_id: str, command_id: str, deadline: datetime) -> None:
        """Remember a fan-out whose report is to be counted once complete (or once ``deadline`` passed)."""
        PendingReportItem(
            bulletin_pk(commune_id, bulletin_id),
            f"PENDING#{command_id}",
            gsi2pk="REPORTS#PENDING",
            gsi2sk=f"{deadline.isoformat()}#{commune_id}#{bulletin_id}#{command_id}",
            commune_id=commune_id,
            bulletin_id=bulletin_id,
            command_id=command_id,
            deadline=deadline.isoformat(),
        ).save()

    def pending(self, limit: int = 200) -> list[tuple[str, str, str, datetime]]:
        """``(commune, bulletin, command, deadline)`` of fan-outs not counted yet, oldest deadline first."""
        return [
            (i.commune_id, i.bulletin_id, i.command_id, datetime.fromisoformat(i.deadline))
            for i in PendingReportItem.gsi2.query("REPORTS#PENDING", limit=limit)
            if isinstance(i, PendingReportItem)
        ]

    def done(self, commune_id: str, bulletin_id: str, command_id: str) -> None:
        PendingReportItem(bulletin_pk(commune_id, bulletin_id), f"PENDING#{command_id}").delete()

    def period(self, commune_id: str, period: str) -> dict[str, Any]:
        """The counters of one day (``yyyy-mm-dd``) or month (``yyyy-mm``)."""
        out: dict[str, Any] = {"programs": 0, "clusters": {}, "played": {}, "failed": {}}
        for item in StatsCounterItem.query(commune_pk(commune_id, "BSTATS", period)):
            if item.sk == "TOTAL":
                out["programs"] = int(item.programs or 0)
            elif item.sk.startswith("CLUSTER#"):
                out["clusters"][item.sk[8:]] = float(item.airtime_s or 0)
        out.update(self._speakers.period(commune_id, period))
        return out
