"""The speaker agent: receives play commands over MQTT and plays each one once, at its start time.

For every message on ``sc/<commune>/speakers/<thing>/cmd`` the agent:

1. parses the :class:`PlayCommand` and verifies its HMAC signature with the commune's command key — a forged or
   altered command is refused (``failed`` ack with the reason) and never played, and does not block the real one;
2. dedupes by ``command_id`` (the ids it has handled are kept in a small state file, so a restart does not
   replay): a second delivery gets a ``duplicate`` ack, after a repeat of the latest outcome it reported for that
   command (``started``/``finished``/``failed``/``expired``) — an ack lost on the way (broker restart, power cut)
   is recovered by the platform's next retry instead of leaving the delivery open forever;
3. refuses a command past its ``expires_at`` (``expired`` ack) — e.g. one queued while the speaker was offline;
4. acks ``received``, fetches the audio URL and verifies its SHA-256 (``failed`` on mismatch);
5. waits until ``start_at`` (or plays at once if that is past and the command still valid), then hands it to the
   :class:`~devices.speaker.queue.PlayQueue`: an emergency plays at once, interrupting what plays; a priority
   item waiting plays before waiting normal items; normal items play in start order; an item that expires while
   it waits is acked ``expired``;
6. "plays", and acks ``started`` and ``finished`` with the actual times taken from a high-resolution clock (an
   item that waited acks the time it really started).

Playback is simulated here (the local stack has no amplifier); a real device plugs a player into
:class:`~devices.speaker.runtime.AgentRuntime`. A heartbeat goes out every ``heartbeat_s`` (QoS 0).

The agent connects with its device certificate (mutual TLS, awsiotsdk's builder) in both worlds, and follows its
thing shadow: on every (re)connect it asks for the shadow (``get``) and applies the desired volume from the
answer, so a change made while it was away is not lost; deltas are applied as they come; the new volume is
reported to the shadow (``update``) and in the heartbeat. Only the topic names differ between IoT Core and the
local broker (:class:`~smartcommune.devices.contracts.ShadowTopics`, from the config).

After a merger the platform moves the speaker onto the new commune's topics and key with a re-provisioning
command on its ``cmd`` topic (:mod:`devices.speaker.reprovision`): it subscribes to the new topics first, stores
the new namespace and key in its state file, acks; it keeps listening on the old topics (with the old key) until
the command's ``keep_old_until`` (:mod:`devices.speaker.namespaces`), and plays a command id once whichever topic
brought it. Acks go back on the namespace the command came on; heartbeats and shadow reports on the current one.

Many agents can run in one process (the local stack's 40 speakers, the 2,000-speaker bench): they share one
:class:`~devices.speaker.runtime.AgentRuntime` (scheduler thread, audio fetch pool and audio cache).

Long because: this is the whole firmware-side behaviour of one speaker (commands, dedupe, play queue, shadow, acks,
heartbeat), which a device maker reads as one file; the queue and the runtime are already apart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from devices.speaker.namespaces import Namespace, Namespaces
from devices.speaker.queue import PlayQueue, QueueItem, Step
from devices.speaker.reprovision import Reprovisioner
from devices.speaker.runtime import AgentRuntime
from smartcommune.devices.contracts import (
    AckState,
    CommandAck,
    Heartbeat,
    PlayCommand,
    ShadowTopics,
    ack_topic,
    cmd_topic,
    heartbeat_topic,
    parse_topic,
    verify_command,
)
from smartcommune.devices.storage.mqtt import MqttClient, MqttError, TlsFiles

log = logging.getLogger("devices.speaker")

_OUTCOMES = frozenset({"started", "finished", "failed", "expired"})


@dataclass(frozen=True)
class AgentConfig:
    thing: str
    commune_id: str
    host: str
    port: int
    command_key: bytes
    state_dir: Path
    # The device certificate, its key and the CA (Amazon's root on IoT Core, the local CA locally).
    tls: TlsFiles
    # ShadowTopics.iot_core(thing) on AWS; ShadowTopics.relayed(commune, thing) on the local broker.
    shadow: ShadowTopics
    heartbeat_s: float = 30.0
    # Simulated playback length of one repeat (a real player plays the MP3's duration).
    play_ms: int = 200
    volume: int = 70


@dataclass
class PlayRecord:
    """One playback as it happened (tests and the bench read these)."""

    command_id: str
    bulletin_id: str
    priority: str
    scheduled_at: datetime
    started_at: datetime
    volume: int
    finished_at: datetime | None = None
    interrupted: bool = False


@dataclass
class _State:
    namespaces: Namespaces
    seen: dict[str, str] = field(default_factory=dict)  # command_id -> expires_at (ISO), pruned after expiry
    volume: int = 70


class SpeakerAgent:
    """One loudspeaker. ``start()`` connects and subscribes; ``stop()`` disconnects (the broker keeps the session)."""

    def __init__(
        self,
        config: AgentConfig,
        runtime: AgentRuntime | None = None,
        *,
        on_play: Callable[[PlayRecord], None] | None = None,
    ) -> None:
        self.config = config
        self.runtime = runtime or AgentRuntime()
        self._own_runtime = runtime is None
        self._on_play = on_play
        self._lock = threading.Lock()
        self._state_path = config.state_dir / f"{config.thing}.json"
        self._state = self._load_state()
        self.plays: list[PlayRecord] = []
        self.acks: list[CommandAck] = []
        self._outcomes: dict[str, CommandAck] = {}  # command_id -> latest started/finished/failed/expired ack
        self._commands_namespace: dict[str, str] = {}  # command_id -> the namespace it came on (acks go there)
        self._current: PlayRecord | None = None
        self._queue: PlayQueue[PlayCommand] = PlayQueue()
        self._running = False
        self._heartbeat_generation = 0
        self.client: MqttClient | None = None
        self.reprovisioner = Reprovisioner(self)

    # -- lifecycle

    def start(self, timeout_s: float = 10.0) -> bool:
        """Connect (persistent session) and subscribe; returns whether the broker resumed the session."""
        c = self.config
        self.client = MqttClient(
            c.host,
            c.port,
            client_id=c.thing,
            tls=c.tls,
            clean_session=False,
            on_message=self.handle_message,
            on_resumed=self._resumed,
        )
        session_present = self.client.connect(timeout_s)
        self._running = True
        if not session_present:
            self._subscribe(self.client, timeout_s)
        self.expire_namespaces()
        self.request_shadow()
        self._heartbeat_generation += 1
        self._schedule_heartbeat(self._heartbeat_generation, delay_s=0.0)
        return session_present

    def stop(self) -> None:
        """Go offline (power cut, network loss): the broker queues QoS 1 commands for the persistent session."""
        self._running = False
        self._heartbeat_generation += 1
        if self.client is not None:
            self.client.disconnect()
            self.client = None
        if self._own_runtime:
            self.runtime.close()

    def _subscribe(self, client: MqttClient, timeout_s: float = 10.0) -> None:
        """Every namespace it listens on; one kept only for the switch-over may be refused already (logged)."""
        current, *previous = self.namespaces.active(self.runtime.clock())
        self.subscribe_namespace(client, current.commune_id, timeout_s)
        for namespace in previous:
            try:
                self.subscribe_namespace(client, namespace.commune_id, timeout_s)
            except MqttError:
                log.warning("%s: old topics of %s refused", self.config.thing, namespace.commune_id)
        if not self.relayed_shadow:
            client.subscribe(self.config.shadow.delta, 1, timeout_s)
            client.subscribe(self.config.shadow.get_accepted, 1, timeout_s)

    def subscribe_namespace(self, client: MqttClient, commune_id: str, timeout_s: float = 10.0) -> None:
        """Its command topic under ``commune_id`` (and the relayed shadow topics there, on the local broker)."""
        client.subscribe(cmd_topic(commune_id, self.config.thing), 1, timeout_s)
        if self.relayed_shadow:
            shadow = ShadowTopics.relayed(commune_id, self.config.thing)
            client.subscribe(shadow.delta, 1, timeout_s)
            client.subscribe(shadow.get_accepted, 1, timeout_s)

    def expire_namespaces(self) -> None:
        """Stop listening on namespaces kept past their time; schedule the next one's end."""
        with self._lock:
            gone = self.namespaces.expire(self.runtime.clock())
            if gone:
                self._save_state()
        client = self.client
        for namespace in gone:
            if client is not None:
                with contextlib.suppress(Exception):  # offline: the broker forgets with the session
                    client.unsubscribe(cmd_topic(namespace.commune_id, self.config.thing))
        ends = [p.until.timestamp() for p in self.namespaces.previous if p.until is not None]
        if ends and self._running:
            self.runtime.scheduler.at(min(ends), self.expire_namespaces)

    @property
    def namespaces(self) -> Namespaces:
        return self._state.namespaces

    @property
    def relayed_shadow(self) -> bool:
        """The local broker's relayed shadow topics (one set per namespace), not IoT Core's ``$aws/things/...``."""
        return self.config.shadow == ShadowTopics.relayed(self.config.commune_id, self.config.thing)

    def shadow_topics(self, commune_id: str | None = None) -> ShadowTopics:
        """The shadow topics under ``commune_id`` (default: the current namespace)."""
        if not self.relayed_shadow:
            return self.config.shadow
        return ShadowTopics.relayed(commune_id or self.namespaces.current.commune_id, self.config.thing)

    def _resumed(self, session_present: bool) -> None:
        """awscrt reconnected by itself (broker restart, network back): ask for the shadow again."""

        def again() -> None:
            client = self.client
            if client is None or not self._running:
                return
            try:
                if not session_present:
                    self._subscribe(client)
                self.request_shadow()
            except Exception:
                log.exception("%s: re-subscribing after a reconnect failed", self.config.thing)

        # not on awscrt's event-loop thread: subscribing waits for the broker's answer
        self.runtime.scheduler.at(self.runtime.clock.timestamp(), again)

    def request_shadow(self) -> None:
        """Ask for the whole shadow document (answered on ``shadow.get_accepted``), as IoT Core's ``get``."""
        client = self.client
        if client is not None:
            client.publish(self.shadow_topics().get, b"{}", qos=1)

    @property
    def volume(self) -> int:
        return self._state.volume

    @property
    def playing(self) -> bool:
        return self._current is not None

    # -- state file

    def _load_state(self) -> _State:
        provisioned = Namespace(self.config.commune_id, self.config.command_key)
        try:
            data = json.loads(self._state_path.read_text(encoding="utf-8"))
            return _State(
                namespaces=Namespaces.from_dict(data.get("namespaces"), provisioned),
                seen=dict(data.get("seen", {})),
                volume=int(data.get("volume", self.config.volume)),
            )
        except (OSError, ValueError):
            return _State(namespaces=Namespaces(provisioned), volume=self.config.volume)

    def _save_state(self) -> None:
        """Write the state file atomically and durably (a new file, flushed to disk, renamed over the old one)."""
        now = self.runtime.clock()
        cutoff = (now - timedelta(days=1)).isoformat()
        self._state.seen = {k: v for k, v in self._state.seen.items() if v >= cutoff}
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._state_path.with_suffix(".tmp")
        document = {"seen": self._state.seen, "volume": self._state.volume}
        if self._state.namespaces.current.commune_id != self.config.commune_id or self._state.namespaces.previous:
            document["namespaces"] = self._state.namespaces.to_dict()
        with tmp.open("w", encoding="utf-8") as f:
            f.write(json.dumps(document))
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self._state_path)

    def save_state(self) -> None:
        with self._lock:
            self._save_state()

    # -- messages

    def handle_message(self, topic: str, payload: bytes) -> None:
        try:
            shadows = [self.shadow_topics(n.commune_id) for n in self.namespaces.active(self.runtime.clock())]
            if topic.endswith("/cmd"):
                self.handle_command(payload, topic)
            elif topic in {s.delta for s in shadows}:
                self.handle_shadow_delta(payload)
            elif topic in {s.get_accepted for s in shadows}:
                self.handle_shadow_document(payload)
        except Exception:
            log.exception("%s: message on %s failed", self.config.thing, topic)

    def handle_shadow_delta(self, payload: bytes) -> None:
        """A delta document (IoT Core's, or the relayed one): apply its desired settings and report them."""
        state: Any = (json.loads(payload) or {}).get("state") or {}
        if isinstance(state, dict):
            self._apply_desired(state, always=True)

    def handle_shadow_document(self, payload: bytes) -> None:
        """The answer to ``get``: apply the desired settings when they differ from what the speaker has."""
        state: Any = (json.loads(payload) or {}).get("state") or {}
        desired = state.get("desired") if isinstance(state, dict) else None
        if isinstance(desired, dict):
            self._apply_desired(desired, always=bool(state.get("delta")))

    def _apply_desired(self, desired: dict[str, Any], *, always: bool) -> None:
        volume = desired.get("volume")
        if not (isinstance(volume, int) and not isinstance(volume, bool) and 0 <= volume <= 100):
            return
        if volume == self._state.volume and not always:
            return
        with self._lock:
            self._state.volume = volume
            self._save_state()
        client = self.client
        if client is not None:
            reported = json.dumps({"state": {"reported": {"volume": volume}}}).encode()
            client.publish(self.shadow_topics().update, reported, qos=1)
        self.send_heartbeat()  # reports the new volume

    def handle_command(self, payload: bytes, topic: str | None = None) -> None:
        """A message on one of its ``cmd`` topics: a play command, or a re-provisioning one (``kind``)."""
        now = self.runtime.clock()
        reply = parse_topic(topic)[0] if topic else self.namespaces.current.commune_id  # answer where it came
        if _raw_field(payload, "kind") == "reprovision":
            self.reprovisioner.handle(payload, reply)
            return
        try:
            command = PlayCommand.model_validate_json(payload)
        except ValidationError:
            command_id = _raw_field(payload, "command_id")
            self._ack(command_id, "failed", now, "invalid command / lệnh không hợp lệ", namespace=reply)
            return
        key = self.namespaces.key_for(command.commune_id, now)
        if key is None:
            self._ack(command.command_id, "failed", now, "wrong commune / sai xã", namespace=reply)
            return
        if not verify_command(command, key):
            self._ack(command.command_id, "failed", now, "bad signature / chữ ký không hợp lệ", namespace=reply)
            return
        with self._lock:
            if command.command_id in self._state.seen:
                duplicate = True
            else:
                duplicate = False
                self._state.seen[command.command_id] = command.expires_at.isoformat()
                self._commands_namespace[command.command_id] = reply
                self._save_state()
        if duplicate:  # also a command seen on the old topics that now comes on the new ones: played once
            outcome = self._outcomes.get(command.command_id)
            if outcome is not None:
                self._publish(outcome, reply)  # the same ack again (same time): the platform applies it once
            self._ack(command.command_id, "duplicate", now, "already handled / đã xử lý", namespace=reply)
            return
        if now >= command.expires_at:
            detail = "expired before delivery / hết hạn trước khi nhận"
            self._ack(command.command_id, "expired", now, detail, namespace=reply)
            return
        self._ack(command.command_id, "received", now, namespace=reply)
        self.runtime.fetch_pool.submit(self._prepare, command)

    def _prepare(self, command: PlayCommand) -> None:
        try:
            self.runtime.audio.get(command.audio_url, command.audio_sha256)
        except Exception as exc:
            self._ack(command.command_id, "failed", self.runtime.clock(), str(exc)[:300])
            return
        when = max(command.start_at.timestamp(), self.runtime.clock.timestamp())
        self.runtime.scheduler.at(when, lambda: self._due(command))

    def _due(self, command: PlayCommand) -> None:
        """The command's start time has come: the play queue decides whether it starts, interrupts or waits."""
        item: QueueItem[PlayCommand] = QueueItem(
            command_id=command.command_id,
            priority=command.priority,
            start_at=command.start_at.timestamp(),
            expires_at=command.expires_at.timestamp(),
            payload=command,
        )
        with self._lock:
            step = self._queue.due(item, self.runtime.clock.timestamp())
            if step.interrupted is not None and self._current is not None:
                self._current.interrupted = True
        self._apply(step, "expired before start / hết hạn trước khi phát")

    def _apply(self, step: Step[PlayCommand], expired_detail: str) -> None:
        for dropped in step.expired:
            self._ack(dropped.command_id, "expired", self.runtime.clock(), expired_detail)
        if step.start is not None:
            self._start(step.start.payload)

    def _start(self, command: PlayCommand) -> None:
        # ``started`` carries the actual start: later than ``start_at`` when the item waited in the queue
        started = self.runtime.clock()
        record = PlayRecord(
            command_id=command.command_id,
            bulletin_id=command.bulletin_id,
            priority=command.priority,
            scheduled_at=command.start_at,
            started_at=started,
            volume=command.volume,
        )
        with self._lock:
            self._current = record
            self.plays.append(record)
        self._ack(command.command_id, "started", started)
        if self._on_play is not None:
            self._on_play(record)
        end = started.timestamp() + command.repeat * self.config.play_ms / 1000
        self.runtime.scheduler.at(end, lambda: self._finish(record))

    def _finish(self, record: PlayRecord) -> None:
        finished = self.runtime.clock()
        with self._lock:
            record.finished_at = finished
            step: Step[PlayCommand] = Step()
            if self._current is record:
                self._current = None
                step = self._queue.finished(record.command_id, finished.timestamp())
        if record.interrupted:
            self._ack(record.command_id, "failed", finished, "interrupted by an emergency / bị ngắt bởi tin khẩn")
        else:
            self._ack(record.command_id, "finished", finished)
        self._apply(step, "expired while waiting / hết hạn khi đang chờ phát")

    # -- outgoing

    def _ack(
        self, command_id: str, state: AckState, at: datetime, detail: str = "", *, namespace: str | None = None
    ) -> None:
        """Answer a command on ``namespace`` (the one it came on; default the commune the command names)."""
        ack = CommandAck(command_id=command_id, thing=self.config.thing, state=state, at=at, detail=detail)
        self.acks.append(ack)
        if state in _OUTCOMES:
            with self._lock:
                self._outcomes[command_id] = ack
                self._outcomes = {k: v for k, v in self._outcomes.items() if k in self._state.seen}
                self._commands_namespace = {k: v for k, v in self._commands_namespace.items() if k in self._state.seen}
        self._publish(ack, namespace or self._commands_namespace.get(command_id))

    def ack(self, command_id: str, state: AckState, at: datetime, detail: str = "", *, namespace: str) -> None:
        """Answer a re-provisioning command (``devices.speaker.reprovision``): not kept among the played outcomes."""
        ack = CommandAck(command_id=command_id, thing=self.config.thing, state=state, at=at, detail=detail)
        self.acks.append(ack)
        self._publish(ack, namespace)

    def _publish(self, ack: CommandAck, namespace: str | None = None) -> None:
        client = self.client
        if client is not None:
            self.runtime.uplink.submit(self._publish_ack, client, ack, namespace)

    def _publish_ack(self, client: MqttClient, ack: CommandAck, namespace: str | None = None) -> None:
        active = {n.commune_id for n in self.namespaces.active(self.runtime.clock())}
        topic_commune = namespace if namespace in active else self.namespaces.current.commune_id
        try:
            client.publish(ack_topic(topic_commune, self.config.thing), ack.to_json(), qos=1)
        except Exception:
            # the platform retries a command whose ack it never saw; the agent acks a duplicate again
            log.warning("ack publish failed for %s", ack.command_id)

    def send_heartbeat(self) -> None:
        client = self.client
        if client is None:
            return
        beat = Heartbeat(thing=self.config.thing, at=self.runtime.clock(), volume=self.volume, playing=self.playing)
        topic = heartbeat_topic(self.namespaces.current.commune_id, self.config.thing)
        client.publish(topic, beat.to_json(), qos=0)

    def _schedule_heartbeat(self, generation: int, delay_s: float) -> None:
        def beat() -> None:
            if not self._running or generation != self._heartbeat_generation:
                return
            with contextlib.suppress(Exception):
                self.send_heartbeat()
            self._schedule_heartbeat(generation, self.config.heartbeat_s)

        self.runtime.scheduler.at(self.runtime.clock.timestamp() + delay_s, beat)


def _raw_field(payload: bytes, name: str) -> str:
    try:
        value: Any = json.loads(payload).get(name)
    except (ValueError, AttributeError):
        return "unknown"
    return value[:64] if isinstance(value, str) and value else "unknown"
