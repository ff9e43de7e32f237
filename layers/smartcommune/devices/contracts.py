"""The contract between bulletins and the loudspeaker fabric (``docs/broadcast-contract.md``).

Shared by the cloud (Lambda code, the local stack) and the speaker agents in ``devices/speaker``: it imports only
pydantic and the standard library, so an agent can use it without the Lambda code paths.

MQTT topics (same on AWS IoT Core and the local Mosquitto)::

    sc/<commune>/speakers/<thing>/cmd        platform -> speaker, QoS 1, PlayCommand
    sc/<commune>/speakers/<thing>/ack        speaker -> platform, QoS 1, CommandAck
    sc/<commune>/speakers/<thing>/heartbeat  speaker -> platform, QoS 0, Heartbeat

The thing shadow: on IoT Core the speaker uses ``$aws/things/<thing>/shadow/...`` itself; on the local broker
the platform relays the same documents on the speaker's own topics (:class:`ShadowTopics`)::

    sc/<commune>/speakers/<thing>/shadow/delta         platform -> speaker, QoS 1, as .../shadow/update/delta
    sc/<commune>/speakers/<thing>/shadow/get           speaker -> platform, QoS 1, as $aws/.../shadow/get
    sc/<commune>/speakers/<thing>/shadow/get/accepted  platform -> speaker, QoS 1, the shadow document
    sc/<commune>/speakers/<thing>/shadow/update        speaker -> platform, QoS 1, {"state": {"reported": ...}}

After a merger a speaker is moved onto its new commune's topics and command key by a :class:`ReprovisionCommand`
on its ``cmd`` topic (``docs/architecture.md``, "Re-provisioning after a merger").

Long because: it is the whole wire contract shared with the device agents (topics, messages, signatures, the
registry), which a device maker reads as one file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smartcommune.core.contracts import CommuneId, Contract

Priority = Literal["normal", "priority", "emergency"]
PRIORITIES: tuple[Priority, ...] = ("normal", "priority", "emergency")

AckState = Literal["received", "started", "finished", "failed", "expired", "duplicate"]
# A speaker's state for one command in a delivery report: "sent" until the first ack, then the strongest ack.
DeliveryState = Literal["pending", "sent", "received", "started", "finished", "failed", "expired"]

THING_PATTERN = r"^[a-z0-9]{1,12}-spk-\d{2}[a-z]$"
_THING = re.compile(THING_PATTERN)
SHA256_PATTERN = r"^[0-9a-f]{64}$"

TOPIC_ROOT = "sc"


# ---------------------------------------------------------------- topics


def cmd_topic(commune_id: str, thing: str) -> str:
    return f"{TOPIC_ROOT}/{commune_id}/speakers/{thing}/cmd"


def ack_topic(commune_id: str, thing: str) -> str:
    return f"{TOPIC_ROOT}/{commune_id}/speakers/{thing}/ack"


def heartbeat_topic(commune_id: str, thing: str) -> str:
    return f"{TOPIC_ROOT}/{commune_id}/speakers/{thing}/heartbeat"


def shadow_delta_topic(commune_id: str, thing: str) -> str:
    return f"{TOPIC_ROOT}/{commune_id}/speakers/{thing}/shadow/delta"


class ShadowTopics(Contract):
    """Where one speaker follows its shadow: the only thing that differs between IoT Core and the local broker."""

    delta: str
    get: str
    get_accepted: str
    update: str

    @classmethod
    def iot_core(cls, thing: str) -> ShadowTopics:
        base = f"$aws/things/{thing}/shadow"
        return cls(
            delta=f"{base}/update/delta",
            get=f"{base}/get",
            get_accepted=f"{base}/get/accepted",
            update=f"{base}/update",
        )

    @classmethod
    def relayed(cls, commune_id: str, thing: str) -> ShadowTopics:
        base = f"{TOPIC_ROOT}/{commune_id}/speakers/{thing}/shadow"
        return cls(
            delta=f"{base}/delta", get=f"{base}/get", get_accepted=f"{base}/get/accepted", update=f"{base}/update"
        )


ACK_TOPIC_FILTER = f"{TOPIC_ROOT}/+/speakers/+/ack"
SHADOW_GET_TOPIC_FILTER = f"{TOPIC_ROOT}/+/speakers/+/shadow/get"
SHADOW_UPDATE_TOPIC_FILTER = f"{TOPIC_ROOT}/+/speakers/+/shadow/update"
HEARTBEAT_TOPIC_FILTER = f"{TOPIC_ROOT}/+/speakers/+/heartbeat"


def parse_topic(topic: str) -> tuple[str, str, str]:
    """``sc/<commune>/speakers/<thing>/<kind...>`` -> (commune, thing, kind); ValueError otherwise."""
    parts = topic.split("/")
    if len(parts) < 5 or parts[0] != TOPIC_ROOT or parts[2] != "speakers" or not _THING.match(parts[3]):
        raise ValueError(f"not a speaker topic: {topic!r}")
    return parts[1], parts[3], "/".join(parts[4:])


def thing_name(commune_prefix: str, cluster_no: int, unit: str) -> str:
    """``gp-spk-01a``: commune prefix, cluster 01-99, unit letter."""
    return f"{commune_prefix}-spk-{cluster_no:02d}{unit}"


# ---------------------------------------------------------------- time


def utc_ms(value: datetime) -> datetime:
    """Aware UTC, truncated to whole milliseconds (so the canonical JSON is stable across parsers)."""
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a timezone")
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def iso_ms(value: datetime) -> str:
    """``2025-05-01T03:00:00.250Z``."""
    value = utc_ms(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class _Timestamps(Contract):
    """Timestamps normalised to UTC milliseconds and serialised as ``...sss Z``."""

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        return utc_ms(value) if isinstance(value, datetime) else value

    def wire(self) -> dict[str, Any]:
        """The JSON-able document as sent over MQTT."""
        data = self.model_dump(mode="python")
        return {k: iso_ms(v) if isinstance(v, datetime) else v for k, v in data.items()}

    def to_json(self) -> bytes:
        return canonical_json(self.wire())


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: what signatures are computed over."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------- messages


class _Signed(_Timestamps):
    """A platform -> speaker message signed with the command key of the commune whose topic it is sent on."""

    signature: str = ""

    def signing_payload(self) -> bytes:
        data = self.wire()
        data.pop("signature", None)
        return canonical_json(data)


class PlayCommand(_Signed):
    """Play one audio item at ``start_at``; refused after ``expires_at``; played once per ``command_id``."""

    command_id: str = Field(pattern=r"^[0-9a-f-]{36}$", description="uuid4; the same on every retry")
    bulletin_id: str = Field(min_length=1, max_length=80)
    commune_id: CommuneId
    priority: Priority
    audio_url: str = Field(min_length=1, max_length=4096, description="presigned GET of the MP3")
    audio_sha256: str = Field(pattern=SHA256_PATTERN)
    start_at: datetime = Field(description="UTC; a little in the future so that every speaker starts together")
    expires_at: datetime
    volume: int = Field(ge=0, le=100)
    repeat: int = Field(ge=1, le=5)
    signature: str = Field(default="", description="hex HMAC-SHA256 over the canonical JSON of the other fields")


SwitchRule = Literal["new-first"]
SWITCH_NEW_FIRST: SwitchRule = "new-first"


class ReprovisionPlan(_Timestamps):
    """What the platform records of one re-provisioning run (no key in it): onto ``commune_id``'s topics and key."""

    kind: Literal["reprovision"] = "reprovision"
    command_id: str = Field(pattern=r"^[0-9a-f-]{36}$", description="uuid4; the same on every retry")
    commune_id: CommuneId = Field(description="the commune the speakers belong to now: their new topic namespace")
    start_at: datetime = Field(description="when it was issued (retries count a stalled answer from it)")
    expires_at: datetime = Field(description="retried until then; a speaker that never answers stays where it is")
    keep_old_until: datetime = Field(description="the speaker keeps its old topics and key until then")


