"""The speaker's side of re-provisioning, with a recording MQTT client: new topics first, stored, then the ack;
old topics kept; a command played once whichever topic brought it; a refused or forged command changes nothing."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devices.speaker.agent import AgentConfig, SpeakerAgent
from devices.speaker.namespaces import Namespace, Namespaces
from smartcommune.devices.contracts import ShadowTopics, commune_command_key
from smartcommune.devices.logic.reprovision import new_plan, seal_key, signed_command, unsealed_command
from smartcommune.devices.storage.mqtt import MqttError, TlsFiles

THING = "gp-spk-01a"
SECRET = "a-test-master-secret-of-the-platform"
OLD, NEW = commune_command_key(SECRET, "giao-phong"), commune_command_key(SECRET, "giao-ninh")
CID = "00000000-0000-4000-8000-000000000001"


class RecordingClient:
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []
        self.subscribed: list[str] = []
        self.unsubscribed: list[str] = []
        self.refuse = refuse or set()

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> None:
        self.published.append((topic, json.loads(payload)))

    def subscribe(self, topic: str, qos: int = 1, timeout_s: float = 10.0) -> None:
        if any(topic.startswith(prefix) for prefix in self.refuse):
            raise MqttError(f"subscribe {topic} refused by the broker")
        self.subscribed.append(topic)

    def unsubscribe(self, topic: str, timeout_s: float = 10.0) -> None:
        self.unsubscribed.append(topic)

    def acks(self, command_id: str = CID) -> list[tuple[str, str]]:
        return [(t, p["state"]) for t, p in self.published if t.endswith("/ack") and p["command_id"] == command_id]


def _agent(tmp_path: Path, client: RecordingClient | None = None) -> SpeakerAgent:
    config = AgentConfig(
        thing=THING,
        commune_id="giao-phong",
        host="127.0.0.1",
        port=8883,
        command_key=OLD,
        state_dir=tmp_path,
        tls=TlsFiles(cert_path=str(tmp_path / "c.pem"), key_path=str(tmp_path / "k.pem")),
        shadow=ShadowTopics.relayed("giao-phong", THING),
    )
    agent = SpeakerAgent(config)
    agent.client = client or RecordingClient()  # type: ignore[assignment]
    agent._running = True
    return agent


def _command(now: datetime, *, key: bytes = OLD, thing: str = THING, valid_s: int = 3600) -> bytes:
    plan = new_plan(CID, "giao-ninh", now, valid_s=valid_s)
    sealed = seal_key(key, unsealed_command(plan, thing, "giao-phong"), NEW)
    return signed_command(plan, thing, "giao-phong", sealed, key).to_json()


def _wait(predicate: Any, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


CMD_OLD, CMD_NEW = f"sc/giao-phong/speakers/{THING}/cmd", f"sc/giao-ninh/speakers/{THING}/cmd"


def test_the_speaker_subscribes_to_the_new_topics_stores_them_then_acks_on_the_old_topic(tmp_path):
    agent = _agent(tmp_path)
    client: RecordingClient = agent.client  # type: ignore[assignment]
    agent.handle_message(CMD_OLD, _command(agent.runtime.clock()))
    _wait(lambda: ("sc/giao-phong/speakers/gp-spk-01a/ack", "finished") in client.acks())
    # the new topics were subscribed, the old ones kept
    assert CMD_NEW in client.subscribed and CMD_OLD not in client.unsubscribed
    assert ShadowTopics.relayed("giao-ninh", THING).delta in client.subscribed
    # the ack came on the topic the command came on, after "received"
    assert client.acks() == [(f"sc/giao-phong/speakers/{THING}/ack", s) for s in ("received", "finished")]
    # the new namespace and key are in the state file: a restart comes back on the new topics
    stored = json.loads((tmp_path / f"{THING}.json").read_text())["namespaces"]
    assert (stored["commune_id"], bytes.fromhex(stored["command_key"])) == ("giao-ninh", NEW)
    again = SpeakerAgent(agent.config)
    assert again.namespaces.current == Namespace("giao-ninh", NEW)
    assert [n.commune_id for n in again.namespaces.active(agent.runtime.clock())] == ["giao-ninh", "giao-phong"]
    # heartbeats go under the new commune from now on
    assert any(t == f"sc/giao-ninh/speakers/{THING}/heartbeat" for t, _ in client.published)
    agent.runtime.close()


def test_a_repeated_command_after_the_switch_is_answered_finished_again_and_switches_nothing(tmp_path):
    agent = _agent(tmp_path)
    client: RecordingClient = agent.client  # type: ignore[assignment]
    payload = _command(agent.runtime.clock())
    agent.handle_message(CMD_OLD, payload)
    _wait(lambda: len(client.acks()) == 2)
    agent.handle_message(CMD_OLD, payload)  # the platform's retry: its first ack was lost
    _wait(lambda: len(client.acks()) == 4)
    assert client.acks()[2:] == [(f"sc/giao-phong/speakers/{THING}/ack", s) for s in ("finished", "duplicate")]
    assert agent.reprovisioner.switched == [CID]
    agent.runtime.close()


@pytest.mark.parametrize(
    ("make", "detail"),
    [
        (lambda now: _command(now, key=commune_command_key(SECRET, "bach-long")), "chữ ký"),  # another commune's key
        (lambda now: _command(now, thing="gp-spk-01b"), "không phải loa này"),  # another speaker's
        (lambda now: _command(now - timedelta(hours=2)), "hết hạn"),  # expired on the way
    ],
    ids=["forged", "other-thing", "expired"],
)
def test_a_command_that_fails_a_check_is_refused_and_the_speaker_stays(tmp_path, make, detail):
    agent = _agent(tmp_path)
    client: RecordingClient = agent.client  # type: ignore[assignment]
    agent.handle_message(CMD_OLD, make(agent.runtime.clock()))
    _wait(lambda: any(t.endswith("/ack") for t, _ in client.published))
    time.sleep(0.05)
    ((_, ack),) = [(t, p) for t, p in client.published if t.endswith("/ack")]
    assert ack["state"] in ("failed", "expired") and detail in ack["detail"]
    assert agent.namespaces.current.commune_id == "giao-phong" and CMD_NEW not in client.subscribed
    agent.runtime.close()


def test_a_refused_subscription_is_not_acked_finished_nor_stored(tmp_path):
    # Given IoT Core still refusing the new topics (its policy cache)
    client = RecordingClient(refuse={"sc/giao-ninh/"})
    agent = _agent(tmp_path, client)
    agent.handle_message(CMD_OLD, _command(agent.runtime.clock()))
    _wait(lambda: bool(client.acks()))
    time.sleep(0.1)
    # Then the speaker answered "received" only, and still lives on its old topics (it will try again)
    assert [s for _, s in client.acks()] == ["received"]
    assert agent.namespaces.current.commune_id == "giao-phong"
    state = tmp_path / f"{THING}.json"
    assert not state.exists() or "namespaces" not in json.loads(state.read_text())
    agent.runtime.close()


def test_the_old_namespace_is_kept_until_its_time_then_dropped():
    now = datetime(2026, 11, 29, tzinfo=UTC)
    spaces = Namespaces(Namespace("giao-phong", OLD))
    spaces.switch("giao-ninh", NEW, keep_old_until=now + timedelta(days=8))
    assert spaces.key_for("giao-phong", now) == OLD and spaces.key_for("giao-ninh", now) == NEW
    assert spaces.key_for("bach-long", now) is None
    assert spaces.expire(now + timedelta(days=7)) == []
    assert [n.commune_id for n in spaces.expire(now + timedelta(days=8))] == ["giao-phong"]
    assert spaces.key_for("giao-phong", now + timedelta(days=8)) is None
    # the state file's form round-trips, and an unreadable one falls back to what was provisioned
    default = Namespace("giao-phong", OLD)
    assert Namespaces.from_dict(spaces.to_dict(), default) == spaces
    assert Namespaces.from_dict({"commune_id": "x", "command_key": "not hex"}, default) == Namespaces(default)
