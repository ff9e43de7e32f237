"""Re-provisioning a commune's speakers onto its own topics and key after a merger (``devices.logic.reprovision``).

``SpeakerReprovisioning.start`` grants the new topics (the :class:`ThingPolicy`), records the run, marks each
speaker's record (the run it waits for and its sealed key) and sends each a signed command on its current topic.
The flip is ack-driven: ``flip_acked`` (called by the ack handler through ``DeviceFanout.switch_reprovisioned``)
moves a speaker's ``topic_commune`` when its ``finished`` ack of the run is in — a conditional write on the run's
command id, so a repeated ack changes nothing. Retries go through ``DeviceFanout.retry_pending`` and
``publish_reprovision`` (no cryptography: the sealed key is stored, the command re-signed with HMAC).
``drop_old`` later stops allowing the topics a speaker left.

Policies: ``IotThingPolicy`` sets the thing attributes the shared speaker policy reads (``commune`` and
``commune_alt``: template.yaml's ``SpeakerPolicy``); the local stack adds the broker's ACL to it
(``smartcommune_local.broker.BrokerAclPolicy``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pynamodb.exceptions import UpdateError

from smartcommune.core.errors import NotFoundError
from smartcommune.devices.contracts import CommandAck, ReprovisionPlan, ReprovisionSummary, cmd_topic
from smartcommune.devices.logic.reprovision import (
    DROP_OLD_AFTER_S,
    RunState,
    SpeakerPosition,
    classify,
    droppable,
    granted_namespaces,
    new_plan,
    seal_key,
    signed_command,
    summary,
    unsealed_command,
)
from smartcommune.devices.storage.deliveries import DeliveryStore
from smartcommune.devices.storage.items import SpeakerItem, speakers_pk

if TYPE_CHECKING:
    from smartcommune.devices.storage.publishers import CommandPublisher

log = logging.getLogger(__name__)

KeyOf = Callable[[str], bytes]  # commune id -> its command key
WORKERS = 16  # IoT and table calls side by side


class ThingPolicy(Protocol):
    """Which communes' topics each speaker may use (IoT Core: its thing attributes; locally: the broker's ACL)."""

    def bind(self, namespaces: Mapping[str, Sequence[str]]) -> set[str]:
        """Let each thing use its own topics under exactly these communes; returns the things it could not bind."""


class IotThingPolicy:
    """The thing attributes the shared ``smartcommune-speaker`` policy reads: ``commune`` and ``commune_alt``.

    One policy for every speaker (no per-thing policy versions: a policy keeps at most five, and a province has
    thousands of speakers); what differs per speaker is its registry attributes, replaced here with UpdateThing.
    IoT Core caches policy evaluations for a few minutes: the speaker retries a refused subscription, and the
    platform's retries ask it again meanwhile.
    """

    PRIMARY = "commune"
    ALTERNATE = "commune_alt"
    THING_TYPE = "smartcommune-speaker"  # template.yaml's SpeakerThingType: a thing without a type has 3 attributes

    def __init__(self, iot: Any, workers: int = WORKERS) -> None:
        self._iot = iot
        self._workers = workers

    def bind(self, namespaces: Mapping[str, Sequence[str]]) -> set[str]:
        """Two calls per thing (DescribeThing, UpdateThing), side by side (a commune has tens of speakers)."""
        with ThreadPoolExecutor(max_workers=max(1, min(self._workers, len(namespaces)))) as pool:
            bound = dict(zip(namespaces, pool.map(lambda pair: self._bind(*pair), namespaces.items()), strict=True))
        return {thing for thing, ok in bound.items() if not ok}

    def _bind(self, thing: str, communes: Sequence[str]) -> bool:
        try:
            described = self._iot.describe_thing(thingName=thing)
        except self._iot.exceptions.ResourceNotFoundException:
            return False
        attributes = dict(described.get("attributes") or {})
        attributes.pop(self.ALTERNATE, None)
        attributes[self.PRIMARY] = communes[0]
        if len(communes) > 1:
            attributes[self.ALTERNATE] = communes[1]
        typed = {} if described.get("thingTypeName") else {"thingTypeName": self.THING_TYPE}
        self._iot.update_thing(thingName=thing, attributePayload={"attributes": attributes, "merge": False}, **typed)
        return True


def _position(item: SpeakerItem) -> SpeakerPosition:
    return SpeakerPosition(
        thing=item.thing,
        namespace=item.topic_commune or item.commune_id,
        pending_command_id=item.reprovision_command_id,
        previous=item.previous_topic_commune,
        reprovisioned_at=item.reprovisioned_at,
    )


def _speaker_items(commune_id: str, things: Iterable[str] | None = None) -> list[SpeakerItem]:
    if things is None:
        return list(SpeakerItem.query(speakers_pk(commune_id), SpeakerItem.sk.startswith("T#"), consistent_read=True))
    keys = [(speakers_pk(commune_id), f"T#{t}") for t in sorted(set(things))]
    out: list[SpeakerItem] = []
    for start in range(0, len(keys), 100):
        out.extend(SpeakerItem.batch_get(keys[start : start + 100], consistent_read=True))
    return out


def publish_reprovision(
    publisher: CommandPublisher, key_of: KeyOf, commune_id: str, plan: ReprovisionPlan, things: Iterable[str]
) -> list[str]:
    """(Re)send the run's command to each thing still waiting for it, on its current topic; returns who got it."""
    messages: list[tuple[str, bytes]] = []
    sent: list[str] = []
    for item in _speaker_items(commune_id, things):
        if item.reprovision_command_id != plan.command_id or not item.reprovision_sealed:
            continue  # switched meanwhile, or waiting for another run
        namespace = item.topic_commune or item.commune_id
        command = signed_command(plan, item.thing, namespace, item.reprovision_sealed, key_of(namespace))
        messages.append((cmd_topic(namespace, item.thing), command.to_json()))
        sent.append(item.thing)
    if messages:
        publisher.publish_many(messages)
    return sent