class ReprovisionCommand(_Signed):
    """Move one speaker onto its new commune's topics and command key, without a gap in service.

    Sent on the speaker's current topic ``sc/<commune_id>/speakers/<thing>/cmd`` and signed with that commune's
    key, through the play commands' delivery path (same command id on every retry, acks on the same topic).
    ``sealed_key`` is the new commune's command key sealed for this one thing (AES-GCM under a key derived with
    HKDF from the old commune's key and the thing name: ``devices.logic.reprovision``), never in clear.

    The switch-over rule (``switch`` = ``new-first``): the speaker subscribes to the new topics, keeping the old
    ones; stores the new namespace and key durably; then acks ``finished`` (only then does the platform flip its
    registry and publish on the new topics). It accepts commands on both until ``keep_old_until`` and plays each
    command id once, whichever topic brought it.
    """

    kind: Literal["reprovision"] = "reprovision"
    command_id: str = Field(pattern=r"^[0-9a-f-]{36}$")
    commune_id: CommuneId = Field(description="the namespace it is sent under (the speaker's current one)")
    thing: str = Field(pattern=THING_PATTERN, description="the one speaker it is sealed for")
    new_commune_id: CommuneId
    sealed_key: str = Field(pattern=r"^[A-Za-z0-9_-]{40,200}$", description="base64url(nonce || AES-GCM ciphertext)")
    switch: SwitchRule = SWITCH_NEW_FIRST
    start_at: datetime
    expires_at: datetime
    keep_old_until: datetime
    signature: str = Field(default="", description="hex HMAC-SHA256 with the old commune's key")


