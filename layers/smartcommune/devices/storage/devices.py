"""Loudspeaker registry, delivery state and the ``Fanout`` that publishes play commands.

Items (single table, every key inside the commune's ``C#<commune>#`` prefix)::

    C#<c>#SPEAKERS        / T#<thing>      speaker: registry record + live state (heartbeat, last command)
    C#<c>#SPEAKERS        / CL#<cluster>   cluster
    C#<c>#CMD#<command>   / META           the signed command, its targets, attempts per target
                                           GSI1 C#<c>#BULLETIN#<bulletin> / CMD#<sent_at>  (latest per bulletin)
                                           GSI2 C#<c>#OPENCMD / <expires_at>  while some target has not answered
    C#<c>#CMD#<command>   / T#<thing>      one speaker's delivery (written by the ack handler only)
    C#<c>#SPKSTAT#<thing> / S#<slot>       a 30 s heartbeat slot already counted (TTL 3 days)
    C#<c>#SPKSTAT#<thing> / D#<yyyy-mm-dd> uptime seconds of the day (Vietnam time), ADDed once per slot
    C#<c>#SPKSTAT#<thing> / M#<yyyy-mm>    uptime seconds of the month

Publishing: ``IotDataPublisher`` (AWS: ``iot-data publish``, no awscrt in Lambda) or ``MqttPublisher`` (local
Mosquitto, as the platform's broker user), chosen by ``settings.fanout_transport``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import PutError

from smartcommune.core.errors import InvalidInputError, NotFoundError
from smartcommune.core.table import MainTable, commune_pk
from smartcommune.devices.contracts import (
    Cluster,
    CommandAck,
    DeliveryBatch,
    DeliveryReport,
    GeoPoint,
    PlayCommand,
    Priority,
    ShadowDelta,
    Speaker,
    SpeakerState,
    cmd_topic,
    commune_command_key,
    shadow_delta_topic,
)
from smartcommune.devices.logic import (
    FINAL_STATES,
    HEARTBEAT_SLOT_S,
    DeliveryRow,
    RetryPolicy,
    SpeakerStats,
    apply_ack,
    build_command,
    choose_expires_at,
    choose_start_at,
    delivery_report,
    is_online,
    month_days,
    plan_targets,
    slot_periods,
    speaker_stats,
)

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings
    from smartcommune.devices.storage.mqtt import MqttClient

Clock = Callable[[], datetime]


# ---------------------------------------------------------------- items


class SpeakerItem(MainTable, discriminator="speaker"):
    thing = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    cluster_id = UnicodeAttribute()
    hamlet_id = UnicodeAttribute()
    lat = NumberAttribute()
    lon = NumberAttribute()
    label = UnicodeAttribute(default="")
    volume = NumberAttribute(default=70)
    emergency_volume = NumberAttribute(default=100)
    last_seen_at = UTCDateTimeAttribute(null=True)
    playing = BooleanAttribute(default=False)
    reported_volume = NumberAttribute(null=True)
    last_command_id = UnicodeAttribute(null=True)
    last_command_state = UnicodeAttribute(null=True)


class ClusterItem(MainTable, discriminator="speaker_cluster"):
    cluster_id = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    hamlet_id = UnicodeAttribute()
    name = UnicodeAttribute()
    lat = NumberAttribute()
    lon = NumberAttribute()
    things = ListAttribute(of=UnicodeAttribute, default=list)


class CommandItem(MainTable, discriminator="play_command"):
    command_id = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    bulletin_id = UnicodeAttribute()
    priority = UnicodeAttribute()
    command_json = UnicodeAttribute()
    targets = ListAttribute(of=UnicodeAttribute)
    attempts_json = UnicodeAttribute(default="{}")
    start_at = UTCDateTimeAttribute()
    expires_on = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute()
    last_sent_at = UTCDateTimeAttribute()


class DeliveryItem(MainTable, discriminator="delivery"):
    thing = UnicodeAttribute()
    command_id = UnicodeAttribute()
    state = UnicodeAttribute()
    acked_at = UTCDateTimeAttribute(null=True)
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    detail = UnicodeAttribute(default="")
    version = VersionAttribute()


class SpeakerStatItem(MainTable, discriminator="speaker_stat"):
    """A speaker's uptime counter for one day (``D#``) or month (``M#``)."""

    up_s = NumberAttribute(default=0)


