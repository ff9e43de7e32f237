"""The local broker (mosquitto) admits only mutual TLS and binds each loudspeaker to its own commune, as IoT Core.

A real mosquitto on a free port with the local CA's certificates and the generated ACL (keyed on the certificate
CN); awsiotsdk mutual-TLS clients as the speakers and the platform. mosquitto drops a refused publish silently
(MQTT 3.1.1) and grants any subscription but delivers only what the ACL lets the subscriber read, so each test
sends the refused message first and an allowed one of the same publisher after it: once the allowed one has
arrived, the refused one would have arrived before it (the broker delivers one publisher's messages to a
subscriber in order).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smartcommune.devices.contracts import HEARTBEAT_TOPIC_FILTER, cmd_topic, heartbeat_topic
from smartcommune.devices.storage.mqtt import MqttClient, MqttError
from smartcommune_local.broker import BrokerHandle, free_port, start_broker
from smartcommune_local.pki import LocalPki

GP_THING = "gp-spk-01a"


@pytest.fixture
def pki(tmp_path: Path) -> LocalPki:
    return LocalPki(tmp_path / "pki")


@pytest.fixture
def broker(tmp_path: Path, pki: LocalPki) -> Iterator[BrokerHandle]:
    communes = {GP_THING: "giao-phong", "bl-spk-01a": "bach-long"}
    handle = start_broker(tmp_path, free_port(), pki, device_communes=communes)
    yield handle
    handle.stop()


def _client(broker: BrokerHandle, pki: LocalPki, identity: str, **kwargs: Any) -> MqttClient:
    client = MqttClient(
        broker.host, broker.port, f"{identity}-test", tls=pki.client(identity), clean_session=True, **kwargs
    )
    client.connect()
    return client


def _awscrt_connection(broker: BrokerHandle, tls_ctx: Any, **kwargs: Any) -> Any:
    from awscrt import io, mqtt

    bootstrap = io.ClientBootstrap(io.EventLoopGroup(1), io.DefaultHostResolver(io.EventLoopGroup(1)))
    return mqtt.Connection(
        mqtt.Client(bootstrap, tls_ctx), host_name=broker.host, port=broker.port, client_id="intruder", **kwargs
    )


def test_a_client_with_a_password_and_no_certificate_cannot_connect(broker, pki):
    # Given the broker's one listener (mutual TLS only)
    from awscrt import io

    # When a client connects in the clear with a username and password, as the speakers did before
    plaintext = _awscrt_connection(broker, None, username=GP_THING, password="any-password")
    # Then it is refused
    with pytest.raises(Exception):  # noqa: B017 (awscrt's own error types)
        plaintext.connect().result(5)
    # And a TLS client that trusts the CA but has no certificate of its own is refused too
    options = io.TlsContextOptions()
    options.override_default_trust_store_from_path(None, str(pki.ca_path))
    no_cert = _awscrt_connection(broker, io.ClientTlsContext(options), username="platform", password="x")
    with pytest.raises(Exception):  # noqa: B017
        no_cert.connect().result(5)


def test_a_certificate_not_signed_by_the_local_ca_is_refused(broker, pki, tmp_path):
    # Given a certificate with a speaker's name, made by another CA
    forged = LocalPki(tmp_path / "other-ca").client(GP_THING)
    # When it connects (trusting the broker's real CA)
    client = MqttClient(
        broker.host, broker.port, "forger", tls=type(forged)(forged.cert_path, forged.key_path, str(pki.ca_path))
    )
    # Then the broker refuses the handshake
    with pytest.raises(MqttError):
        client.connect(5)


def test_a_speaker_with_its_certificate_connects_and_round_trips_on_its_own_topic(broker, pki):
    # Given a speaker connected with its device certificate through awsiotsdk's mutual-TLS builder
    inbox = Inbox(last=cmd_topic("giao-phong", GP_THING))
    speaker = _client(broker, pki, GP_THING, on_message=inbox)
    platform = _client(broker, pki, "platform")
    try:
        speaker.subscribe(cmd_topic("giao-phong", GP_THING))
        # When the platform (its own certificate) publishes a command to it
        platform.publish(cmd_topic("giao-phong", GP_THING), b"{}").result(5)
        # Then it arrives
        assert inbox.arrived.wait(10)
    finally:
        speaker.disconnect()
        platform.disconnect()


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


def test_a_giao_phong_speaker_never_receives_commands_published_under_bach_long(broker, pki):
    # Given Giao Phong's speaker subscribed to its command topic under both communes (mosquitto grants a
    # subscription and applies the ACL to every message it would deliver)
    inbox = Inbox(last=cmd_topic("giao-phong", GP_THING))
    speaker = _client(broker, pki, GP_THING, on_message=inbox)
    platform = _client(broker, pki, "platform")
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


def test_a_giao_phong_speaker_cannot_publish_heartbeats_under_bach_long(broker, pki):
    # Given the platform listening to every heartbeat
    inbox = Inbox(last=heartbeat_topic("giao-phong", GP_THING))
    platform = _client(broker, pki, "platform", on_message=inbox)
    platform.subscribe(HEARTBEAT_TOPIC_FILTER)
    # When Giao Phong's speaker publishes a heartbeat under Bach Long, then one under its own commune
    speaker = _client(broker, pki, GP_THING)
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


def test_a_speaker_being_reprovisioned_hears_both_communes_then_only_the_new_one(broker, pki):
    # Given Giao Phong's speaker subscribed to its command topic under Giao Phong and under Giao Ninh
    from smartcommune_local.broker import BrokerAclPolicy

    old, new = cmd_topic("giao-phong", GP_THING), cmd_topic("giao-ninh", GP_THING)
    inbox = Inbox(last=old)
    speaker = _client(broker, pki, GP_THING, on_message=inbox)
    platform = _client(broker, pki, "platform")
    try:
        speaker.subscribe(old)
        speaker.subscribe(new)
        assert not _delivered(platform, inbox, new, then=old)  # Giao Ninh's topic is not its own yet
        # When another process (the re-provisioning step) allows both of its communes: the ACL is reloaded
        assert BrokerAclPolicy(broker.directory).bind({GP_THING: ["giao-phong", "giao-ninh"]}) == set()
        # Then it hears both
        _until(lambda: _delivered(platform, inbox, new, then=old))
        # And once the old commune is dropped, only the new one
        BrokerAclPolicy(broker.directory).bind({GP_THING: ["giao-ninh"]})
        _until(lambda: not _delivered(platform, inbox, old, then=new))
        # Bach Long's speaker kept its own binding all along
        acl = (broker.directory / "acl").read_text()
        assert "user bl-spk-01a\ntopic read sc/bach-long/speakers/bl-spk-01a/cmd" in acl
    finally:
        speaker.disconnect()
        platform.disconnect()


def _delivered(platform: MqttClient, inbox: Inbox, first: str, *, then: str) -> bool:
    """Publish ``first``, then ``then`` (allowed); once ``then`` arrived, ``first`` would have arrived before it."""
    inbox.arrived.clear()
    inbox.topics.clear()
    inbox.last = then
    platform.publish(first, b"{}").result(5)
    platform.publish(then, b"{}").result(5)
    assert inbox.arrived.wait(10)
    return first in inbox.topics


def _until(predicate: Any, timeout_s: float = 10.0) -> None:
    """mosquitto reloads its ACL a moment after SIGHUP: ask again until it has."""
    import time

    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "the broker did not reload its ACL"
        time.sleep(0.1)
