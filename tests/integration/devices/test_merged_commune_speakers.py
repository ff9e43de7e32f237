"""Speakers of a merged commune keep playing without being touched: the new commune's commands reach them on the
topics and with the key they were provisioned with, and what they answer on those topics counts in the new
commune (acks one by one and in SQS batches, heartbeats)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from smartcommune.communes.contracts import MergeRequest
from smartcommune.composition import commune_merger
from smartcommune.devices.contracts import PlayCommand, verify_command
from smartcommune.devices.wiring import command_publisher, device_fanout, shadow_store
from smartcommune_local.devices_demo import demo_speakers
from smartcommune_local.template import REPO_ROOT
from tests.integration.devices.test_device_commune_binding import NOW, RecordingPublisher, RecordingShadows
from tests.support.identities import ensure_demo_communes

EVENTS = REPO_ROOT / "events" / "devices_acks"
ACK: dict[str, Any] = json.loads(Path(EVENTS / "ack_started.json").read_text(encoding="utf-8"))
HEARTBEAT: dict[str, Any] = json.loads(Path(EVENTS / "heartbeat.json").read_text(encoding="utf-8"))

_spec = importlib.util.spec_from_file_location("devices_acks_merged", REPO_ROOT / "functions/devices_acks/handler.py")
assert _spec is not None and _spec.loader is not None
devices_acks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(devices_acks)

NEW = "giao-thuy-moi"
THINGS = ["gp-spk-01a", "gp-spk-01b", "gp-spk-02a"]


@pytest.fixture
def merged(services: Any) -> Any:
    ensure_demo_communes(services)
    publisher = RecordingPublisher()
    services.override(command_publisher, publisher)
    services.override(shadow_store, RecordingShadows())
    fanout = services.get(device_fanout)
    fanout.registry("giao-phong").put_speakers(demo_speakers("giao-phong"))
    summary = services.get(commune_merger).merge(
        MergeRequest(
            new_id=NEW,
            name="Xã Giao Thủy Mới",
            province_id="ninh-binh",
            effective=dt.date(2025, 7, 1),
            old_ids=["giao-phong", "bach-long"],
        )
    )
    assert summary.moved["speaker"] == 40 and summary.lost == 0
    return fanout, publisher


def test_the_new_communes_command_reaches_old_speakers_on_their_own_topics_with_their_key(services, merged):
    fanout, publisher = merged
    # The speakers are the new commune's now
    assert set(fanout.registry(NEW).registry()) >= set(THINGS) and not fanout.registry("giao-phong").registry()
    # When the new commune sends a bulletin to three of them
    batch = fanout.send(NEW, "b" * 32, THINGS, "https://x/a.mp3", "a" * 64, "normal", 70, 1)
    # Then each gets it on its Giao Phong topic, signed with Giao Phong's key, under the same command id
    assert [topic for topic, _ in publisher.sent] == [f"sc/giao-phong/speakers/{t}/cmd" for t in THINGS]
    commands = [PlayCommand.model_validate_json(payload) for _, payload in publisher.sent]
    assert {c.command_id for c in commands} == {batch.command_id}
    assert all(c.commune_id == "giao-phong" and verify_command(c, fanout.key("giao-phong")) for c in commands)
    assert not any(verify_command(c, fanout.key(NEW)) for c in commands)

    # When the speakers answer on their Giao Phong topics (one ack, then a batch, then a heartbeat)
    first = ACK | {"command_id": batch.command_id, "thing": THINGS[0], "topic_thing": THINGS[0]}
    assert devices_acks.handle(first, services)["ok"] is True
    records = [
        {
            "messageId": f"m{n}",
            "body": json.dumps(
                ACK
                | {"command_id": batch.command_id, "thing": t, "topic_thing": t, "state": "finished"}
                | {"at": "2026-11-29T01:00:05.000Z"}
            ),
        }
        for n, t in enumerate(THINGS[1:])
    ]
    assert devices_acks.handle_batch({"Records": records}, services) == {"batchItemFailures": []}
    beat = HEARTBEAT | {"received_ms": int(NOW.timestamp() * 1000)}
    assert devices_acks.handle(beat, services) == {"ok": True}

    # Then the new commune's delivery report counts them
    report = fanout.report(NEW, "b" * 32)
    assert {s.thing: s.state for s in report.speakers} == {
        THINGS[0]: "started",
        THINGS[1]: "finished",
        THINGS[2]: "finished",
    }
    assert fanout.registry(NEW).state(THINGS[0], NOW).reported_volume == 70


def test_a_retry_goes_to_the_old_topic_too(services, merged):
    fanout, publisher = merged
    batch = fanout.send(NEW, "c" * 32, THINGS[:1], "https://x/a.mp3", "a" * 64, "normal", 70, 1)
    publisher.sent.clear()
    resent = fanout.retry_pending(NEW, force=True)
    assert resent == {batch.command_id: THINGS[:1]}
    ((topic, payload),) = publisher.sent
    assert topic == f"sc/giao-phong/speakers/{THINGS[0]}/cmd"
    assert verify_command(PlayCommand.model_validate_json(payload), fanout.key("giao-phong"))
