"""The speaker follows its shadow with the same code in both worlds: only the topic names come from its config.

On IoT Core it uses ``$aws/things/<thing>/shadow/...``; on the local broker the platform relays the same documents
on the speaker's own topics (``sc/<commune>/speakers/<thing>/shadow/...``).
"""

from __future__ import annotations

import json

import pytest

from devices.speaker.agent import AgentConfig, SpeakerAgent
from smartcommune.devices.contracts import ShadowTopics
from smartcommune.devices.storage.mqtt import MqttClient, MqttError, TlsFiles

THING = "gp-spk-01a"
IOT = ShadowTopics.iot_core(THING)
LOCAL = ShadowTopics.relayed("giao-phong", THING)


class RecordingClient:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict, int]] = []

    def publish(self, topic: str, payload: bytes, qos: int = 1):
        self.published.append((topic, json.loads(payload), qos))


def _agent(tmp_path, shadow: ShadowTopics) -> SpeakerAgent:
    config = AgentConfig(
        thing=THING,
        commune_id="giao-phong",
        host="127.0.0.1",
        port=8883,
        command_key=b"k" * 32,
        state_dir=tmp_path,
        tls=TlsFiles(cert_path=str(tmp_path / "cert.pem"), key_path=str(tmp_path / "key.pem")),
        shadow=shadow,
    )
    agent = SpeakerAgent(config)
    agent.client = RecordingClient()  # type: ignore[assignment]
    return agent


def _published(agent: SpeakerAgent) -> list[tuple[str, dict, int]]:
    return agent.client.published  # type: ignore[union-attr]


@pytest.mark.parametrize("topics", [IOT, LOCAL], ids=["iot-core", "local"])
def test_the_agent_applies_a_shadow_delta_and_reports_it_on_its_shadow_topics(tmp_path, topics):
    agent = _agent(tmp_path, topics)
    # When a delta document arrives (IoT Core's carries metadata fields too)
    delta = {
        "version": 7,
        "timestamp": 1764380000,
        "state": {"volume": 85},
        "metadata": {"volume": {"timestamp": 1764380000}},
        "clientToken": "x",
    }
    agent.handle_message(topics.delta, json.dumps(delta).encode())
    # Then the speaker plays at the new volume and reports it through its shadow and its heartbeat
    assert agent.volume == 85
    reported = [p for t, p, _ in _published(agent) if t == topics.update]
    assert reported == [{"state": {"reported": {"volume": 85}}}]
    assert "sc/giao-phong/speakers/gp-spk-01a/heartbeat" in [t for t, _, _ in _published(agent)]


def test_each_world_obeys_only_its_own_shadow_topics(tmp_path):
    local = _agent(tmp_path / "local", LOCAL)
    local.handle_message(IOT.delta, json.dumps({"state": {"volume": 10}}).encode())
    assert local.volume == 70  # not its topic: ignored
    local.handle_message(LOCAL.delta, json.dumps({"version": 1, "state": {"volume": 40}}).encode())
    assert local.volume == 40
    assert not [t for t, _, _ in _published(local) if t.startswith("$aws")]
    aws = _agent(tmp_path / "aws", IOT)
    aws.handle_message(LOCAL.delta, json.dumps({"state": {"volume": 10}}).encode())
    assert aws.volume == 70


@pytest.mark.parametrize("topics", [IOT, LOCAL], ids=["iot-core", "local"])
def test_the_answer_to_get_sets_the_desired_volume_without_any_delta(tmp_path, topics):
    # Given a speaker that asks for its shadow (as it does on every connect)
    agent = _agent(tmp_path, topics)
    agent.request_shadow()
    assert _published(agent) == [(topics.get, {}, 1)]
    # When the shadow document comes back with a desired volume it does not have
    document = {
        "state": {"desired": {"volume": 35}, "reported": {"volume": 70}, "delta": {"volume": 35}},
        "metadata": {},
        "version": 4,
        "timestamp": 1764380000,
    }
    agent.handle_message(topics.get_accepted, json.dumps(document).encode())
    # Then it plays at that volume and reports it
    assert agent.volume == 35
    assert [p for t, p, _ in _published(agent) if t == topics.update] == [{"state": {"reported": {"volume": 35}}}]


