"""Re-provisioning speakers after a merger, pure: the sealed key, the command, who is due, where each stands.

A merger moves a commune's speakers to the new commune's registry but leaves them on the topics and command key
they were provisioned with (``Speaker.topic_commune``). A re-provisioning run moves them, one ack at a time:

1. the platform lets each speaker use its new topics too (thing attributes in AWS, the broker's ACL locally),
   records one :class:`~smartcommune.devices.contracts.ReprovisionPlan` and sends each speaker a
   :class:`~smartcommune.devices.contracts.ReprovisionCommand` on its *current* topic, signed with the current
   key, carrying the new key sealed for that thing (:func:`seal_key`);
2. the speaker subscribes to the new topics (keeping the old ones), stores the new namespace and key, acks;
3. only that ack flips the registry (``topic_commune`` = the new commune, a conditional write): from then on the
   fan-out publishes on the new topics with the new key. A speaker that never acks stays where it was and keeps
   playing there; it is reported (:func:`classify`).

**Why a key sealed with the old commune's key is acceptable.** The command travels over MQTT with mutual TLS
(IoT Core, or the local mosquitto with a certificate per device), and only this thing may subscribe to its
``cmd`` topic (the IoT policy / ACL), so the channel is already confidential and authenticated. The seal adds
defence in depth for the copies TLS does not cover: the broker's queued messages for an offline speaker
(mosquitto's persistence file, IoT Core's persistent sessions), rule-engine or debugging subscribers with the
platform's identity, logs. Whoever can open it holds the old commune's key — the platform, and speakers of that
commune, each of which is being given the same new commune key anyway — so it discloses nothing new to them; the
key is derived per thing (HKDF ``info`` = the thing name) and bound to the command (AES-GCM associated data: the
command id, thing and both namespaces), so a sealed key cannot be replayed to another speaker or run. It is not
forward secret: a stolen old key opens recorded seals, but a stolen old key already commands those speakers; the
remedy for both is rotating the platform's command secret.

The AES-GCM code needs ``cryptography``, which the Lambda layer cannot ship (docs/reporting.md): sealing happens
once, where a run starts (the operator's ``smartcommune`` CLI); the sealed key is stored with the speaker's record
and every retry (``devices_retry``, a Lambda) rebuilds and signs the command with the standard library only.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from smartcommune.devices.contracts import (
    ReprovisionCommand,
    ReprovisionPlan,
    ReprovisionSummary,
    canonical_json,
    sign_command,
    utc_ms,
)
from smartcommune.devices.logic import EXPIRY_S, FINAL_STATES, DeliveryRow, RetryPolicy

# A run is retried for a week: a speaker switched off for a few days switches when it is back.
REPROVISION_VALID_S = 7 * 24 * 3600
# The speaker keeps its old topics a day past the last possible retry (an ack lost on the way is asked for again
# until the command expires, and the speaker must still hear the old topics until the registry has flipped).
KEEP_OLD_AFTER_EXPIRY_S = 24 * 3600
# The platform keeps the old topics allowed at least as long as a play command sent just before the flip lives.
DROP_OLD_AFTER_S = max(EXPIRY_S.values())
# Retries every few minutes for the whole week (an offline speaker is asked again soon after it returns).
REPROVISION_RETRY = RetryPolicy(
    first_after_s=5.0, factor=2.0, max_interval_s=300.0, max_attempts=2100, stalled_after_s=60.0
)
MAX_NAMESPACES = 2  # what the IoT policy grants at once: the attributes ``commune`` and ``commune_alt``

_NONCE = 12
_INFO = b"smartcommune/reprovision/v1/"


class SealError(ValueError):
    """The sealed key does not open with this key and command (wrong key, wrong thing, altered)."""


def _associated_data(command: ReprovisionCommand) -> bytes:
    return canonical_json(
        {
            "command_id": command.command_id,
            "commune_id": command.commune_id,
            "new_commune_id": command.new_commune_id,
            "thing": command.thing,
        }
    )


def sealing_key(old_key: bytes, thing: str, command_id: str) -> bytes:
    """HKDF-SHA256 (RFC 5869): input key the old commune's command key, salt the command id, info the thing."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=command_id.encode(), info=_INFO + thing.encode()).derive(
        old_key
    )


def seal_key(old_key: bytes, command: ReprovisionCommand, new_key: bytes, nonce: bytes | None = None) -> str:
    """``new_key`` sealed for ``command.thing``: base64url(nonce || AES-256-GCM(ciphertext || tag))."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = nonce or secrets.token_bytes(_NONCE)
    sealed = AESGCM(sealing_key(old_key, command.thing, command.command_id)).encrypt(
        nonce, new_key, _associated_data(command)
    )
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")


def open_sealed_key(old_key: bytes, command: ReprovisionCommand) -> bytes:
    """The new commune's key from ``command.sealed_key``; :class:`SealError` unless key, thing and command match."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = base64.urlsafe_b64decode(command.sealed_key + "=" * (-len(command.sealed_key) % 4))
    except ValueError as exc:
        raise SealError("not base64url") from exc
    if len(raw) <= _NONCE + 16:
        raise SealError("too short")
    try:
        return AESGCM(sealing_key(old_key, command.thing, command.command_id)).decrypt(
            raw[:_NONCE], raw[_NONCE:], _associated_data(command)
        )
    except InvalidTag as exc:
        raise SealError("the sealed key does not open with this key for this thing") from exc


