"""The loudspeaker fabric's rules, pure: fan-out planning, start time, ack state machine, retries, expiry, reports.

Nothing here does I/O: repositories and publishers live in ``smartcommune.devices.storage`` and are passed in.
The audit entry of a settings change is made here too (``settings_audit``).

Long because: the delivery life of one command (plan, sign, ack states, retry, report) reads best in one place;
each part is small and pure, and splitting it would scatter one state machine over several files.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import VN_TZ, Contract
from smartcommune.devices.contracts import (
    AckState,
    DeliveryReport,
    DeliveryState,
    DeliverySummary,
    PlayCommand,
    Priority,
    Speaker,
    SpeakerDelivery,
    sign_command,
    utc_ms,
)

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.devices.contracts import SpeakerSettingsUpdate

# How far in the future a command starts, so that every speaker has it (and its audio) before it plays. The
# per-target part covers publishing: one publish per speaker from a single sender.
START_LEAD_MS: dict[Priority, int] = {"emergency": 400, "priority": 1500, "normal": 3000}
START_LEAD_PER_TARGET_MS = 0.25
MAX_START_LEAD_MS = 60_000
# How long a command stays playable: an emergency heard 10 minutes late is still useful, a newscast an hour late
# is not (the bulletin side may pass its own expiry).
EXPIRY_S: dict[Priority, int] = {"emergency": 15 * 60, "priority": 30 * 60, "normal": 60 * 60}

FINAL_STATES: frozenset[DeliveryState] = frozenset({"finished", "failed", "expired"})
PLAYED_STATES: frozenset[DeliveryState] = frozenset({"started", "finished"})
_RANK: dict[DeliveryState, int] = {
    "pending": 0,
    "sent": 1,
    "received": 2,
    "started": 3,
    "finished": 4,
    "failed": 4,
    "expired": 4,
}


# ---------------------------------------------------------------- planning


def choose_start_at(now: datetime, priority: Priority, targets: int, start_in_ms: int | None = None) -> datetime:
    """A common start a little in the future: lead for the priority plus publishing time for ``targets``."""
    if start_in_ms is None:
        start_in_ms = int(START_LEAD_MS[priority] + START_LEAD_PER_TARGET_MS * targets)
    start_in_ms = max(0, min(start_in_ms, MAX_START_LEAD_MS))
    return utc_ms(now + timedelta(milliseconds=start_in_ms))


def choose_expires_at(start_at: datetime, priority: Priority, expires_in_s: int | None = None) -> datetime:
    return utc_ms(start_at + timedelta(seconds=expires_in_s if expires_in_s is not None else EXPIRY_S[priority]))


def plan_targets(requested: Iterable[str], registry: Mapping[str, Speaker]) -> tuple[list[str], list[str]]:
    """(known things in a stable order without duplicates, unknown names)."""
    known: list[str] = []
    unknown: list[str] = []
    for thing in requested:
        bucket = known if thing in registry else unknown
        if thing not in bucket:
            bucket.append(thing)
    return sorted(known), unknown


def build_command(
    *,
    key: bytes,
    commune_id: str,
    bulletin_id: str,
    audio_url: str,
    audio_sha256: str,
    priority: Priority,
    volume: int,
    repeat: int,
    start_at: datetime,
    expires_at: datetime,
    command_id: str | None = None,
) -> PlayCommand:
    """A signed play command; the same ``command_id`` is reused on every retry."""
    command = PlayCommand(
        command_id=command_id or str(uuid.uuid4()),
        bulletin_id=bulletin_id,
        commune_id=commune_id,
        priority=priority,
        audio_url=audio_url,
        audio_sha256=audio_sha256,
        start_at=start_at,
        expires_at=expires_at,
        volume=volume,
        repeat=repeat,
    )
    return sign_command(command, key)


# ---------------------------------------------------------------- acks


def next_state(current: DeliveryState, ack: AckState) -> DeliveryState | None:
    """The delivery state after ``ack``, or None when the ack changes nothing (late, repeated or out of order).

    States only move forward: received < started < finished; failed and expired are final. ``duplicate`` (the
    speaker had already handled this command) counts as an acknowledgement only.
    """
    if current in FINAL_STATES:
        return None
    if ack == "duplicate":
        return "received" if _RANK[current] < _RANK["received"] else None
    target: DeliveryState = ack
    if ack in ("failed", "expired"):
        return target
    return target if _RANK[target] > _RANK[current] else None


# ---------------------------------------------------------------- retries


@dataclass(frozen=True)
class RetryPolicy:
    """Resend to speakers that have not acknowledged, with the same command id, while the command is valid.

    A speaker that acked ``received`` or ``started`` but not its outcome ``stalled_after_s`` past the start is
    asked again too: its ``finished`` ack may have been lost (broker restart, power cut), and the agent answers a
    repeat with its latest outcome and ``duplicate`` — it never plays twice.
    """

    first_after_s: float = 2.0
    factor: float = 2.0
    max_interval_s: float = 60.0
    max_attempts: int = 8
    stalled_after_s: float = 120.0

    def interval_s(self, attempts: int) -> float:
        # the exponent is capped: a week-long policy (re-provisioning) counts past the floats' range
        return min(self.max_interval_s, self.first_after_s * self.factor ** min(64, max(0, attempts - 1)))

    def resendable(
        self, *, state: DeliveryState, attempts: int, start_at: datetime, now: datetime, grace_s: float
    ) -> bool:
        """Whether a speaker in ``state`` may be sent the command again (ignoring the backoff)."""
        if attempts >= self.max_attempts:
            return False
        if state in ("pending", "sent"):
            return True
        return state in ("received", "started") and (now - start_at).total_seconds() >= grace_s

    def due(
        self,
        *,
        state: DeliveryState,
        attempts: int,
        last_sent_at: datetime,
        expires_at: datetime,
        now: datetime,
        start_at: datetime | None = None,
    ) -> bool:
        if now >= expires_at:
            return False
        stalled_since = start_at if start_at is not None else expires_at  # no start given: never stalled
        if not self.resendable(
            state=state, attempts=attempts, start_at=stalled_since, now=now, grace_s=self.stalled_after_s
        ):
            return False
        return (now - last_sent_at).total_seconds() >= self.interval_s(attempts)


def is_expired(expires_at: datetime, now: datetime) -> bool:
    return now >= expires_at


def is_online(last_seen_at: datetime | None, now: datetime, offline_after_s: int) -> bool:
    return last_seen_at is not None and (now - last_seen_at).total_seconds() <= offline_after_s


# ---------------------------------------------------------------- reports


@dataclass
class DeliveryRow:
    """One speaker's progress on one command (as stored)."""

    thing: str
    state: DeliveryState = "sent"
    attempts: int = 1
    acked_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    detail: str = ""


