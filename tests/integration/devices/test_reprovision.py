"""After a merger, speakers move onto the new commune's topics and key without a gap in service.

moto holds the table and the IoT registry (the things' ``commune`` / ``commune_alt`` attributes that the speaker
policy reads: the real ``IotThingPolicy`` writes them); real speaker agents run in-process behind a fake broker
that delivers a message only to a subscriber the thing attributes allow (as IoT Core's policy would), keeps an
offline speaker's messages for it (a persistent session), and hands what the speakers publish to the real
``devices_acks`` handler when the test pumps it — so each test decides when an ack "is in".

Long because: each scenario of the switch (ack, duplicate, offline, in-flight bulletin, no answer, drop) shares
one world of agents and broker; split, each file would rebuild it.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from devices.speaker.agent import AgentConfig, SpeakerAgent
from devices.speaker.runtime import AgentRuntime
from smartcommune.communes.contracts import MergeRequest
from smartcommune.composition import commune_merger
from smartcommune.core.aws import client
from smartcommune.devices.contracts import (
    PlayCommand,
    ReprovisionCommand,
    ShadowTopics,
    parse_topic,
    verify_command,
)
from smartcommune.devices.logic.reprovision import SealError, open_sealed_key
from smartcommune.devices.storage.items import CommandItem, SpeakerItem, speakers_pk
from smartcommune.devices.storage.mqtt import TlsFiles
from smartcommune.devices.wiring import (
    command_publisher,
    device_fanout,
    shadow_store,
    speaker_reprovisioning,
    speaker_topic_bindings,
)
from smartcommune_local.devices_demo import demo_speakers, seed_iot_things
from smartcommune_local.template import REPO_ROOT
from tests.integration.devices.test_device_commune_binding import RecordingShadows
from tests.support.fixtures import Clock
from tests.support.identities import ensure_demo_communes

_spec = importlib.util.spec_from_file_location("devices_acks_reprov", REPO_ROOT / "functions/devices_acks/handler.py")
assert _spec is not None and _spec.loader is not None
devices_acks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(devices_acks)

OLD, NEW = "giao-phong", "giao-ninh"
ALL = {s.thing for s in demo_speakers("giao-phong")}
ONLINE = ["gp-spk-01a", "gp-spk-01b", "gp-spk-02a"]  # the speakers with an agent; the other 37 stay offline
AUDIO = "https://media.example/a.mp3"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))  # the agents play on the real clock


class StubAudio:
    def get(self, url: str, sha256: str) -> bytes:
        return b"ID3"


@dataclass
class FakeBroker:
    """IoT Core as the speakers see it: policy from the thing attributes, persistent sessions, an uplink."""

    iot: Any
    online: dict[str, SpeakerAgent] = field(default_factory=dict)
    subscriptions: dict[str, set[str]] = field(default_factory=dict)
    queued: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    sent: list[tuple[str, bytes]] = field(default_factory=list)  # everything the platform published
    uplink: list[tuple[str, bytes]] = field(default_factory=list)  # everything the speakers published
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def allowed(self, thing: str, commune: str) -> bool:
        attributes = self.iot.describe_thing(thingName=thing)["attributes"]
        return commune in (attributes.get("commune"), attributes.get("commune_alt"))

    # -- the platform's side (CommandPublisher)

    def ready(self) -> None:
        pass

    def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        for topic, payload in messages:
            self.sent.append((topic, payload))
            commune, thing, _ = parse_topic(topic)
            if not self.allowed(thing, commune):
                self.refused.append(topic)
                continue
            agent = self.online.get(thing)
            if agent is None:
                self.queued.setdefault(thing, []).append((topic, payload))
            elif topic in self.subscriptions.get(thing, set()):
                agent.handle_message(topic, payload)

    # -- the speakers' side (their MQTT client)

    def deliver_queued(self, thing: str) -> None:
        for topic, payload in self.queued.pop(thing, []):
            if topic in self.subscriptions.get(thing, set()):
                self.online[thing].handle_message(topic, payload)

    def pump(self, services: Any, settle_s: float = 0.3) -> int:
        """Hand what the speakers published so far to the ack handler (acks and heartbeats); returns how many."""
        time.sleep(settle_s)  # the agents' uplink thread
        with self.lock:
            batch, self.uplink[:] = list(self.uplink), []
        for topic, payload in batch:
            commune, thing, kind = parse_topic(topic)
            if kind not in ("ack", "heartbeat"):
                continue
            event = json.loads(payload) | {"topic_commune": commune, "topic_thing": thing, "topic_kind": kind}
            devices_acks.handle(event, services)
        return len(batch)

    def lose(self, command_id: str) -> None:
        """What the speakers published about ``command_id`` and was not handled yet never arrives."""
        with self.lock:
            self.uplink[:] = [(t, p) for t, p in self.uplink if json.loads(p).get("command_id") != command_id]

    def acks(self, command_id: str) -> list[tuple[str, str]]:
        out = []
        for topic, payload in self.uplink_seen:
            body = json.loads(payload)
            if topic.endswith("/ack") and body["command_id"] == command_id:
                out.append((parse_topic(topic)[0], body["state"]))
        return out

    uplink_seen: list[tuple[str, bytes]] = field(default_factory=list)


class FakeClient:
    def __init__(self, broker: FakeBroker, thing: str) -> None:
        self.broker, self.thing = broker, thing
        self.connected = threading.Event()
        self.connected.set()

    def subscribe(self, topic: str, qos: int = 1, timeout_s: float = 10.0) -> None:
        self.broker.subscriptions.setdefault(self.thing, set()).add(topic)

    def unsubscribe(self, topic: str, timeout_s: float = 10.0) -> None:
        self.broker.subscriptions.get(self.thing, set()).discard(topic)

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> None:
        commune, thing, _ = parse_topic(topic)
        if thing != self.thing or not self.broker.allowed(thing, commune):
            self.broker.refused.append(topic)  # IoT Core would disconnect it
            return
        with self.broker.lock:
            self.broker.uplink.append((topic, payload))
            self.broker.uplink_seen.append((topic, payload))


@dataclass
class World:
    services: Any
    broker: FakeBroker
    runtime: AgentRuntime
    tmp_path: Any
    started: datetime
    agents: dict[str, SpeakerAgent] = field(default_factory=dict)

    @property
    def fanout(self) -> Any:
        return self.services.get(device_fanout)

    def connect(self, thing: str) -> SpeakerAgent:
        """The speaker's agent (a new process: its state file) comes online and subscribes."""
        fanout = self.fanout
        config = AgentConfig(
            thing=thing,
            commune_id=OLD,
            host="127.0.0.1",
            port=8883,
            command_key=fanout.key(OLD),
            state_dir=self.tmp_path / "speakers",
            tls=TlsFiles("c.pem", "k.pem"),
            shadow=ShadowTopics.relayed(OLD, thing),
            play_ms=20,
        )
        agent = SpeakerAgent(config, self.runtime)
        agent.client = FakeClient(self.broker, thing)  # type: ignore[assignment]
        agent._running = True
        if thing not in self.broker.subscriptions:  # a persistent session keeps the subscriptions
            agent._subscribe(agent.client)  # type: ignore[arg-type]
        self.broker.online[thing] = agent
        self.agents[thing] = agent
        self.broker.deliver_queued(thing)
        return agent

    def disconnect(self, thing: str) -> None:
        self.broker.online.pop(thing, None)

    def bulletin(self, bulletin_id: str, things: list[str]) -> Any:
        return self.fanout.send(NEW, bulletin_id, things, AUDIO, "a" * 64, "emergency", 80, 1, start_in_ms=50)

    def plays(self, command_id: str) -> dict[str, int]:
        return {t: sum(1 for p in a.plays if p.command_id == command_id) for t, a in self.agents.items()}

    @property
    def since(self) -> datetime:
        """When this test's steps began (the services' clock stands still unless a test moves it)."""
        return self.started

    def namespace(self, thing: str) -> str:
        return self.fanout.registry(NEW).registry()[thing].namespace

    def wait(self, predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                return False
            self.broker.pump(self.services, settle_s=0.05)
        return True


@pytest.fixture
def world(services: Any, tmp_path: Any) -> Iterator[World]:
    # Given Giao Phong's 40 speakers (things with their policy in the IoT registry), merged into Giao Ninh
    ensure_demo_communes(services)
    iot = client("iot", services.settings)
    seed_iot_things(iot, demo_speakers(OLD))
    broker = FakeBroker(iot)
    services.override(command_publisher, broker)
    services.override(shadow_store, RecordingShadows())
    services.get(device_fanout).registry(OLD).put_speakers(demo_speakers(OLD))
    summary = services.get(commune_merger).merge(
        MergeRequest(
            new_id=NEW,
            name="Xã Giao Ninh",
            province_id="ninh-binh",
            effective=date(2025, 7, 1),
            old_ids=[OLD],
        )
    )
    assert summary.moved["speaker"] == 40
    runtime = AgentRuntime()
    runtime.audio = StubAudio()  # type: ignore[assignment]
    w = World(services, broker, runtime, tmp_path, services.clock())
    for thing in ONLINE:  # three of them online
        w.connect(thing)
    yield w
    runtime.close()


def _reprovision(world: World) -> Any:
    return world.services.get(speaker_reprovisioning)


def test_the_command_carries_the_new_key_sealed_for_its_thing_and_is_signed_with_the_old_key(world):
    fanout = world.fanout
    # When the re-provisioning step starts
    started = _reprovision(world).start(NEW)
    # Then every speaker was allowed its new topics first (the thing attributes the speaker policy reads)
    thing = world.broker.iot.describe_thing(thingName="gp-spk-20b")
    attributes = thing["attributes"]
    assert (attributes["commune"], attributes["commune_alt"], attributes["cluster"]) == (OLD, NEW, "gp-cl-20")
    assert thing["thingTypeName"] == "smartcommune-speaker"  # four attributes need a thing type in AWS
    # and got one command on its Giao Phong topic, signed with Giao Phong's key
    sent = {parse_topic(t)[1]: (t, ReprovisionCommand.model_validate_json(p)) for t, p in world.broker.sent}
    assert len(sent) == 40 and started.command_ids == [sent["gp-spk-01a"][1].command_id]
    topic, command = sent["gp-spk-01a"]
    assert topic == "sc/giao-phong/speakers/gp-spk-01a/cmd"
    assert verify_command(command, fanout.key(OLD)) and not verify_command(command, fanout.key(NEW))
    # carrying Giao Ninh's key sealed for it: it opens with Giao Phong's key for this thing only
    assert open_sealed_key(fanout.key(OLD), command) == fanout.key(NEW)
    assert fanout.key(NEW).hex() not in command.to_json().decode()
    with pytest.raises(SealError):
        open_sealed_key(fanout.key("bach-long"), command)
    with pytest.raises(SealError):
        open_sealed_key(fanout.key(OLD), command.model_copy(update={"thing": "gp-spk-01b"}))
    with pytest.raises(SealError):  # another speaker's sealed key, moved into this one's command
        open_sealed_key(fanout.key(OLD), command.model_copy(update={"sealed_key": sent["gp-spk-01b"][1].sealed_key}))
    # and no record holds the new key in clear
    item = SpeakerItem.get(speakers_pk(NEW), "T#gp-spk-01a")
    assert item.reprovision_sealed == command.sealed_key and item.reprovision_to == NEW
    plan = CommandItem.get(f"C#{NEW}#CMD#{command.command_id}", "META")
    assert plan.command_kind == "reprovision" and fanout.key(NEW).hex() not in plan.command_json


def test_the_registry_flips_only_when_the_ack_is_in_and_a_repeated_ack_changes_nothing(world):
    reprovisioning = _reprovision(world)
    started = reprovisioning.start(NEW)
    time.sleep(0.3)  # the speakers switched and acked: their acks are not in yet
    assert world.agents["gp-spk-01a"].namespaces.current.commune_id == NEW
    assert world.namespace("gp-spk-01a") == OLD
    assert reprovisioning.status(NEW, since=world.since).pending == 40
    # meanwhile the fan-out still publishes on the old topics
    world.broker.sent.clear()
    world.bulletin("b-before", ["gp-spk-01a"])
    assert [t for t, _ in world.broker.sent] == ["sc/giao-phong/speakers/gp-spk-01a/cmd"]
    # When their acks are in
    assert world.wait(lambda: all(world.namespace(t) == NEW for t in ONLINE))
    status = reprovisioning.status(NEW, since=world.since)
    assert (status.reprovisioned, status.pending, status.failed) == (3, 37, 0)
    flipped = SpeakerItem.get(speakers_pk(NEW), "T#gp-spk-01a")
    assert (flipped.topic_commune, flipped.previous_topic_commune, flipped.reprovision_command_id) == (NEW, OLD, None)
    # And an ack delivered again (at-least-once) changes nothing
    (cid,) = started.command_ids
    acks = [json.loads(p) for t, p in world.broker.uplink_seen if t.endswith("gp-spk-01a/ack")]
    finished = next(a for a in acks if a["command_id"] == cid and a["state"] == "finished")
    event = finished | {"topic_commune": OLD, "topic_thing": "gp-spk-01a", "topic_kind": "ack"}
    assert devices_acks.handle(event, world.services)["ok"] is True
    again = SpeakerItem.get(speakers_pk(NEW), "T#gp-spk-01a")
    assert (again.topic_commune, again.reprovisioned_at) == (NEW, flipped.reprovisioned_at)
    # and running the step again sends the switched ones nothing (the others their same command again)
    world.broker.sent.clear()
    world.services.clock.advance(seconds=1)
    rerun = reprovisioning.start(NEW)
    assert rerun.command_ids == [cid] and (rerun.already, rerun.pending) == (3, 37)
    assert {parse_topic(t)[1] for t, _ in world.broker.sent} == {
        f"gp-spk-{n:02d}{u}" for n in range(1, 21) for u in "ab"
    } - set(ONLINE)


def test_after_the_flip_the_fanout_publishes_on_the_new_topics_with_the_new_key(world):
    _reprovision(world).start(NEW)
    assert world.wait(lambda: all(world.namespace(t) == NEW for t in ONLINE))
    world.broker.sent.clear()
    batch = world.bulletin("b-after", ONLINE)
    topics = sorted(t for t, _ in world.broker.sent)
    assert topics == [f"sc/giao-ninh/speakers/{t}/cmd" for t in sorted(ONLINE)]
    commands = [PlayCommand.model_validate_json(p) for _, p in world.broker.sent]
    assert all(c.commune_id == NEW and verify_command(c, world.fanout.key(NEW)) for c in commands)
    # they play it, and answer on the new topics
    assert world.wait(lambda: world.fanout.report(NEW, "b-after").complete)
    assert set(world.plays(batch.command_id).values()) == {1}
    assert {c for c, _ in world.broker.acks(batch.command_id)} == {NEW}
    assert world.fanout.report(NEW, "b-after").summary.played == 3
    # and their heartbeats come under the new commune and still count
    assert any(t == "sc/giao-ninh/speakers/gp-spk-01a/heartbeat" for t, _ in world.broker.uplink_seen)
    assert world.broker.refused == []


def test_a_bulletin_sent_during_the_switch_plays_exactly_once(world):
    # Given a bulletin sent on the old topics just before the switch: the speakers play it, but their acks are
    # lost on the way (a broker restart), so the platform will send it again
    batch = world.bulletin("b-during", ONLINE)
    time.sleep(0.4)
    world.broker.lose(batch.command_id)
    # When the speakers switch meanwhile, and the platform retries the bulletin: now on the new topics
    _reprovision(world).start(NEW)
    assert world.wait(lambda: all(world.namespace(t) == NEW for t in ONLINE))
    world.broker.sent.clear()
    world.fanout.retry_pending(NEW, force=True)
    retried = [t for t, p in world.broker.sent if json.loads(p).get("command_id") == batch.command_id]
    assert sorted(retried) == [f"sc/giao-ninh/speakers/{t}/cmd" for t in sorted(ONLINE)]
    # Then each speaker played it once, answered the repeat with its outcome and "duplicate", and it completed
    assert world.wait(lambda: world.fanout.report(NEW, "b-during").complete)
    assert world.plays(batch.command_id) == dict.fromkeys(ONLINE, 1)
    report = world.fanout.report(NEW, "b-during")
    assert report.summary.played == 3 and {s.state for s in report.speakers} == {"finished"}
    assert {c for c, s in world.broker.acks(batch.command_id) if s == "duplicate"} == {NEW}


def test_an_offline_speaker_gets_the_command_when_it_returns_and_keeps_playing_until_then(world):
    thing = "gp-spk-02a"
    world.disconnect(thing)
    reprovisioning = _reprovision(world)
    started = reprovisioning.start(NEW)
    assert world.wait(lambda: all(world.namespace(t) == NEW for t in ONLINE if t != thing))
    assert thing in reprovisioning.status(NEW, since=world.since).pending_things
    # While it is away a bulletin goes to its old topics (queued for it), and the run is resent there too
    batch = world.bulletin("b-away", [thing])
    assert world.fanout.retry_pending(NEW, force=True).get(started.command_ids[0], []) != []
    assert world.namespace(thing) == OLD
    # When it comes back: the queued messages arrive, it plays the bulletin once and switches
    world.connect(thing)
    assert world.wait(lambda: world.namespace(thing) == NEW)
    assert world.wait(lambda: world.fanout.report(NEW, "b-away").complete)
    assert world.plays(batch.command_id)[thing] == 1
    assert world.agents[thing].reprovisioner.switched == started.command_ids  # once, though delivered twice


def test_a_speaker_that_never_answers_stays_on_its_old_topics_and_is_reported(world, clock):
    reprovisioning = _reprovision(world)
    reprovisioning.start(NEW)
    assert world.wait(lambda: all(world.namespace(t) == NEW for t in ONLINE))
    # When the week of retries is over for the 37 that never came online
    clock.advance(days=8)
    status = reprovisioning.status(NEW, since=world.since)
    assert (status.reprovisioned, status.failed, status.pending) == (3, 37, 0)
    assert "hết hạn" in status.failed_things["gp-spk-20b"]
    # Then they are still on their old topics: the fan-out keeps publishing there with the old key
    world.broker.sent.clear()
    clock.now = datetime.now(UTC)
    world.bulletin("b-old", ["gp-spk-20b"])
    ((topic, payload),) = world.broker.sent
    assert topic == "sc/giao-phong/speakers/gp-spk-20b/cmd"
    assert verify_command(PlayCommand.model_validate_json(payload), world.fanout.key(OLD))


def test_dropping_the_old_topics_after_the_switch(world):
    reprovisioning = _reprovision(world)
    reprovisioning.start(NEW)
    assert world.wait(lambda: all(world.namespace(t) == NEW for t in ONLINE))
    bindings = speaker_topic_bindings(world.services, [NEW])
    assert bindings["gp-spk-01a"] == [NEW, OLD] and bindings["gp-spk-20b"] == [OLD, NEW]
    # Not within the hour after the switch (a play command sent just before it may still be on the old topics)
    assert reprovisioning.drop_old(NEW) == {"dropped": [], "kept": sorted(ONLINE)}
    # Then: the old topics are no longer allowed to the switched speakers
    assert reprovisioning.drop_old(NEW, min_age_s=0) == {"dropped": sorted(ONLINE), "kept": []}
    attributes = world.broker.iot.describe_thing(thingName="gp-spk-01a")["attributes"]
    assert attributes["commune"] == NEW and "commune_alt" not in attributes
    assert speaker_topic_bindings(world.services, [NEW])["gp-spk-01a"] == [NEW]
    assert not world.broker.allowed("gp-spk-01a", OLD)
