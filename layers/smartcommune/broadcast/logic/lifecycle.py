"""Where a bulletin is in its life, as the people who run it read it: waiting for approval, scheduled, aired.

Its own room because the stored ``status`` only says whether a bulletin was approved (or withdrawn); staff also need
to know whether it has gone out to the loudspeakers and whether anything is still to play, and so do the rules that
decide what may still be done with it (revoking something that has finished airing withdraws nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Bulletin, BulletinStage


def stage(bulletin: Bulletin) -> BulletinStage:
    """``scheduled`` while a play is still to come, ``aired`` once it has played with none to come, ``published``
    for an approved bulletin that never plays on the loudspeakers (portal, SMS and CAP only)."""
    if bulletin.status != "approved":
        return bulletin.status
    if bulletin.next_play_at is not None:
        return "scheduled"
    if bulletin.plays > 0:
        return "aired"
    return "published"


def finished_airing(bulletin: Bulletin) -> bool:
    """Approved, played at least once, nothing left to play."""
    return stage(bulletin) == "aired"
