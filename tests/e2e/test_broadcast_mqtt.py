"""The loudspeaker fabric on real MQTT: mosquitto with mutual TLS, 40 speaker agents (awsiotsdk's mTLS builder,
one certificate each), the IoT-rule and shadow emulators, moto tables.

Each test starts its own mosquitto on a free port (stopped at the end) and the 40 demo speakers in-process.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from smartcommune.core.services import Services
from smartcommune.devices.contracts import DeliveryReport, PlayCommand, ack_topic, cmd_topic, commune_command_key
from smartcommune.devices.storage.mqtt import MqttClient, MqttError, TlsFiles
from smartcommune.devices.wiring import device_fanout
from smartcommune_local.broker import free_port
from smartcommune_local.devices_demo import demo_things, seed_devices
from smartcommune_local.iot_rules import LocalIot, start_local_iot
from smartcommune_local.pki import LocalPki, pki_dir, platform_tls_settings

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings
    from smartcommune.devices.storage.fanout import DeviceFanout
    from smartcommune_local.template import LocalResources

COMMUNE = "giao-phong"
AUDIO = b"ID3" + bytes(range(256)) * 40  # stands in for an MP3
AUDIO_SHA = hashlib.sha256(AUDIO).hexdigest()


class _AudioHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = AUDIO if self.path.startswith("/audio.mp3") else b""
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class Fabric:
    iot: LocalIot
    fanout: DeviceFanout
    services: Services
    settings: Settings
    audio_url: str
    data_dir: Path

    @property
    def agents(self) -> dict[str, Any]:
        assert self.iot.fleet is not None
        return self.iot.fleet.agents

    def send(self, targets: list[str] | None = None, **kw: Any) -> Any:
        args: dict[str, Any] = {
            "priority": "emergency",
            "volume": 90,
            "repeat": 1,
            "audio_url": self.audio_url,
            "audio_sha256": AUDIO_SHA,
        } | kw
        return self.fanout.send(
            COMMUNE,
            kw.pop("bulletin_id", "b-1"),
            targets or demo_things(COMMUNE),
            **{k: v for k, v in args.items() if k != "bulletin_id"},
        )

    def wait_report(
        self, bulletin_id: str, until: Callable[[DeliveryReport], bool], timeout_s: float = 10
    ) -> DeliveryReport:
        deadline = time.monotonic() + timeout_s
        while True:
            report = self.fanout.report(COMMUNE, bulletin_id)
            if until(report) or time.monotonic() > deadline:
                return report
            time.sleep(0.05)

    def plays_of(self, command_id: str) -> dict[str, int]:
        return {t: sum(1 for p in a.plays if p.command_id == command_id) for t, a in self.agents.items()}


@pytest.fixture
def fabric(aws: LocalResources, settings: Settings, tmp_path: Path) -> Iterator[Fabric]:
    # Given mosquitto, the IoT-rule emulator and the 40 demo speakers, on a real clock
    settings = settings.model_copy(
        update={"mqtt_port": free_port(), "fanout_transport": "mqtt"} | platform_tls_settings(tmp_path)
    )
    services = Services(settings)
    seed_devices(services)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AudioHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    iot = start_local_iot(aws, settings, tmp_path, services=services, consume_queues=True)
    try:
        yield Fabric(
            iot,
            services.get(device_fanout),
            services,
            settings,
            f"http://127.0.0.1:{server.server_address[1]}/audio.mp3",
            tmp_path,
        )
    finally:
        services.get(device_fanout).publisher.close()  # type: ignore[attr-defined]
        iot.stop()
        server.shutdown()


def _complete(report: DeliveryReport) -> bool:
    return report.complete


def test_emergency_fans_out_to_40_speakers_that_start_together_and_report_complete(fabric: Fabric):
    # When an emergency command is sent to every speaker (3 s lead: moto, the rules and the queue share this
    # process with the 40 agents)
    batch = fabric.send(bulletin_id="b-1", start_in_ms=3000)
    report = fabric.wait_report("b-1", _complete)
    # Then every speaker played it once, and the delivery report says so
    assert report.summary.model_dump() == {"targeted": 40, "acked": 40, "played": 40, "failed": 0, "pending": 0}
    assert {s.state for s in report.speakers} == {"finished"}
    assert set(fabric.plays_of(batch.command_id).values()) == {1}
    # And they started together at the commanded time, not as each received it (the 100 ms target is the
    # benchmarks'; here 40 agents share one process with moto, so a loaded machine stretches their starts)
    plays = [p for a in fabric.agents.values() for p in a.plays]
    assert {p.scheduled_at for p in plays} == {batch.start_at}
    assert all(p.started_at >= batch.start_at - timedelta(milliseconds=1) for p in plays)
    received = [k.at for a in fabric.agents.values() for k in a.acks if k.state == "received"]
    assert len(received) == 40 and max(received) < batch.start_at  # every speaker had it early, and waited
    starts = [p.started_at for p in plays]
    spread_ms = (max(starts) - min(starts)).total_seconds() * 1000
    assert report.start_spread_ms is not None and abs(report.start_spread_ms - spread_ms) < 1
    # And each speaker's live state shows the command
    states = fabric.fanout.registry(COMMUNE).states(datetime.now(UTC))
    assert all(s.online and s.last_command_id == batch.command_id for s in states)


def test_broker_restart_mid_broadcast_still_plays_once_and_completes(fabric: Fabric):
    # Given a broadcast that starts in 1.5 s
    batch = fabric.send(bulletin_id="b-restart", start_in_ms=1500)
    # When the broker restarts right after the send
    fabric.iot.broker.restart()
    # Then the speakers reconnect; missing deliveries are retried with the same id
    deadline = time.monotonic() + 10
    while fabric.iot.fleet is not None and fabric.iot.fleet.online() < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    # (the scheduled retry, every few seconds here: an ack lost in the restart is asked for again, and the agent
    # answers a repeat with its outcome)
    deadline = time.monotonic() + 40
    while True:
        fabric.fanout.retry_pending(COMMUNE, force=True)
        report = fabric.wait_report("b-restart", _complete, timeout_s=4)
        if report.complete or time.monotonic() > deadline:
            break
    assert report.summary.played == 40 and report.complete
    # And no speaker played it twice
    assert set(fabric.plays_of(batch.command_id).values()) == {1}


def test_offline_speaker_plays_a_valid_command_on_reconnect_and_never_an_expired_one(fabric: Fabric):
    thing = "gp-spk-03b"
    agent = fabric.agents[thing]
    # Given a speaker that goes offline
    agent.stop()
    # When a valid command and a short-lived one are sent while it is offline
    valid = fabric.send([thing], bulletin_id="b-valid", start_in_ms=0, expires_in_s=60)
    short = fabric.send([thing], bulletin_id="b-short", start_in_ms=0, expires_in_s=1)
    time.sleep(1.2)  # the short one expires while the speaker is away
    # And the speaker comes back (a new process: same thing, same state file)
    from devices.speaker.agent import SpeakerAgent
    from smartcommune_local.speakers import agent_config

    assert fabric.iot.fleet is not None
    back = SpeakerAgent(agent_config(fabric.settings, thing, COMMUNE, fabric.data_dir), fabric.iot.fleet.runtime)
    fabric.agents[thing] = back
    assert back.start() is True  # the broker kept its session and the queued commands
    # Then the valid one plays and the expired one never does
    valid_report = fabric.wait_report("b-valid", _complete)
    short_report = fabric.wait_report("b-short", _complete)
    assert valid_report.speakers[0].state == "finished"
    assert short_report.speakers[0].state == "expired"
    assert [p.command_id for p in back.plays] == [valid.command_id]
    assert short.command_id not in {p.command_id for p in back.plays}


def test_a_command_delivered_twice_plays_once_and_the_second_ack_is_duplicate(fabric: Fabric):
    thing = "gp-spk-05a"
    batch = fabric.send([thing], bulletin_id="b-dup", start_in_ms=0)
    fabric.wait_report("b-dup", _complete)
    agent = fabric.agents[thing]
    # When the platform resends the very same command
    record, _ = fabric.fanout.deliveries(COMMUNE).load(batch.command_id)
    fabric.fanout.publish(record.command, [thing])
    deadline = time.monotonic() + 5
    while not any(a.state == "duplicate" for a in agent.acks) and time.monotonic() < deadline:
        time.sleep(0.02)
    # Then it played once and answered "duplicate"
    assert fabric.plays_of(batch.command_id)[thing] == 1
    assert [a.state for a in agent.acks if a.command_id == batch.command_id][-1] == "duplicate"
    assert fabric.fanout.report(COMMUNE, "b-dup").speakers[0].state == "finished"


def _client(fabric: Fabric, tls: TlsFiles, client_id: str) -> MqttClient:
    return MqttClient("127.0.0.1", fabric.iot.port, client_id, tls=tls, clean_session=True)


def _issued(fabric: Fabric, identity: str) -> TlsFiles:
    return LocalPki(pki_dir(fabric.data_dir)).client(identity)


def test_forged_commands_are_never_played(fabric: Fabric):
    victim = "gp-spk-07a"
    agent = fabric.agents[victim]
    now = datetime.now(UTC)
    command = PlayCommand(
        command_id="0f0f0f0f-0000-4000-8000-000000000001",
        bulletin_id="forged",
        commune_id=COMMUNE,
        priority="emergency",
        audio_url=fabric.audio_url,
        audio_sha256=AUDIO_SHA,
        start_at=now,
        expires_at=now + timedelta(minutes=5),
        volume=100,
        repeat=1,
    )
    # A certificate not signed by the CA (with the victim's or the platform's name): the broker refuses it
    other_ca = LocalPki(fabric.data_dir / "other-ca")
    ca = str(pki_dir(fabric.data_dir) / "ca.crt")
    for name in (victim, "platform"):
        forged_cert = other_ca.client(name)
        with pytest.raises(MqttError):
            _client(fabric, TlsFiles(forged_cert.cert_path, forged_cert.key_path, ca), f"intruder-{name}").connect(3)
    # Wrong topic: another speaker (its own valid certificate) publishes a validly signed command on the victim's
    neighbour = "gp-spk-07b"
    key = commune_command_key(fabric.settings.command_key, COMMUNE)
    from smartcommune.devices.contracts import sign_command

    signed = sign_command(command, key)
    rogue = _client(fabric, _issued(fabric, neighbour), "rogue")
    rogue.connect()
    rogue.publish(cmd_topic(COMMUNE, victim), signed.to_json()).result(5)
    # ...and tries to ack in the victim's name
    rogue.publish(ack_topic(COMMUNE, victim), b'{"not": "an ack"}').result(5)
    rogue.disconnect()
    # Bad signature: a publish with the platform's own certificate of a command signed with the wrong key
    forged = sign_command(command.model_copy(update={"command_id": "0f0f0f0f-0000-4000-8000-000000000002"}), b"k" * 32)
    platform = _client(fabric, _issued(fabric, "platform"), "test-platform")
    platform.connect()
    platform.publish(cmd_topic(COMMUNE, victim), forged.to_json()).result(5)
    deadline = time.monotonic() + 3
    while not any(a.command_id == forged.command_id for a in agent.acks) and time.monotonic() < deadline:
        time.sleep(0.02)
    platform.disconnect()
    time.sleep(0.2)
    # Then the victim played nothing, refused the forged signature with a reason, never saw the wrong-topic one
    assert agent.plays == []
    (refusal,) = [a for a in agent.acks if a.command_id == forged.command_id]
    assert refusal.state == "failed" and "signature" in refusal.detail
    assert not any(a.command_id == signed.command_id for a in agent.acks)
    # And after all that, the genuine platform command still plays on the victim
    batch = fabric.send([victim], bulletin_id="b-genuine", start_in_ms=0)
    report = fabric.wait_report("b-genuine", _complete)
    assert report.speakers[0].state == "finished"
    assert [p.command_id for p in agent.plays] == [batch.command_id]


def test_a_speaker_that_reconnects_applies_the_desired_volume_without_any_delta(fabric: Fabric):
    thing = "gp-spk-09a"
    agent = fabric.agents[thing]
    assert agent.volume == 70
    # Given a speaker that goes offline
    agent.stop()
    # When the desired volume is written to its shadow while it is away, and no delta is sent to it
    from smartcommune.core.aws import client

    iot_data = client("iot-data", fabric.settings)
    iot_data.update_thing_shadow(thingName=thing, payload=b'{"state": {"desired": {"volume": 25}}}')
    # And it comes back (asking for its shadow on connect)
    from devices.speaker.agent import SpeakerAgent
    from smartcommune_local.speakers import agent_config

    assert fabric.iot.fleet is not None
    back = SpeakerAgent(agent_config(fabric.settings, thing, COMMUNE, fabric.data_dir), fabric.iot.fleet.runtime)
    fabric.agents[thing] = back
    back.start()
    deadline = time.monotonic() + 10
    while back.volume != 25 and time.monotonic() < deadline:
        time.sleep(0.02)
    # Then it plays at the desired volume, and reports it to its shadow
    assert back.volume == 25
    deadline = time.monotonic() + 5
    reported = None
    while time.monotonic() < deadline:
        import json

        document = json.loads(iot_data.get_thing_shadow(thingName=thing)["payload"].read())
        reported = document["state"].get("reported", {}).get("volume")
        if reported == 25:
            break
        time.sleep(0.05)
    assert reported == 25