def flip_acked(store: DeliveryStore, commune_id: str, acks: Iterable[tuple[CommandAck, datetime]]) -> list[str]:
    """Move each speaker whose ``finished`` ack of a re-provisioning run is in onto the new topics; returns them.

    Conditional on the run the speaker's record waits for, so a repeated or late ack (or one of an older run)
    changes nothing; the commune it left stays allowed (``previous_topic_commune``) until ``drop_old``.
    """
    flipped: list[str] = []
    for ack, received_at in acks:
        if ack.state != "finished":
            continue
        try:
            record = store.command(ack.command_id)
        except NotFoundError:
            continue
        if record.kind != "reprovision" or ack.thing not in record.targets:
            continue
        if _flip(commune_id, ack.thing, ack.command_id, received_at):
            flipped.append(ack.thing)
    return flipped


def _flip(commune_id: str, thing: str, command_id: str, at: datetime) -> bool:
    try:
        item = SpeakerItem.get(speakers_pk(commune_id), f"T#{thing}", consistent_read=True)
    except SpeakerItem.DoesNotExist:
        return False
    if item.reprovision_command_id != command_id:
        return False  # already flipped (a repeated ack), or another run
    left = item.topic_commune or item.commune_id
    try:
        item.update(
            actions=[
                SpeakerItem.topic_commune.set(commune_id),
                SpeakerItem.previous_topic_commune.set(left),
                SpeakerItem.reprovisioned_at.set(at),
                SpeakerItem.reprovision_to.remove(),
                SpeakerItem.reprovision_command_id.remove(),
                SpeakerItem.reprovision_sealed.remove(),
            ],
            condition=(SpeakerItem.reprovision_command_id == command_id) & (SpeakerItem.topic_commune == left),
        )
    except UpdateError:
        return False  # a concurrent ack flipped it first
    log.info("speaker re-provisioned", extra={"thing": thing, "from": left, "to": commune_id})
    return True