def apply_ack(row: DeliveryRow, ack: AckState, at: datetime, received_at: datetime, detail: str = "") -> bool:
    """Update ``row`` for one ack; False when nothing changed."""
    new = next_state(row.state, ack)
    changed = False
    if row.acked_at is None:
        row.acked_at = received_at
        changed = True
    if ack == "started" and row.started_at is None:
        row.started_at = at
        changed = True
    if ack == "finished" and row.finished_at is None:
        row.finished_at = at
        changed = True
    if new is not None:
        row.state = new
        if detail or new in ("failed", "expired"):
            row.detail = detail
        changed = True
    return changed


def delivery_report(
    *,
    commune_id: str,
    bulletin_id: str,
    command_id: str | None,
    start_at: datetime | None,
    expires_at: datetime | None,
    targets: list[str],
    rows: Mapping[str, DeliveryRow],
    registry: Mapping[str, Speaker],
    now: datetime,
) -> DeliveryReport:
    """Which speakers acked, played, failed and when; a speaker that never answered before expiry is expired."""
    speakers: list[SpeakerDelivery] = []
    for thing in targets:
        row = rows.get(thing) or DeliveryRow(thing=thing)
        state = row.state
        detail = row.detail
        if state in ("pending", "sent", "received") and expires_at is not None and is_expired(expires_at, now):
            state, detail = "expired", detail or "no answer before expiry / không phản hồi trước khi hết hạn"
        speaker = registry.get(thing)
        speakers.append(
            SpeakerDelivery(
                thing=thing,
                cluster=speaker.cluster_id if speaker else "",
                hamlet_id=speaker.hamlet_id if speaker else "",
                state=state,
                acked_at=row.acked_at,
                started_at=row.started_at,
                finished_at=row.finished_at,
                attempts=row.attempts,
                detail=detail,
            )
        )
    acked = sum(1 for s in speakers if s.acked_at is not None)
    played = sum(1 for s in speakers if s.state in PLAYED_STATES or s.started_at is not None)
    failed = sum(1 for s in speakers if s.state in ("failed", "expired"))
    pending = sum(1 for s in speakers if s.state not in FINAL_STATES)
    starts = [s.started_at for s in speakers if s.started_at is not None]
    spread = (max(starts) - min(starts)).total_seconds() * 1000 if starts else None
    return DeliveryReport(
        bulletin_id=bulletin_id,
        command_id=command_id,
        commune_id=commune_id,
        start_at=start_at,
        expires_at=expires_at,
        speakers=speakers,
        summary=DeliverySummary(targeted=len(targets), acked=acked, played=played, failed=failed, pending=pending),
        complete=pending == 0,
        start_spread_ms=spread,
    )


# ---------------------------------------------------------------- uptime statistics

# A speaker heartbeats every 30 s. Each 30 s slot with at least one heartbeat counts as 30 s of uptime, once:
# the slot is claimed with a conditional write, so a repeated or extra heartbeat in the same slot adds nothing.
HEARTBEAT_SLOT_S = 30
# The device's own ``at`` places the heartbeat in its slot (its beats are evenly spaced; arrival times jitter);
# when it is further than this from the arrival time, the arrival time is used (a wrong device clock cannot
# claim uptime for other times).
HEARTBEAT_MAX_SKEW_S = 60
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class SpeakerStatsQuery(Contract):
    month: str | None = Field(default=None, pattern=MONTH_PATTERN, description="yyyy-mm; default: this month")