class HeartbeatSlotItem(MainTable, discriminator="speaker_heartbeat_slot"):
    """Marks one 30 s heartbeat slot of a speaker as counted; DynamoDB's TTL removes it after a few days."""


SLOT_KEEP_S = 3 * 24 * 3600


def _speakers_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "SPEAKERS")


def _command_pk(commune_id: str, command_id: str) -> str:
    return commune_pk(commune_id, "CMD", command_id)


# ---------------------------------------------------------------- registry


def _speaker_of(item: SpeakerItem) -> Speaker:
    return Speaker(
        thing=item.thing,
        commune_id=item.commune_id,
        cluster_id=item.cluster_id,
        hamlet_id=item.hamlet_id,
        location=GeoPoint(lat=float(item.lat), lon=float(item.lon)),
        label=item.label,
        volume=int(item.volume),
        emergency_volume=int(item.emergency_volume),
    )


class DeviceRepository:
    """The speakers and clusters of one commune, with their live state."""

    def __init__(self, commune_id: str, offline_after_s: int = 90) -> None:
        self.commune_id = commune_id
        self.offline_after_s = offline_after_s

    def put_speakers(self, speakers: Iterable[Speaker]) -> None:
        """Create or replace registry records (keeps nothing of the live state: seeding only)."""
        with SpeakerItem.batch_write() as batch:
            for s in speakers:
                batch.save(
                    SpeakerItem(
                        _speakers_pk(s.commune_id),
                        f"T#{s.thing}",
                        thing=s.thing,
                        commune_id=s.commune_id,
                        cluster_id=s.cluster_id,
                        hamlet_id=s.hamlet_id,
                        lat=s.location.lat,
                        lon=s.location.lon,
                        label=s.label,
                        volume=s.volume,
                        emergency_volume=s.emergency_volume,
                    )
                )

    def put_cluster(self, cluster_id: str, hamlet_id: str, name: str, location: GeoPoint, things: list[str]) -> None:
        ClusterItem(
            _speakers_pk(self.commune_id),
            f"CL#{cluster_id}",
            cluster_id=cluster_id,
            commune_id=self.commune_id,
            hamlet_id=hamlet_id,
            name=name,
            lat=location.lat,
            lon=location.lon,
            things=things,
        ).save()

    def _items(self) -> list[SpeakerItem]:
        return list(SpeakerItem.query(_speakers_pk(self.commune_id), SpeakerItem.sk.startswith("T#")))

    def registry(self) -> dict[str, Speaker]:
        return {item.thing: _speaker_of(item) for item in self._items()}

    def states(self, now: datetime) -> list[SpeakerState]:
        return [self._state(item, now) for item in self._items()]

    def state(self, thing: str, now: datetime) -> SpeakerState:
        try:
            item = SpeakerItem.get(_speakers_pk(self.commune_id), f"T#{thing}")
        except SpeakerItem.DoesNotExist as exc:
            raise NotFoundError("Không tìm thấy loa.", message_en="Speaker not found.") from exc
        return self._state(item, now)

    def _state(self, item: SpeakerItem, now: datetime) -> SpeakerState:
        base = _speaker_of(item).model_dump()
        return SpeakerState(
            **base,
            online=is_online(item.last_seen_at, now, self.offline_after_s),
            last_seen_at=item.last_seen_at,
            playing=bool(item.playing),
            reported_volume=int(item.reported_volume) if item.reported_volume is not None else None,
            last_command_id=item.last_command_id,
            last_command_state=item.last_command_state,
        )

    def record_heartbeat(
        self, thing: str, at: datetime, volume: int, playing: bool, *, slot: int | None = None
    ) -> int | None:
        """Live state from a heartbeat; returns the previously reported volume (NotFoundError for a thing that is
        not registered). With ``slot`` (see ``domain.devices.heartbeat_slot``) the heartbeat also counts towards
        the speaker's uptime statistics."""
        item = SpeakerItem(_speakers_pk(self.commune_id), f"T#{thing}")
        try:
            # the projection must include the discriminator ("type"), or pynamodb cannot tell it is a speaker
            old = SpeakerItem.get(item.pk, item.sk, attributes_to_get=["type", "reported_volume"])
            previous = int(old.reported_volume) if old.reported_volume is not None else None
        except SpeakerItem.DoesNotExist as exc:  # an unregistered thing: nothing to update, nothing to count
            raise NotFoundError("Không tìm thấy loa.", message_en="Speaker not found.") from exc
        item.update(
            actions=[
                SpeakerItem.last_seen_at.set(at),
                SpeakerItem.reported_volume.set(volume),
                SpeakerItem.playing.set(playing),
            ],
            condition=SpeakerItem.pk.exists(),
        )
        if slot is not None:
            self.count_uptime(thing, slot)
        return previous

    def count_uptime(self, thing: str, slot: int, slot_s: int = HEARTBEAT_SLOT_S) -> bool:
        """Count heartbeat ``slot`` as ``slot_s`` seconds of uptime, once; False when it was already counted.

        The slot item is put with a "must not exist" condition; only the writer that created it ADDs to the day
        and month counters, so a heartbeat delivered twice, or two in one slot, adds nothing.
        """
        pk = commune_pk(self.commune_id, "SPKSTAT", thing)
        try:
            HeartbeatSlotItem(pk, f"S#{slot}", expires_at=slot * slot_s + SLOT_KEEP_S).save(
                condition=HeartbeatSlotItem.pk.does_not_exist()
            )
        except PutError:
            return False
        day, month = slot_periods(slot, slot_s)
        typed = SpeakerStatItem.kind.set(SpeakerStatItem)  # an update creates the item: give it its type
        for sk in (f"D#{day}", f"M#{month}"):
            SpeakerStatItem(pk, sk).update(actions=[typed, SpeakerStatItem.up_s.add(slot_s)])
        return True

    def stats(self, thing: str, month: str, now: datetime) -> SpeakerStats:
        """Uptime per day and for ``month`` (``yyyy-mm``) and failed deliveries from the broadcast statistics."""
        self.state(thing, now)  # 404 for a speaker of another commune
        pk = commune_pk(self.commune_id, "SPKSTAT", thing)
        up_s: dict[str, float] = {}
        for item in SpeakerStatItem.query(pk, SpeakerStatItem.sk.startswith(f"D#{month}-")):
            up_s[item.sk[2:]] = float(item.up_s or 0)
        month_up: float | None = None
        with contextlib.suppress(SpeakerStatItem.DoesNotExist):
            month_up = float(SpeakerStatItem.get(pk, f"M#{month}").up_s or 0)
        # Failed deliveries are counted once per completed delivery report (``SpeakerOutcomes.count``), including
        # speakers that never answered.
        periods = [d.isoformat() for d in month_days(month)] + [month]
        keys = [(_outcomes_pk(self.commune_id, p), f"T#{thing}") for p in periods]
        failed: dict[str, int] = {}
        for counter in SpeakerOutcomeItem.batch_get(keys):
            failed[counter.pk.rsplit("#", 1)[1]] = int(counter.failed or 0)
        return speaker_stats(thing, month, up_s, failed, now, month_up_s=month_up, month_failed=failed.get(month))

    def record_command_state(self, thing: str, command_id: str, state: str, at: datetime) -> None:
        item = SpeakerItem(_speakers_pk(self.commune_id), f"T#{thing}")
        # an unregistered thing: the delivery row still records the ack
        with contextlib.suppress(Exception):
            item.update(
                actions=[
                    SpeakerItem.last_seen_at.set(at),
                    SpeakerItem.last_command_id.set(command_id),
                    SpeakerItem.last_command_state.set(state),
                    SpeakerItem.playing.set(state == "started"),
                ],
                condition=SpeakerItem.pk.exists(),
            )

    def set_desired(self, thing: str, volume: int | None, emergency_volume: int | None) -> None:
        actions: list[Any] = []
        if volume is not None:
            actions.append(SpeakerItem.volume.set(volume))
        if emergency_volume is not None:
            actions.append(SpeakerItem.emergency_volume.set(emergency_volume))
        if actions:
            SpeakerItem(_speakers_pk(self.commune_id), f"T#{thing}").update(
                actions=actions, condition=SpeakerItem.pk.exists()
            )


