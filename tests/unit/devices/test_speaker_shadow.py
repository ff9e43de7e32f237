"""The speaker follows its shadow: relayed deltas on the local broker, IoT Core's own shadow topics in AWS."""

from __future__ import annotations

import json

import pytest

from devices.speaker.agent import AgentConfig, SpeakerAgent
from smartcommune.devices.storage.mqtt import TlsFiles


class RecordingClient:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict, int]] = []

    def publish(self, topic: str, payload: bytes, qos: int = 1):
        self.published.append((topic, json.loads(payload), qos))


def _agent(tmp_path, tls: TlsFiles | None) -> SpeakerAgent:
    config = AgentConfig(
        thing="gp-spk-01a",
        commune_id="giao-phong",
        host="127.0.0.1",
        port=1883,
        command_key=b"k" * 32,
        state_dir=tmp_path,
        tls=tls,
    )
    agent = SpeakerAgent(config)
    agent.client = RecordingClient()  # type: ignore[assignment]
    return agent


@pytest.fixture
def tls(tmp_path) -> TlsFiles:
    return TlsFiles(cert_path=str(tmp_path / "cert.pem"), key_path=str(tmp_path / "key.pem"))


def test_on_iot_core_the_agent_applies_the_shadow_delta_and_reports_it(tmp_path, tls):
    agent = _agent(tmp_path, tls)
    # When IoT Core publishes a delta document (with its own metadata fields)
    delta = {
        "version": 7,
        "timestamp": 1764380000,
        "state": {"volume": 85},
        "metadata": {"volume": {"timestamp": 1764380000}},
        "clientToken": "x",
    }
    agent.handle_message("$aws/things/gp-spk-01a/shadow/update/delta", json.dumps(delta).encode())
    # Then the speaker plays at the new volume and reports it through its shadow and its heartbeat
    assert agent.volume == 85
    topics = [t for t, _, _ in agent.client.published]  # type: ignore[union-attr]
    assert "$aws/things/gp-spk-01a/shadow/update" in topics
    reported = next(p for t, p, _ in agent.client.published if t.endswith("/shadow/update"))  # type: ignore[union-attr]
    assert reported == {"state": {"reported": {"volume": 85}}}
    assert "sc/giao-phong/speakers/gp-spk-01a/heartbeat" in topics


def test_locally_only_the_relayed_topic_is_obeyed(tmp_path):
    agent = _agent(tmp_path, None)
    agent.handle_message("$aws/things/gp-spk-01a/shadow/update/delta", json.dumps({"state": {"volume": 10}}).encode())
    assert agent.volume == 70  # not the local topic: ignored
    agent.handle_message(
        "sc/giao-phong/speakers/gp-spk-01a/shadow/delta", json.dumps({"version": 1, "state": {"volume": 40}}).encode()
    )
    assert agent.volume == 40
    assert not [t for t, _, _ in agent.client.published if t.startswith("$aws")]  # type: ignore[union-attr]