class SpeakerStatsDay(BaseModel):
    day: str = Field(description="yyyy-mm-dd (Asia/Ho_Chi_Minh)")
    uptime_pct: float | None = Field(description="share of the day's elapsed time with heartbeats; null if future")
    uptime_s: int = 0
    failed: int = Field(default=0, description="deliveries to this speaker that failed or expired")


class SpeakerStatsTotal(BaseModel):
    uptime_pct: float | None
    uptime_s: int = 0
    failed: int = 0


class SpeakerStats(BaseModel):
    """Uptime (from heartbeats) and failed deliveries of one speaker, per day of a month and for the month."""

    thing: str
    period: str = Field(description="yyyy-mm")
    slot_s: int = HEARTBEAT_SLOT_S
    days: list[SpeakerStatsDay]
    month: SpeakerStatsTotal


def heartbeat_slot(at: datetime, received_at: datetime, slot_s: int = HEARTBEAT_SLOT_S) -> int:
    """The slot number (POSIX seconds // ``slot_s``) a heartbeat counts in."""
    when = at if abs((at - received_at).total_seconds()) <= HEARTBEAT_MAX_SKEW_S else received_at
    return int(when.timestamp() // slot_s)


def slot_periods(slot: int, slot_s: int = HEARTBEAT_SLOT_S) -> tuple[str, str]:
    """(``yyyy-mm-dd``, ``yyyy-mm``) of the slot's start in Vietnam time (Vietnam has no daylight saving, and a
    day is a whole number of 30 s slots, so a slot never straddles two days)."""
    day = datetime.fromtimestamp(slot * slot_s, UTC).astimezone(VN_TZ).date().isoformat()
    return day, day[:7]


def month_days(month: str) -> list[date]:
    """Every day of ``yyyy-mm``."""
    year, mon = (int(part) for part in month.split("-"))
    first = date(year, mon, 1)
    days = []
    day = first
    while day.month == mon:
        days.append(day)
        day += timedelta(days=1)
    return days


def elapsed_s(first: date, last: date, now: datetime) -> float:
    """Seconds of the Vietnam-time days ``first``..``last`` (inclusive) that have passed at ``now``."""
    start = datetime.combine(first, time.min, VN_TZ)
    end = datetime.combine(last + timedelta(days=1), time.min, VN_TZ)
    return max(0.0, (min(end, now) - start).total_seconds())


def uptime_pct(up_s: float, elapsed: float) -> float | None:
    """Uptime as a percentage of the elapsed time (one decimal, at most 100); None when no time has elapsed."""
    if elapsed <= 0:
        return None
    return round(min(100.0, 100.0 * up_s / elapsed), 1)


def speaker_stats(
    thing: str,
    month: str,
    up_s: Mapping[str, float],
    failed: Mapping[str, int],
    now: datetime,
    *,
    month_up_s: float | None = None,
    month_failed: int | None = None,
) -> SpeakerStats:
    """The month's report from the counters (``up_s`` and ``failed`` keyed by ``yyyy-mm-dd``); the month's own
    counters when given, else the sum of its days."""
    days = month_days(month)
    rows = [
        SpeakerStatsDay(
            day=d.isoformat(),
            uptime_pct=uptime_pct(up_s.get(d.isoformat(), 0.0), elapsed_s(d, d, now)),
            uptime_s=int(up_s.get(d.isoformat(), 0)),
            failed=int(failed.get(d.isoformat(), 0)),
        )
        for d in days
    ]
    total_up = int(month_up_s) if month_up_s is not None else sum(r.uptime_s for r in rows)
    total_failed = month_failed if month_failed is not None else sum(r.failed for r in rows)
    return SpeakerStats(
        thing=thing,
        period=month,
        days=rows,
        month=SpeakerStatsTotal(
            uptime_pct=uptime_pct(total_up, elapsed_s(days[0], days[-1], now)),
            uptime_s=total_up,
            failed=total_failed,
        ),
    )


def settings_audit(
    caller: Principal, before: Speaker, change: SpeakerSettingsUpdate, request_id: str | None = None
) -> AuditRecord:
    """The audit entry of a person changing a speaker's desired settings: who, and the volumes before and after."""
    volumes = {"volume": before.volume, "emergency_volume": before.emergency_volume}
    after: dict[str, Any] = {**volumes, **change.model_dump(exclude_none=True, include={"volume", "emergency_volume"})}
    if change.power is not None:
        after["power"] = change.power
    return AuditRecord(
        actor_id=caller.subject_id,
        actor_role=caller.primary_role,
        action="speaker.settings",
        target=f"speaker/{before.thing}",
        before=volumes,
        after=after,
        request_id=request_id,
    )