class SpeakerOutcomeItem(MainTable, discriminator="speaker_outcome"):
    played = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)


def _outcomes_pk(commune_id: str, period: str) -> str:
    return commune_pk(commune_id, "SPKOUT", period)


class SpeakerOutcomes:
    """Plays and failures per speaker per day and month: ``C#<c>#SPKOUT#<period>`` / ``T#<thing>``.

    Counted once per completed delivery report by whoever completes it (bulletins' statistics), read by the
    speaker's own statistics and by the broadcast statistics of a period (one query per period).
    """

    def count(self, commune_id: str, periods: list[str], rows: list[tuple[str, str]]) -> None:
        """Add one play (state ``finished``) or one failure (any other final state) per ``(thing, state)``."""
        typed = SpeakerOutcomeItem.kind.set(SpeakerOutcomeItem)  # an update creates the item: give it its type
        for period in periods:
            for thing, state in rows:
                field = SpeakerOutcomeItem.played if state == "finished" else SpeakerOutcomeItem.failed
                SpeakerOutcomeItem(_outcomes_pk(commune_id, period), f"T#{thing}").update(actions=[typed, field.add(1)])

    def period(self, commune_id: str, period: str) -> dict[str, dict[str, int]]:
        """``{"played": {thing: n}, "failed": {thing: n}}`` for one day or month (zeros left out)."""
        out: dict[str, dict[str, int]] = {"played": {}, "failed": {}}
        for item in SpeakerOutcomeItem.query(_outcomes_pk(commune_id, period)):
            if item.played:
                out["played"][item.sk[2:]] = int(item.played)
            if item.failed:
                out["failed"][item.sk[2:]] = int(item.failed)
        return out


