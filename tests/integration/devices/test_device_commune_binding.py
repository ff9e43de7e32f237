"""A loudspeaker speaks only for its own commune: an ack or heartbeat published under another commune's topic is
dropped and logged by the devices_acks handler (the IoT policy and the local broker refuse it before that)."""

from __future__ import annotations

import importlib.util
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from smartcommune.devices.storage.registry import DeviceRepository
from smartcommune.devices.wiring import command_publisher, device_fanout, shadow_store
from smartcommune_local.devices_demo import demo_speakers
from smartcommune_local.template import REPO_ROOT
from tests.support.identities import ensure_demo_communes

EVENTS = REPO_ROOT / "events" / "devices_acks"
HEARTBEAT: dict[str, Any] = json.loads(Path(EVENTS / "heartbeat.json").read_text(encoding="utf-8"))
ACK: dict[str, Any] = json.loads(Path(EVENTS / "ack_started.json").read_text(encoding="utf-8"))

_spec = importlib.util.spec_from_file_location(
    "devices_acks_binding", REPO_ROOT / "functions" / "devices_acks" / "handler.py"
)
assert _spec is not None and _spec.loader is not None
devices_acks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(devices_acks)  # as Lambda loads it

GP_THING = "gp-spk-01a"  # a Giao Phong speaker
NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def ready(self) -> None:

        pass

    def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        self.sent.extend(messages)

    def publish(self, topic: str, payload: bytes) -> None:
        self.sent.append((topic, payload))


class RecordingShadows:
    def __init__(self) -> None:
        self.reported: list[tuple[str, dict[str, Any]]] = []

    def report(self, thing: str, state: dict[str, Any]) -> None:
        self.reported.append((thing, state))


@pytest.fixture
def fabric(services: Any) -> Any:
    ensure_demo_communes(services)
    services.override(command_publisher, RecordingPublisher())
    services.override(shadow_store, RecordingShadows())
    fanout = services.get(device_fanout)
    fanout.registry("giao-phong").put_speakers(demo_speakers("giao-phong"))  # Giao Phong's 40 speakers
    return fanout


def _warnings(caplog: Any) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING]


def test_a_heartbeat_of_a_giao_phong_speaker_under_bach_long_is_dropped_and_logged(services, fabric, caplog):
    # Given Giao Phong's speaker gp-spk-01a / When a heartbeat arrives on sc/bach-long/speakers/gp-spk-01a/heartbeat
    event = HEARTBEAT | {"topic_commune": "bach-long", "received_ms": int(NOW.timestamp() * 1000)}
    with caplog.at_level(logging.WARNING):
        result = devices_acks.handle(event, services)
    # Then it is dropped, with a warning that names the topic's commune and the thing
    assert result["ok"] is False
    (warning,) = _warnings(caplog)
    assert "commune" in warning.getMessage()
    assert (getattr(warning, "topic_commune", None), getattr(warning, "thing", None)) == ("bach-long", GP_THING)
    # And nothing about the speaker changed in either commune, nor in its shadow
    assert fabric.registry("giao-phong").state(GP_THING, NOW).last_seen_at is None
    assert DeviceRepository("bach-long").registry() == {}
    assert services.get(shadow_store).reported == []


def test_an_ack_of_a_giao_phong_speaker_under_bach_long_is_dropped_and_logged(services, fabric, caplog):
    # Given a command sent to Bach Long's speaker bl-spk-01a
    from smartcommune.devices.contracts import GeoPoint, Speaker

    bach_long = DeviceRepository("bach-long")
    bach_long.put_speakers(
        [
            Speaker(
                thing="bl-spk-01a",
                commune_id="bach-long",
                cluster_id="bl-cl-01",
                hamlet_id="xom-1",
                location=GeoPoint(lat=20.2, lon=106.5),
            )
        ]
    )
    batch = fabric.send("bach-long", "b" * 32, ["bl-spk-01a"], "https://x/a.mp3", "a" * 64, "normal", 70, 1)
    # When Giao Phong's gp-spk-01a publishes an ack for it on Bach Long's topics
    event = ACK | {"command_id": batch.command_id, "topic_commune": "bach-long"}
    with caplog.at_level(logging.WARNING):
        result = devices_acks.handle(event, services)
    # Then it is dropped and logged, and the Bach Long delivery still waits for its own speaker
    assert result["ok"] is False
    (warning,) = _warnings(caplog)
    assert (getattr(warning, "topic_commune", None), getattr(warning, "thing", None)) == ("bach-long", GP_THING)
    report = fabric.report("bach-long", "b" * 32)
    assert [(s.thing, s.state) for s in report.speakers] == [("bl-spk-01a", "sent")]
    assert GP_THING not in bach_long.registry()


def test_a_speaker_on_its_own_commune_topics_is_heard(services, fabric, caplog):
    event = HEARTBEAT | {"received_ms": int(NOW.timestamp() * 1000)}
    with caplog.at_level(logging.WARNING):
        assert devices_acks.handle(event, services) == {"ok": True}
    assert _warnings(caplog) == []
    assert fabric.registry("giao-phong").state(GP_THING, NOW).reported_volume == 70
    assert services.get(shadow_store).reported == [(GP_THING, {"volume": 70})]