@dataclass
class SpeakerReprovisioning:
    """Start, follow and finish a commune's re-provisioning run (the ``smartcommune communes reprovision`` step)."""

    clock: Callable[[], datetime]
    publisher: CommandPublisher
    policy: ThingPolicy
    key_of: KeyOf

    def start(self, commune_id: str) -> ReprovisionSummary:
        """Send a run to every speaker not on ``commune_id``'s topics yet (resend to those waiting for theirs)."""
        since = self.clock()
        store = DeliveryStore(commune_id)
        items = {i.thing: i for i in _speaker_items(commune_id)}
        positions = {t: _position(i) for t, i in items.items()}
        standing = classify(commune_id, positions.values(), self._runs(store, positions.values()), since)
        command_ids = sorted(standing.resend)
        if standing.fresh:
            command_ids.append(self._send_fresh(store, commune_id, [items[t] for t in standing.fresh], since))
        for command_id, things in standing.resend.items():
            record = store.command(command_id)
            assert isinstance(record.command, ReprovisionPlan)
            self.policy.bind({t: self._granted(items[t], commune_id) for t in things})  # again: a restart may lose it
            sent = publish_reprovision(self.publisher, self.key_of, commune_id, record.command, things)
            if sent:
                store.record_attempts(command_id, sent, since)
        return self.status(commune_id, since=since, command_ids=command_ids)

    @staticmethod
    def _granted(item: SpeakerItem, commune_id: str) -> list[str]:
        return granted_namespaces(item.topic_commune or item.commune_id, commune_id, item.previous_topic_commune)

    def _send_fresh(self, store: DeliveryStore, commune_id: str, items: list[SpeakerItem], now: datetime) -> str:
        plan = new_plan(str(uuid.uuid4()), commune_id, now)
        missing = self.policy.bind({i.thing: self._granted(i, commune_id) for i in items})  # new topics first
        targets = [i for i in items if i.thing not in missing]
        store.create_reprovision(plan, [i.thing for i in targets], now)
        new_key = self.key_of(commune_id)

        def mark(item: SpeakerItem) -> bool:
            namespace = item.topic_commune or item.commune_id
            sealed = seal_key(self.key_of(namespace), unsealed_command(plan, item.thing, namespace), new_key)
            try:
                item.update(
                    actions=[
                        SpeakerItem.reprovision_to.set(commune_id),
                        SpeakerItem.reprovision_command_id.set(plan.command_id),
                        SpeakerItem.reprovision_sealed.set(sealed),
                    ],
                    condition=SpeakerItem.topic_commune == namespace,  # unchanged since read
                )
            except UpdateError:
                return False  # moved meanwhile (another run, a merger): left to the next step
            return True

        with ThreadPoolExecutor(max_workers=max(1, min(WORKERS, len(targets)))) as pool:
            marked = [i.thing for i, ok in zip(targets, pool.map(mark, targets), strict=True) if ok]
        publish_reprovision(self.publisher, self.key_of, commune_id, plan, marked)
        for thing in sorted(missing):
            log.warning("speaker not in the IoT registry: not re-provisioned", extra={"thing": thing})
        return plan.command_id

    @staticmethod
    def _runs(store: DeliveryStore, positions: Iterable[SpeakerPosition]) -> dict[str, RunState]:
        runs: dict[str, RunState] = {}
        for command_id in {p.pending_command_id for p in positions if p.pending_command_id}:
            try:
                record, rows = store.load(command_id)
            except NotFoundError:
                continue
            runs[command_id] = RunState(expires_at=record.command.expires_at, rows=rows)
        return runs

    def status(self, commune_id: str, *, since: datetime, command_ids: list[str] | None = None) -> ReprovisionSummary:
        """Where the commune's speakers stand: switched since ``since``, already there, pending, failed."""
        store = DeliveryStore(commune_id)
        positions = {i.thing: _position(i) for i in _speaker_items(commune_id)}
        standing = classify(commune_id, positions.values(), self._runs(store, positions.values()), self.clock())
        return summary(
            commune_id,
            standing,
            positions,
            since=since,
            command_ids=command_ids or [],
            elapsed_s=round((self.clock() - since).total_seconds(), 3),
        )

    def wait(
        self, commune_id: str, started: ReprovisionSummary, *, since: datetime, timeout_s: float, poll_s: float = 0.2
    ) -> ReprovisionSummary:
        """Poll until no speaker is pending or ``timeout_s`` has passed (acks arrive through the ack handler)."""
        deadline = time.monotonic() + timeout_s
        current = started
        while current.pending and time.monotonic() < deadline:
            time.sleep(poll_s)
            current = self.status(commune_id, since=since, command_ids=started.command_ids)
        return current

    def drop_old(self, commune_id: str, min_age_s: float = DROP_OLD_AFTER_S) -> dict[str, list[str]]:
        """Stop allowing the topics speakers left, for those switched at least ``min_age_s`` ago."""
        items = {i.thing: i for i in _speaker_items(commune_id)}
        due = droppable([_position(i) for i in items.values()], self.clock(), min_age_s)
        waiting = sorted(t for t, i in items.items() if i.previous_topic_commune and t not in due)
        self.policy.bind(
            {t: granted_namespaces(items[t].topic_commune or commune_id, items[t].reprovision_to) for t in due}
        )
        dropped: list[str] = []
        for thing in due:
            item = items[thing]
            try:
                item.update(
                    actions=[SpeakerItem.previous_topic_commune.remove()],
                    condition=SpeakerItem.previous_topic_commune == item.previous_topic_commune,
                )
            except UpdateError:
                continue
            dropped.append(thing)
        return {"dropped": dropped, "kept": waiting}


def topic_bindings(commune_ids: Iterable[str]) -> dict[str, list[str]]:
    """thing -> the communes whose topics it may use now, for every speaker of ``commune_ids`` (the local broker's
    ACL is made from this at start, as IoT Core reads the thing attributes)."""
    out: dict[str, list[str]] = {}
    for commune_id in commune_ids:
        for item in SpeakerItem.query(speakers_pk(commune_id), SpeakerItem.sk.startswith("T#")):
            out[item.thing] = granted_namespaces(
                item.topic_commune or item.commune_id, item.reprovision_to, item.previous_topic_commune
            )
    return out