class RegistryDirectory:
    """The commune's loudspeaker clusters, grouped from the device registry's speakers."""

    def clusters(self, commune_id: str) -> list[Cluster]:
        grouped: dict[str, Cluster] = {}
        for speaker in sorted(DeviceRepository(commune_id).registry().values(), key=lambda s: s.thing):
            cluster = grouped.setdefault(
                speaker.cluster_id,
                Cluster(
                    cluster_id=speaker.cluster_id,
                    commune_id=commune_id,
                    hamlet_id=speaker.hamlet_id,
                    name=speaker.cluster_id,
                    location=speaker.location,
                ),
            )
            cluster.things.append(speaker.thing)
        return list(grouped.values())


# ---------------------------------------------------------------- deliveries


@dataclass
class CommandRecord:
    command: PlayCommand
    targets: list[str]
    attempts: dict[str, int]
    sent_at: datetime
    last_sent_at: datetime


def _record_of(item: CommandItem) -> CommandRecord:
    return CommandRecord(
        command=PlayCommand.model_validate_json(item.command_json),
        targets=[str(t) for t in item.targets],
        attempts={k: int(v) for k, v in json.loads(item.attempts_json).items()},
        sent_at=item.sent_at,
        last_sent_at=item.last_sent_at,
    )


def _row_of(item: DeliveryItem, attempts: int) -> DeliveryRow:
    return DeliveryRow(
        thing=item.thing,
        state=item.state,  # type: ignore[arg-type]
        attempts=attempts,
        acked_at=item.acked_at,
        started_at=item.started_at,
        finished_at=item.finished_at,
        detail=item.detail,
    )


