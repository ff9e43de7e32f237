"""Re-provisioning over real MQTT: mosquitto with mutual TLS and its ACL, the 40 demo speakers (awsiotsdk agents),
the IoT-rule emulator and the ack queue, moto tables and IoT registry — after Giao Phong is merged into Giao Ninh.

The fabric is ``test_broadcast_mqtt``'s (its own broker on a free port, the 40 speakers in-process).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from typing import Any

import pytest

from smartcommune.communes.contracts import MergeRequest
from smartcommune.composition import commune_merger
from smartcommune.devices.contracts import ACK_TOPIC_FILTER, parse_topic
from smartcommune.devices.storage.mqtt import MqttClient
from smartcommune.devices.storage.mqtt import platform_tls as _platform_tls
from smartcommune.devices.wiring import speaker_reprovisioning
from smartcommune_local.devices_demo import demo_things
from smartcommune_local.reprovision_cli import local_thing_policy
from tests.e2e.test_broadcast_mqtt import AUDIO_SHA, Fabric, fabric  # noqa: F401 (the fixture)
from tests.support.identities import ensure_demo_communes

pytestmark = pytest.mark.e2e

OLD, NEW = "giao-phong", "giao-ninh"


class AckTopics:
    """The communes under which the speakers' acks arrive (the platform's identity may read them all)."""

    def __init__(self, f: Fabric) -> None:
        self.seen: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        self.client = MqttClient(
            f.settings.mqtt_host,
            f.settings.mqtt_port,
            "e2e-ack-topics",
            tls=_platform_tls(f.settings),
            clean_session=True,
            on_message=self._on,
        )
        self.client.connect()
        self.client.subscribe(ACK_TOPIC_FILTER)

    def _on(self, topic: str, payload: bytes) -> None:
        body = json.loads(payload)
        with self._lock:
            self.seen.append((parse_topic(topic)[0], body["command_id"], body["state"]))

    def communes(self, command_id: str, state: str = "finished") -> list[str]:
        with self._lock:
            return [c for c, cid, s in self.seen if cid == command_id and s == state]


def _merge(f: Fabric) -> None:
    ensure_demo_communes(f.services)
    summary = f.services.get(commune_merger).merge(
        MergeRequest(
            new_id=NEW, name="Xã Giao Ninh", province_id="ninh-binh", effective=date(2025, 7, 1), old_ids=[OLD]
        )
    )
    assert summary.moved["speaker"] == 40


def _send(f: Fabric, bulletin_id: str, start_in_ms: int) -> Any:
    return f.fanout.send(
        NEW, bulletin_id, demo_things(OLD), f.audio_url, AUDIO_SHA, "emergency", 80, 1, start_in_ms=start_in_ms
    )


def _report(f: Fabric, bulletin_id: str, timeout_s: float = 20) -> Any:
    """The new commune's delivery report of ``bulletin_id`` once complete (or at the deadline)."""
    deadline = time.monotonic() + timeout_s
    while True:
        report = f.fanout.report(NEW, bulletin_id)
        if report.complete or time.monotonic() > deadline:
            return report
        time.sleep(0.05)


def _wait(predicate: Any, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_forty_speakers_move_to_the_new_topics_without_missing_or_repeating_a_bulletin(fabric: Fabric):  # noqa: F811
    f = fabric
    _merge(f)
    local_thing_policy(f.services, f.data_dir)  # the moto IoT registry and this broker's ACL
    watch = AckTopics(f)
    # Given a bulletin on its way on the old topics (it starts in 4 s)
    during = _send(f, "b-during", 4000)
    # When the speakers are re-provisioned
    started = time.monotonic()
    reprovisioning = f.services.get(speaker_reprovisioning)
    since = f.services.clock()
    first = reprovisioning.start(NEW)
    sent_s = time.monotonic() - started
    done = reprovisioning.wait(NEW, first, since=since, timeout_s=30)
    took_s = time.monotonic() - started
    print(f"\nre-provisioning 40 speakers over real MQTT: {took_s:.2f} s (sent within {sent_s:.2f} s)")
    # Then all 40 switched: their ack is in, the registry flipped
    assert (done.reprovisioned, done.pending, done.failed) == (40, 0, 0), done
    assert {s.namespace for s in f.fanout.registry(NEW).registry().values()} == {NEW}
    # and the bulletin that was on its way played once on every speaker
    report = _report(f, "b-during")
    assert report.summary.played == 40 and set(f.plays_of(during.command_id).values()) == {1}
    # And the next bulletin goes out on the new topics only, signed with the new key: all 40 play it
    after = _send(f, "b-after", 3000)
    report = _report(f, "b-after")
    assert report.summary.model_dump() == {"targeted": 40, "acked": 40, "played": 40, "failed": 0, "pending": 0}
    assert _wait(lambda: len(watch.communes(after.command_id)) == 40, 5)
    assert set(watch.communes(after.command_id)) == {NEW}
    # And the step run again has nothing to do
    again = reprovisioning.start(NEW)
    assert (again.already, again.reprovisioned, again.pending, again.command_ids) == (40, 0, 0, [])
    watch.client.disconnect()