def test_a_shadow_already_in_step_changes_nothing_and_reports_nothing(tmp_path):
    agent = _agent(tmp_path, LOCAL)
    document = {"state": {"desired": {"volume": 70}, "reported": {"volume": 70}}, "version": 2}
    agent.handle_message(LOCAL.get_accepted, json.dumps(document).encode())
    agent.handle_message(LOCAL.get_accepted, json.dumps({"state": {"desired": {"volume": 500}}}).encode())
    assert agent.volume == 70
    assert _published(agent) == []


def test_the_mqtt_client_has_no_connection_without_a_certificate():
    # There is no plaintext or password path: a client needs a certificate and its key
    with pytest.raises(MqttError):
        MqttClient("127.0.0.1", 8883, THING, tls=TlsFiles(cert_path="", key_path=""))


def test_the_agent_connects_through_awsiotsdks_mutual_tls_builder(tmp_path, monkeypatch):
    # Given awsiotsdk's builder, recorded
    from awsiot import mqtt_connection_builder

    calls: list[dict] = []

    class FakeConnection:
        def on_message(self, handler):
            pass

    def builder(**kwargs):
        calls.append(kwargs)
        return FakeConnection()

    monkeypatch.setattr(mqtt_connection_builder, "mtls_from_path", builder)
    # When a speaker's client is made for AWS IoT Core
    tls = TlsFiles(
        cert_path="/certs/gp-spk-01a.crt", key_path="/certs/gp-spk-01a.key", ca_path="/certs/AmazonRootCA1.pem"
    )
    MqttClient("abc-ats.iot.ap-southeast-1.amazonaws.com", 8883, THING, tls=tls)
    # Then it is built by mtls_from_path with its certificate, key and CA, and its thing name as client id
    (call,) = calls
    assert (call["cert_filepath"], call["pri_key_filepath"], call["ca_filepath"]) == (
        tls.cert_path,
        tls.key_path,
        tls.ca_path,
    )
    assert call["client_id"] == THING and call["port"] == 8883 and call["enable_metrics_collection"] is False


def _acks(agent: SpeakerAgent) -> list[str]:
    agent.runtime.uplink.submit(lambda: None).result(timeout=5)  # the uplink publishes in order
    return [p["state"] for t, p, _ in _published(agent) if t.endswith("/ack")]


def test_a_repeated_command_is_answered_with_the_outcome_again_so_a_lost_ack_is_recovered(tmp_path):
    from datetime import UTC, datetime, timedelta

    from smartcommune.devices.logic import build_command

    agent = _agent(tmp_path, LOCAL)
    past = datetime.now(UTC) - timedelta(minutes=10)
    command = build_command(
        key=b"k" * 32,
        commune_id="giao-phong",
        bulletin_id="b-late",
        audio_url="http://127.0.0.1:9/a.mp3",
        audio_sha256="0" * 64,
        priority="normal",
        volume=70,
        repeat=1,
        start_at=past,
        expires_at=past + timedelta(minutes=1),
    )
    # Given a command the speaker already answered (here: it came after its expiry), whose ack the platform lost
    agent.handle_message(f"sc/giao-phong/speakers/{THING}/cmd", command.model_dump_json().encode())
    assert _acks(agent) == ["expired"]
    # When the platform asks again with the same command id
    agent.handle_message(f"sc/giao-phong/speakers/{THING}/cmd", command.model_dump_json().encode())
    # Then the speaker repeats its outcome (same time, applied once) and says it is a duplicate
    assert _acks(agent) == ["expired", "expired", "duplicate"]
    expired = [p for t, p, _ in _published(agent) if t.endswith("/ack") and p["state"] == "expired"]
    assert expired[0] == expired[1]