class DeliveryStore:
    """Commands sent in one commune and each speaker's answers."""

    def __init__(self, commune_id: str) -> None:
        self.commune_id = commune_id
        self._cache: dict[str, CommandRecord] = {}

    def create(self, command: PlayCommand, targets: list[str], sent_at: datetime) -> None:
        c = command
        CommandItem(
            _command_pk(self.commune_id, c.command_id),
            "META",
            command_id=c.command_id,
            commune_id=self.commune_id,
            bulletin_id=c.bulletin_id,
            priority=c.priority,
            command_json=c.to_json().decode("utf-8"),
            targets=targets,
            attempts_json=json.dumps(dict.fromkeys(targets, 1)),
            start_at=c.start_at,
            expires_on=c.expires_at,
            sent_at=sent_at,
            last_sent_at=sent_at,
            gsi1pk=commune_pk(self.commune_id, "BULLETIN", c.bulletin_id),
            gsi1sk=f"CMD#{sent_at.isoformat()}#{c.command_id}",
            gsi2pk=commune_pk(self.commune_id, "OPENCMD"),
            gsi2sk=c.expires_at.isoformat(),
        ).save()

    def command(self, command_id: str) -> CommandRecord:
        cached = self._cache.get(command_id)
        if cached is not None:
            return cached
        try:
            record = _record_of(CommandItem.get(_command_pk(self.commune_id, command_id), "META"))
        except CommandItem.DoesNotExist as exc:
            raise NotFoundError("Không tìm thấy lệnh phát.", message_en="Play command not found.") from exc
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[command_id] = record
        return record

    def latest_for_bulletin(self, bulletin_id: str) -> str | None:
        for item in CommandItem.gsi1.query(
            commune_pk(self.commune_id, "BULLETIN", bulletin_id), scan_index_forward=False, limit=1
        ):
            return str(getattr(item, "command_id"))  # noqa: B009
        return None

    def load(self, command_id: str) -> tuple[CommandRecord, dict[str, DeliveryRow]]:
        """The command (fresh, not cached) and every delivery row, in one query."""
        record: CommandRecord | None = None
        items: list[DeliveryItem] = []
        for item in MainTable.query(_command_pk(self.commune_id, command_id)):
            if isinstance(item, CommandItem):
                record = _record_of(item)
            elif isinstance(item, DeliveryItem):
                items.append(item)
        if record is None:
            raise NotFoundError("Không tìm thấy lệnh phát.", message_en="Play command not found.")
        rows = {i.thing: _row_of(i, record.attempts.get(i.thing, 1)) for i in items}
        return record, rows

    def apply_ack(self, ack: CommandAck, received_at: datetime) -> DeliveryRow | None:
        """Record one ack (state only moves forward); None when the command or target is unknown."""
        try:
            record = self.command(ack.command_id)
        except NotFoundError:
            return None
        if ack.thing not in record.targets:
            return None
        pk = _command_pk(self.commune_id, ack.command_id)
        for _ in range(8):
            try:
                item = DeliveryItem.get(pk, f"T#{ack.thing}", consistent_read=True)
            except DeliveryItem.DoesNotExist:
                item = DeliveryItem(pk, f"T#{ack.thing}", thing=ack.thing, command_id=ack.command_id, state="sent")
            row = _row_of(item, record.attempts.get(ack.thing, 1))
            if not apply_ack(row, ack.state, ack.at, received_at, ack.detail):
                return row
            item.state = row.state
            item.acked_at = row.acked_at
            item.started_at = row.started_at
            item.finished_at = row.finished_at
            item.detail = row.detail
            try:
                item.save()  # VersionAttribute: conditional on the version read (or on absence)
                return row
            except PutError:
                continue  # another ack for this speaker won the race: read again
        return None

    def record_attempts(self, command_id: str, things: list[str], at: datetime) -> None:
        item = CommandItem.get(_command_pk(self.commune_id, command_id), "META")
        attempts = json.loads(item.attempts_json)
        for thing in things:
            attempts[thing] = int(attempts.get(thing, 0)) + 1
        item.update(actions=[CommandItem.attempts_json.set(json.dumps(attempts)), CommandItem.last_sent_at.set(at)])
        self._cache.pop(command_id, None)

    def open_commands(self, now: datetime) -> list[str]:
        """Commands that still have speakers to hear from (expired ones are closed by the caller)."""
        return [str(getattr(i, "command_id")) for i in CommandItem.gsi2.query(commune_pk(self.commune_id, "OPENCMD"))]  # noqa: B009

    def close(self, command_id: str) -> None:
        CommandItem(_command_pk(self.commune_id, command_id), "META").update(
            actions=[CommandItem.gsi2pk.remove(), CommandItem.gsi2sk.remove()]
        )


# ---------------------------------------------------------------- publishers


class CommandPublisher(Protocol):
    def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        """Publish each (topic, payload) at QoS 1; returns when the broker has them all."""


class IotDataPublisher:
    """AWS IoT Core through the data plane (``iot-data publish``), in parallel."""

    def __init__(self, settings: Settings, workers: int = 16) -> None:
        import boto3
        from botocore.config import Config

        endpoint = settings.iot_data_endpoint or settings.aws_endpoint_url
        self._client = boto3.session.Session().client(
            "iot-data",
            region_name=settings.aws_region,
            endpoint_url=endpoint,
            config=Config(max_pool_connections=workers, retries={"mode": "standard", "max_attempts": 4}),
        )
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="iot-publish")

    @property
    def client(self) -> Any:
        return self._client

    def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        futures = [self._pool.submit(self._client.publish, topic=t, qos=1, payload=p) for t, p in messages]
        for f in futures:
            f.result()


