"""Where a bulletin is in its life, as the people who run it read it: waiting for approval, scheduled, aired.

Its own room because the stored ``status`` only says whether a bulletin was approved (or withdrawn); staff also need
to know whether it has gone out to the loudspeakers and whether anything is still to play, and so do the rules that
decide what may still be done with it (revoking something that has finished airing withdraws nothing). And how long
its public alert stays in force must cover the play it announces.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from smartcommune.broadcast.logic.refusals import invalid
from smartcommune.core.contracts import VN_TZ

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Bulletin, BulletinStage, Schedule


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


def check_validity(schedule: Schedule, valid_hours: int, now: datetime) -> None:
    """Refuse a one-off play that would come after its own public alert has expired.

    The alert is in force ``valid_hours`` from its publication, which is the approval, at or after ``now``: a play
    within ``valid_hours`` of now is still within it when approved. (A recurring programme's slots run for weeks;
    its alert is the announcement, not each slot.)
    """
    if schedule.kind != "once" or schedule.at is None or schedule.at <= now + timedelta(hours=valid_hours):
        return
    at = schedule.at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
    needed = math.ceil((schedule.at - now).total_seconds() / 3600)
    raise invalid(
        "valid_hours",
        f"Thông báo sẽ hết hiệu lực trước giờ phát ({at}); hãy chọn thời gian hiệu lực ít nhất {needed} giờ.",
        f"The alert would expire before the play ({at}); choose a validity of at least {needed} hours.",
    )