def new_plan(command_id: str, commune_id: str, now: datetime, valid_s: int = REPROVISION_VALID_S) -> ReprovisionPlan:
    expires = utc_ms(now + timedelta(seconds=valid_s))
    return ReprovisionPlan(
        command_id=command_id,
        commune_id=commune_id,
        start_at=utc_ms(now),
        expires_at=expires,
        keep_old_until=expires + timedelta(seconds=KEEP_OLD_AFTER_EXPIRY_S),
    )


_PLACEHOLDER = "A" * 40  # the associated data does not include the sealed key: a command to seal for has this


def unsealed_command(
    plan: ReprovisionPlan, thing: str, namespace: str, sealed_key: str = _PLACEHOLDER
) -> ReprovisionCommand:
    """The command for one thing still on ``namespace`` (seal for it with :func:`seal_key`, then sign)."""
    return ReprovisionCommand(
        command_id=plan.command_id,
        commune_id=namespace,
        thing=thing,
        new_commune_id=plan.commune_id,
        sealed_key=sealed_key,
        start_at=plan.start_at,
        expires_at=plan.expires_at,
        keep_old_until=plan.keep_old_until,
    )


def signed_command(
    plan: ReprovisionPlan, thing: str, namespace: str, sealed_key: str, key: bytes
) -> ReprovisionCommand:
    """The command as sent (and resent): signed with ``key``, the command key of ``namespace``."""
    return sign_command(unsealed_command(plan, thing, namespace, sealed_key), key)


def granted_namespaces(current: str, pending: str | None = None, previous: str | None = None) -> list[str]:
    """The communes whose topics a speaker may use: its current one, the one it is moving to, the one it left
    (until the platform drops it). At most two (the policy's two attributes): a move pending wins over an old one."""
    out: list[str] = []
    for namespace in (current, pending, previous):
        if namespace and namespace not in out:
            out.append(namespace)
    return out[:MAX_NAMESPACES]


# ---------------------------------------------------------------- where each speaker stands


@dataclass(frozen=True)
class SpeakerPosition:
    """One registry record as a run sees it."""

    thing: str
    namespace: str  # its current topic commune
    pending_command_id: str | None = None
    previous: str | None = None
    reprovisioned_at: datetime | None = None


@dataclass
class Standing:
    """Who needs a new command, who a resend of theirs, and how everyone stands."""

    fresh: list[str] = field(default_factory=list)
    resend: dict[str, list[str]] = field(default_factory=dict)  # command id -> things
    on_new: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunState:
    """A recorded run: until when it is valid, and each target's delivery row."""

    expires_at: datetime
    rows: Mapping[str, DeliveryRow]


def classify(
    commune_id: str, speakers: Iterable[SpeakerPosition], runs: Mapping[str, RunState], now: datetime
) -> Standing:
    """Sort the commune's speakers: on the new topics, waiting for an ack (resend), failed, or due a new run."""
    out = Standing()
    for s in sorted(speakers, key=lambda s: s.thing):
        if s.namespace == commune_id:
            out.on_new.append(s.thing)
            continue
        run = runs.get(s.pending_command_id) if s.pending_command_id else None
        row = run.rows.get(s.thing) if run is not None else None
        if run is None:
            out.fresh.append(s.thing)
        elif row is not None and row.state in FINAL_STATES:
            # "finished" with the registry not flipped yet is an ack being applied: still pending
            if row.state == "finished":
                out.pending.append(s.thing)
            else:
                out.failed[s.thing] = row.detail or row.state
        elif now >= run.expires_at:
            out.failed[s.thing] = "no answer before expiry / không phản hồi trước khi hết hạn"
        else:
            out.pending.append(s.thing)
            out.resend.setdefault(str(s.pending_command_id), []).append(s.thing)
    return out


def summary(
    commune_id: str,
    standing: Standing,
    positions: Mapping[str, SpeakerPosition],
    *,
    since: datetime,
    command_ids: list[str],
    elapsed_s: float | None = None,
) -> ReprovisionSummary:
    """The JSON the CLI prints: switched by this step, already there before it, pending, failed."""
    moved = [t for t in standing.on_new if (positions[t].reprovisioned_at or since - timedelta(seconds=1)) >= since]
    return ReprovisionSummary(
        commune_id=commune_id,
        command_ids=command_ids,
        speakers=len(positions),
        already=len(standing.on_new) - len(moved),
        reprovisioned=len(moved),
        pending=len(standing.pending),
        failed=len(standing.failed),
        pending_things=sorted(standing.pending),
        failed_things=dict(sorted(standing.failed.items())),
        elapsed_s=elapsed_s,
    )


def droppable(positions: Iterable[SpeakerPosition], now: datetime, min_age_s: float = DROP_OLD_AFTER_S) -> list[str]:
    """Speakers whose old topics the platform may stop allowing: switched at least ``min_age_s`` ago (a play command
    sent on the old topics just before the flip has expired by then)."""
    return sorted(
        s.thing
        for s in positions
        if s.previous and s.reprovisioned_at is not None and (now - s.reprovisioned_at).total_seconds() >= min_age_s
    )