class MqttPublisher:
    """The local broker, as the platform's user (its ACL allows writing commands and reading acks)."""

    def __init__(self, settings: Settings, client_id: str = "platform-fanout") -> None:
        self._settings = settings
        self._client_id = client_id
        self._client: MqttClient | None = None
        self._lock = threading.Lock()

    def _connected(self) -> MqttClient:
        with self._lock:
            if self._client is None:
                from smartcommune.devices.storage.mqtt import MqttClient

                s = self._settings
                client = MqttClient(
                    s.mqtt_host,
                    s.mqtt_port,
                    self._client_id,
                    username=s.mqtt_username,
                    password=s.mqtt_password,
                    clean_session=True,
                )
                client.connect()
                self._client = client
            return self._client

    def publish_many(self, messages: list[tuple[str, bytes]], attempts: int = 3) -> None:
        """Publish at QoS 1; messages whose publish was cancelled by a broker restart are sent again.

        Speakers deduplicate by command id, so a message that did arrive before the drop is harmless twice.
        """
        client = self._connected()
        pending = messages
        for attempt in range(attempts):
            if not client.connected.wait(10):
                raise ConnectionError("MQTT broker unreachable")
            futures = [(message, client.publish(message[0], message[1], 1)) for message in pending]
            failed: list[tuple[str, bytes]] = []
            for message, future in futures:
                try:
                    future.result(30)
                except Exception:  # the connection dropped under us (awscrt cancels the clean session's requests)
                    if attempt == attempts - 1:
                        raise
                    failed.append(message)
            if not failed:
                return
            pending = failed
            time.sleep(0.2 * (attempt + 1))  # let the client notice the drop and reconnect

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.disconnect()
                self._client = None


def publisher_for(settings: Settings) -> CommandPublisher:
    if settings.fanout_transport == "iot":
        return IotDataPublisher(settings)
    return MqttPublisher(settings)


# ---------------------------------------------------------------- shadows


class ShadowStore:
    """Desired/reported device settings in the IoT shadow (moto's data plane locally). Locally the delta is
    relayed to the speaker on ``sc/<c>/speakers/<t>/shadow/delta``; IoT Core delivers its own in AWS."""

    def __init__(self, iot_data: Any, publisher: CommandPublisher | None, relay_deltas: bool) -> None:
        self._iot = iot_data
        self._publisher = publisher
        self._relay = relay_deltas

    def desire(self, commune_id: str, thing: str, desired: dict[str, Any]) -> dict[str, Any]:
        response = self._iot.update_thing_shadow(
            thingName=thing, payload=json.dumps({"state": {"desired": desired}}).encode()
        )
        document = json.loads(response["payload"].read())
        if self._relay and self._publisher is not None:
            delta = self.delta(thing)
            if delta.state:
                self._publisher.publish_many(
                    [(shadow_delta_topic(commune_id, thing), delta.model_dump_json().encode())]
                )
        result: dict[str, Any] = document
        return result

    def report(self, thing: str, reported: dict[str, Any]) -> None:
        self._iot.update_thing_shadow(thingName=thing, payload=json.dumps({"state": {"reported": reported}}).encode())

    def delta(self, thing: str) -> ShadowDelta:
        try:
            response = self._iot.get_thing_shadow(thingName=thing)
        except self._iot.exceptions.ResourceNotFoundException:
            return ShadowDelta()
        document = json.loads(response["payload"].read())
        return ShadowDelta(version=int(document.get("version", 0)), state=document.get("state", {}).get("delta", {}))


# ---------------------------------------------------------------- the fan-out


