"""The local broker (mosquitto) binds each loudspeaker to its own commune, as the IoT policy does on AWS.

A real mosquitto on a free port with the generated password file and ACL; awscrt clients as the speakers and
the platform. mosquitto drops a refused publish silently (MQTT 3.1.1) and grants any subscription but delivers
only what the ACL lets the subscriber read, so each test sends the refused message first and an allowed one of
the same publisher after it: once the allowed one has arrived, the refused one would have arrived before it (the
broker delivers one publisher's messages to a subscriber in order).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smartcommune.devices.contracts import HEARTBEAT_TOPIC_FILTER, cmd_topic, heartbeat_topic
from smartcommune.devices.storage.mqtt import MqttClient
from smartcommune_local.broker import BrokerHandle, device_credentials, free_port, start_broker

SECRET = "local-test-secret"
GP_THING = "gp-spk-01a"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerHandle]:
    credentials = device_credentials(SECRET, [GP_THING, "bl-spk-01a"]) | {"platform": "platform-pass"}
    communes = {GP_THING: "giao-phong", "bl-spk-01a": "bach-long"}
    handle = start_broker(tmp_path, free_port(), credentials, device_communes=communes)
    yield handle
    handle.stop()


def _client(broker: BrokerHandle, username: str, password: str, **kwargs: Any) -> MqttClient:
    client = MqttClient(
        broker.host, broker.port, f"{username}-test", username=username, password=password, clean_session=True, **kwargs
    )
    client.connect()
    return client


class Inbox:
    """Topics a client received, and an event set when ``last`` arrives."""

    def __init__(self, last: str) -> None:
        self.last = last
        self.topics: list[str] = []
        self.arrived = threading.Event()

    def __call__(self, topic: str, payload: bytes) -> None:
        self.topics.append(topic)
        if topic == self.last:
            self.arrived.set()


def test_a_giao_phong_speaker_never_receives_commands_published_under_bach_long(broker):
    # Given Giao Phong's speaker subscribed to its command topic under both communes (mosquitto grants a
    # subscription and applies the ACL to every message it would deliver)
    inbox = Inbox(last=cmd_topic("giao-phong", GP_THING))
    speaker = _client(broker, GP_THING, device_credentials(SECRET, [GP_THING])[GP_THING], on_message=inbox)
    platform = _client(broker, "platform", "platform-pass")
    try:
        speaker.subscribe(cmd_topic("bach-long", GP_THING))
        speaker.subscribe(cmd_topic("giao-phong", GP_THING))
        # When the platform publishes a command under Bach Long's topics, then one under Giao Phong's
        platform.publish(cmd_topic("bach-long", GP_THING), b"{}").result(5)
        platform.publish(cmd_topic("giao-phong", GP_THING), b"{}").result(5)
        assert inbox.arrived.wait(10)
    finally:
        speaker.disconnect()
        platform.disconnect()
    # Then the speaker got only its own commune's
    assert inbox.topics == [cmd_topic("giao-phong", GP_THING)]


def test_a_giao_phong_speaker_cannot_publish_heartbeats_under_bach_long(broker):
    # Given the platform listening to every heartbeat
    inbox = Inbox(last=heartbeat_topic("giao-phong", GP_THING))
    platform = _client(broker, "platform", "platform-pass", on_message=inbox)
    platform.subscribe(HEARTBEAT_TOPIC_FILTER)
    # When Giao Phong's speaker publishes a heartbeat under Bach Long, then one under its own commune
    speaker = _client(broker, GP_THING, device_credentials(SECRET, [GP_THING])[GP_THING])
    try:
        speaker.publish(heartbeat_topic("bach-long", GP_THING), b'{"forged": true}').result(5)
        speaker.publish(heartbeat_topic("giao-phong", GP_THING), b'{"own": true}').result(5)
        assert inbox.arrived.wait(10)
    finally:
        speaker.disconnect()
        platform.disconnect()
    # Then only its own commune's heartbeat reached the platform
    assert inbox.topics == [heartbeat_topic("giao-phong", GP_THING)]


def test_the_acl_grants_speakers_nothing_by_pattern_only_their_own_topics(broker):
    # mosquitto applies `pattern` lines to every user; a speaker the broker has no commune for must get nothing
    lines = [line.split() for line in (broker.directory / "acl").read_text(encoding="utf-8").splitlines()]
    rules = [line for line in lines if line and not line[0].startswith("#")]
    assert not [r for r in rules if r[0] == "pattern"]
    user = None
    for rule in rules:
        if rule[0] == "user":
            user = rule[1]
        elif user != "platform":
            _, _, topic = rule
            assert "+" not in topic and "#" not in topic and topic.split("/")[3] == user
            assert topic.split("/")[1] == {GP_THING: "giao-phong", "bl-spk-01a": "bach-long"}[user]