class CommandAck(_Timestamps):
    """A speaker's answer to a command. For ``started``/``finished``, ``at`` is the actual playback time."""

    command_id: str = Field(min_length=1, max_length=64)
    thing: str = Field(pattern=THING_PATTERN)
    state: AckState
    at: datetime
    detail: str = Field(default="", max_length=300)


class Heartbeat(_Timestamps):
    """Every 30 s (QoS 0): the speaker is alive, its volume, whether it is playing."""

    thing: str = Field(pattern=THING_PATTERN)
    at: datetime
    volume: int = Field(ge=0, le=100)
    playing: bool = False


class ShadowDelta(Contract):
    """Desired settings the speaker has not reported yet (the ``state`` of a shadow delta document)."""

    version: int = 0
    state: dict[str, Any] = Field(default_factory=dict)


# ---------------------------------------------------------------- signatures


def commune_command_key(master_secret: str, commune_id: str) -> bytes:
    """The per-commune command key (provisioned to the commune's speakers), derived from the platform secret."""
    return hmac.new(master_secret.encode("utf-8"), f"sc-command-key:{commune_id}".encode(), hashlib.sha256).digest()


def command_signature(command: _Signed, key: bytes) -> str:
    return hmac.new(key, command.signing_payload(), hashlib.sha256).hexdigest()


SignedT = TypeVar("SignedT", bound=_Signed)


def sign_command(command: SignedT, key: bytes) -> SignedT:
    """The command with its ``signature`` set."""
    return command.model_copy(update={"signature": command_signature(command, key)})


def verify_command(command: _Signed, key: bytes) -> bool:
    """True when the signature matches (constant-time comparison)."""
    return bool(command.signature) and hmac.compare_digest(command.signature, command_signature(command, key))


# ---------------------------------------------------------------- registry


