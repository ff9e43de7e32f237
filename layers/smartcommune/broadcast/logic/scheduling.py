"""The scheduler's step: play every approved bulletin due in a minute, each slot claimed exactly once.

Its own room (a collaborator of ``BulletinService``) because firing due plays needs only the store's minute index
and publication's fan-out; ``functions/broadcast_scheduler`` runs it every minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from smartcommune.broadcast.logic.rules import PRIORITY_RANK
from smartcommune.broadcast.logic.schedules import next_occurrence
from smartcommune.broadcast.logic.trail import audit_record
from smartcommune.core.errors import ConflictError

if TYPE_CHECKING:
    from smartcommune.broadcast.logic.ports import BulletinStore
    from smartcommune.broadcast.logic.publication import Publication


@dataclass
class Fired:
    """What one scheduler step did."""

    played: list[str]
    skipped: list[str]


class Scheduler:
    """Fires the plays due in a minute bucket."""

    def __init__(self, *, store: BulletinStore, publication: Publication) -> None:
        self._store = store
        self._publication = publication

    def fire_due(self, bucket: str) -> Fired:
        """Play every bulletin due in the minute ``bucket`` (emergencies first, then priority, then normal).

        Each play is claimed with a conditional write (the bulletin's version) before it is sent, so two
        scheduler runs never play the same slot twice; a revoked, edited or rescheduled bulletin has no slot.
        """
        fired = Fired(played=[], skipped=[])
        due = sorted(self._store.due(bucket), key=lambda p: (PRIORITY_RANK[p.priority], p.due_at, p.bulletin_id))
        for play in due:
            bulletin = self._store.get(play.commune_id, play.bulletin_id)
            if (
                bulletin is None
                or bulletin.status != "approved"
                or bulletin.approval is None
                or bulletin.next_play_at != play.due_at
            ):
                fired.skipped.append(play.bulletin_id)
                continue
            after = bulletin.model_copy(
                update={
                    "plays": bulletin.plays + 1,
                    "last_played_at": play.due_at,
                    "next_play_at": next_occurrence(bulletin.schedule, play.due_at),
                }
            )
            audit = audit_record(
                None,
                "bulletin.air",
                after,
                {"plays": bulletin.plays},
                {"plays": after.plays, "due_at": play.due_at.isoformat(), "approved_by": bulletin.approval.approved_by},
            )
            try:
                saved = self._store.save(bulletin, after, audit)
            except ConflictError:
                fired.skipped.append(play.bulletin_id)  # another run claimed it, or staff changed it just now
                continue
            self._publication.play(saved)
            fired.played.append(play.bulletin_id)
        return fired