@dataclass
class DeviceFanout:
    """Implements the bulletins' ``Fanout`` port: sign, record, publish at once; acks arrive asynchronously."""

    settings: Settings
    clock: Clock
    publisher: CommandPublisher
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    _stores: dict[str, DeliveryStore] = field(default_factory=dict)

    def registry(self, commune_id: str) -> DeviceRepository:
        return DeviceRepository(commune_id, self.settings.speaker_offline_after_s)

    def deliveries(self, commune_id: str) -> DeliveryStore:
        if commune_id not in self._stores:
            self._stores[commune_id] = DeliveryStore(commune_id)
        return self._stores[commune_id]

    def key(self, commune_id: str) -> bytes:
        return commune_command_key(self.settings.command_key, commune_id)

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
        registry: dict[str, Speaker] | None = None,
    ) -> DeliveryBatch:
        """Sign one command for every target, record it, and publish it to each target's topic at once."""
        known, unknown = plan_targets(
            targets, registry if registry is not None else self.registry(commune_id).registry()
        )
        if unknown:
            raise InvalidInputError(
                f"Loa không có trong danh bạ: {', '.join(unknown[:5])}",
                message_en=f"Unknown speakers: {', '.join(unknown[:5])}",
            )
        if not known:
            raise InvalidInputError("Chưa chọn loa nào.", message_en="No speaker targeted.")
        now = self.clock()
        start_at = choose_start_at(now, priority, len(known), start_in_ms)
        command = build_command(
            key=self.key(commune_id),
            commune_id=commune_id,
            bulletin_id=bulletin_id,
            audio_url=audio_url,
            audio_sha256=audio_sha256,
            priority=priority,
            volume=volume,
            repeat=repeat,
            start_at=start_at,
            expires_at=choose_expires_at(start_at, priority, expires_in_s),
        )
        self.deliveries(commune_id).create(command, known, now)
        self.publish(command, known)
        return DeliveryBatch(
            command_id=command.command_id,
            bulletin_id=bulletin_id,
            commune_id=commune_id,
            priority=priority,
            targets=known,
            start_at=command.start_at,
            expires_at=command.expires_at,
            sent_at=now,
        )

    def publish(self, command: PlayCommand, things: list[str]) -> None:
        payload = command.to_json()
        self.publisher.publish_many([(cmd_topic(command.commune_id, t), payload) for t in things])

    def report(self, commune_id: str, bulletin_id: str, command_id: str | None = None) -> DeliveryReport:
        store = self.deliveries(commune_id)
        command_id = command_id or store.latest_for_bulletin(bulletin_id)
        if command_id is None:
            raise NotFoundError("Bản tin chưa được phát tới loa nào.", message_en="Bulletin not sent to any speaker.")
        record, rows = store.load(command_id)
        if record.command.bulletin_id != bulletin_id:
            raise NotFoundError("Không tìm thấy lệnh phát.", message_en="Play command not found.")
        for thing in record.targets:
            rows.setdefault(thing, DeliveryRow(thing=thing, attempts=record.attempts.get(thing, 1)))
        return delivery_report(
            commune_id=commune_id,
            bulletin_id=bulletin_id,
            command_id=command_id,
            start_at=record.command.start_at,
            expires_at=record.command.expires_at,
            targets=record.targets,
            rows=rows,
            registry=self.registry(commune_id).registry(),
            now=self.clock(),
        )

    def retry_pending(self, commune_id: str, *, force: bool = False) -> dict[str, list[str]]:
        """Resend open commands (same command id) to speakers that have not answered; close finished/expired ones.

        ``force`` ignores the backoff (tests, or an operator's "resend now"). Returns command id -> things resent.
        """
        store = self.deliveries(commune_id)
        now = self.clock()
        resent: dict[str, list[str]] = {}
        for command_id in store.open_commands(now):
            record, rows = store.load(command_id)
            if now >= record.command.expires_at:
                store.close(command_id)
                continue
            missing = []
            for thing in record.targets:
                row = rows.get(thing)
                state = row.state if row else "sent"
                attempts = record.attempts.get(thing, 1)
                if (
                    force and state in ("pending", "sent") and attempts < self.retry_policy.max_attempts
                ) or self.retry_policy.due(
                    state=state,
                    attempts=attempts,
                    last_sent_at=record.last_sent_at,
                    expires_at=record.command.expires_at,
                    now=now,
                ):
                    missing.append(thing)
            if all((rows.get(t) and rows[t].state in FINAL_STATES) for t in record.targets):
                store.close(command_id)
                continue
            if missing:
                self.publish(record.command, missing)
                store.record_attempts(command_id, missing, now)
                resent[command_id] = missing
        return resent