class GeoPoint(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Cluster(BaseModel):
    """A loudspeaker cluster (cụm loa): a pole with its speakers, in one hamlet."""

    model_config = ConfigDict(extra="forbid")

    cluster_id: str = Field(pattern=r"^[a-z0-9-]{1,40}$", description="e.g. gp-cl-01")
    commune_id: CommuneId
    hamlet_id: str
    name: str = Field(max_length=120)
    location: GeoPoint
    things: list[str] = Field(default_factory=list)


class Speaker(BaseModel):
    """A loudspeaker registered as an IoT thing."""

    model_config = ConfigDict(extra="forbid")

    thing: str = Field(pattern=THING_PATTERN)
    commune_id: CommuneId
    cluster_id: str
    hamlet_id: str
    location: GeoPoint
    label: str = Field(default="", max_length=120)
    volume: int = Field(default=70, ge=0, le=100, description="desired volume for normal items")
    emergency_volume: int = Field(default=100, ge=0, le=100)
    topic_commune: CommuneId | None = Field(
        default=None,
        description="the commune its topics and command key were provisioned under, when not ``commune_id`` "
        "(a speaker of a merged commune keeps playing on them until it is provisioned again)",
    )

    @property
    def namespace(self) -> str:
        """The commune segment of its MQTT topics, whose command key it holds."""
        return self.topic_commune or self.commune_id


class SpeakerState(Speaker):
    """A speaker with its live state, as the admin site shows it."""

    online: bool = False
    last_seen_at: datetime | None = None
    playing: bool = False
    reported_volume: int | None = None
    last_command_id: str | None = None
    last_command_state: str | None = None


class SpeakerList(BaseModel):
    items: list[SpeakerState]
    online: int
    total: int


class SpeakerSummary(BaseModel):
    """How many of a commune's loudspeakers answer now: what the public operations dashboard shows (no details)."""

    commune_id: str
    online: int
    total: int
    playing: int = 0


class ReprovisionSummary(BaseModel):
    """``smartcommune communes reprovision``: where a commune's speakers stand after (or during) a run."""

    commune_id: str
    command_ids: list[str] = Field(default_factory=list, description="the runs this step sent or resent")
    speakers: int = Field(description="speakers in the commune's registry")
    already: int = Field(description="on the commune's own topics before this step")
    reprovisioned: int = Field(description="switched by this step: their ack is in and the registry flipped")
    pending: int = Field(description="sent, no ack yet: still on their old topics (and playing there)")
    failed: int = Field(description="refused the command or never answered before it expired: on their old topics")
    pending_things: list[str] = Field(default_factory=list)
    failed_things: dict[str, str] = Field(default_factory=dict, description="thing -> why")
    elapsed_s: float | None = None


class SpeakerSettingsUpdate(Contract):
    """Desired settings written to the speaker's shadow."""

    volume: int | None = Field(default=None, ge=0, le=100)
    emergency_volume: int | None = Field(default=None, ge=0, le=100)
    power: Literal["on", "off"] | None = None


# ---------------------------------------------------------------- delivery


class DeliveryBatch(BaseModel):
    """What ``Fanout.send`` returns at once; acks arrive asynchronously."""

    command_id: str
    bulletin_id: str
    commune_id: str
    priority: Priority
    targets: list[str]
    start_at: datetime
    expires_at: datetime
    sent_at: datetime


class SpeakerDelivery(BaseModel):
    thing: str
    cluster: str
    hamlet_id: str
    state: DeliveryState
    acked_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    detail: str = ""


class DeliverySummary(BaseModel):
    targeted: int
    acked: int
    played: int
    failed: int
    pending: int


class DeliveryReport(BaseModel):
    """Per bulletin (its latest command unless asked for one): which speakers acked, played, failed, and when."""

    bulletin_id: str
    command_id: str | None = None
    commune_id: str
    start_at: datetime | None = None
    expires_at: datetime | None = None
    speakers: list[SpeakerDelivery]
    summary: DeliverySummary
    complete: bool = Field(description="every targeted speaker has a final answer (finished, failed or expired)")
    start_spread_ms: float | None = Field(default=None, description="latest minus earliest actual start")


class Fanout(Protocol):
    """The port bulletins use to reach speakers (implemented in ``smartcommune.devices.storage.fanout``)."""

    def send(  # noqa: PLR0917 (the contract's positional signature)
        self,
        commune_id: str,
        bulletin_id: str,
        targets: list[str],
        audio_url: str,
        audio_sha256: str,
        priority: Priority,
        volume: int,
        repeat: int,
        start_in_ms: int | None = None,
        *,
        expires_in_s: int | None = None,
    ) -> DeliveryBatch: ...

    def report(self, commune_id: str, bulletin_id: str, command_id: str | None = None) -> DeliveryReport: ...
