"""Speaker acks arrive in SQS batches (IoT rule -> DeviceAcksQueue -> devices_acks): what a delivery report shows
after a batch, a batch delivered twice, acks out of order, a stranger's ack, a malformed message, and a batch that
meets a concurrent write."""

from __future__ import annotations

import importlib.util
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from smartcommune.devices.contracts import CommandAck
from smartcommune.devices.storage.deliveries import DeliveryStore
from smartcommune.devices.storage.items import DeliveryItem
from smartcommune.devices.wiring import command_publisher, device_fanout
from smartcommune_local.devices_demo import demo_speakers, demo_things
from smartcommune_local.template import REPO_ROOT
from tests.support.identities import ensure_demo_communes

_spec = importlib.util.spec_from_file_location("devices_acks_batches", REPO_ROOT / "functions/devices_acks/handler.py")
assert _spec is not None and _spec.loader is not None
devices_acks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(devices_acks)  # as Lambda loads it

COMMUNE = "giao-phong"
SAMPLE = json.loads(Path(REPO_ROOT / "events/devices_acks/ack_batch.json").read_text(encoding="utf-8"))


class _Publisher:
    def ready(self) -> None:
        pass

    def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        pass


@pytest.fixture
def fanout(services: Any) -> Any:
    ensure_demo_communes(services)
    services.override(command_publisher, _Publisher())
    fanout = services.get(device_fanout)
    fanout.registry(COMMUNE).put_speakers(demo_speakers(COMMUNE))
    return fanout


def _send(fanout: Any, bulletin_id: str = "b" * 32) -> Any:
    return fanout.send(COMMUNE, bulletin_id, demo_things(COMMUNE), "https://x/a.mp3", "a" * 64, "emergency", 90, 1)


def _body(command_id: str, thing: str, state: str, at: datetime, commune: str = COMMUNE) -> dict[str, Any]:
    """What the topic rule's SQL puts on the queue for one ack."""
    ack = json.loads(CommandAck(command_id=command_id, thing=thing, state=state, at=at).to_json())  # type: ignore[arg-type]
    return ack | {
        "topic_commune": commune,
        "topic_thing": thing,
        "topic_kind": "ack",
        "received_ms": int((at + timedelta(milliseconds=8)).timestamp() * 1000),
    }


def _event(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    template = SAMPLE["Records"][0]
    return {
        "Records": [
            template | {"messageId": f"m-{i}", "body": json.dumps(b, separators=(",", ":"))}
            for i, b in enumerate(bodies)
        ]
    }


def _acks(command_id: str, start: datetime, states: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        _body(command_id, thing, state, start + timedelta(milliseconds=10 * n))
        for thing in demo_things(COMMUNE)
        for n, state in enumerate(states)
    ]


def test_the_sample_batch_is_what_the_handler_reads(services, fanout):
    # Given the sample SQS event of two acks (events/devices_acks/ack_batch.json), for a command that exists
    batch = _send(fanout)
    event = json.loads(json.dumps(SAMPLE).replace("6f1c2b9e-3d4a-4c8e-9b7a-1e2f3a4b5c6d", batch.command_id))
    # When Lambda hands it to the function
    devices_acks.use_services(services)
    result = devices_acks.lambda_handler(event, None)
    # Then nothing is retried and gp-spk-01a shows as playing
    assert result == {"batchItemFailures": []}
    row = {s.thing: s for s in fanout.report(COMMUNE, "b" * 32).speakers}["gp-spk-01a"]
    assert row.state == "started"


def test_a_batch_of_every_speakers_acks_completes_the_report_and_a_second_delivery_changes_nothing(services, fanout):
    # Given an emergency sent to the 40 speakers
    batch = _send(fanout)
    start = batch.start_at
    bodies = _acks(batch.command_id, start, ("received", "started", "finished"))
    random.Random(7).shuffle(bodies)  # the queue keeps no order
    # When their 120 acks arrive, in two batches as Lambda would hand them over
    for part in (bodies[:100], bodies[100:]):
        assert devices_acks.handle_batch(_event(part), services) == {"batchItemFailures": []}
    report = fanout.report(COMMUNE, "b" * 32)
    # Then the report is complete: every speaker finished once, with the times it reported
    assert report.complete
    assert report.summary.model_dump() == {"targeted": 40, "acked": 40, "played": 40, "failed": 0, "pending": 0}
    assert {s.started_at for s in report.speakers} == {start + timedelta(milliseconds=10)}
    # And each speaker's live state shows the command as finished
    states = fanout.registry(COMMUNE).states(datetime.now(UTC))
    assert {(s.last_command_id, s.last_command_state, s.playing) for s in states} == {
        (batch.command_id, "finished", False)
    }
    # When SQS delivers the first batch again (a timeout, at-least-once)
    assert devices_acks.handle_batch(_event(bodies[:100]), services) == {"batchItemFailures": []}
    # Then the report is the same
    assert fanout.report(COMMUNE, "b" * 32) == report


def test_an_older_ack_arriving_later_does_not_move_a_speaker_back(services, fanout):
    batch = _send(fanout)
    thing = "gp-spk-01a"
    finished = _body(batch.command_id, thing, "finished", batch.start_at + timedelta(seconds=2))
    received = _body(batch.command_id, thing, "received", batch.start_at - timedelta(seconds=1))
    devices_acks.handle_batch(_event([finished]), services)
    devices_acks.handle_batch(_event([received]), services)
    row = {s.thing: s for s in fanout.report(COMMUNE, "b" * 32).speakers}[thing]
    assert row.state == "finished"


def test_a_strangers_ack_and_a_malformed_message_are_dropped_without_retry(services, fanout, caplog):
    batch = _send(fanout)
    stranger = _body(batch.command_id, "bl-spk-01a", "started", batch.start_at)  # not a Giao Phong speaker
    spoofed = _body(batch.command_id, "gp-spk-02a", "started", batch.start_at) | {"topic_thing": "gp-spk-03a"}
    event = _event([stranger, spoofed])
    event["Records"].append(SAMPLE["Records"][0] | {"messageId": "junk", "body": "{not json"})
    result = devices_acks.handle_batch(event, services)
    # Then nothing comes back for retry, and no speaker's delivery moved
    assert result == {"batchItemFailures": []}
    assert {s.state for s in fanout.report(COMMUNE, "b" * 32).speakers} == {"sent"}
    assert any("not registered" in r.getMessage() for r in caplog.records)


def test_only_the_failing_communes_messages_are_retried(services, fanout, monkeypatch):
    # Given a batch with acks of Giao Phong and of a commune whose writes fail
    batch = _send(fanout)
    good = _body(batch.command_id, "gp-spk-01a", "started", batch.start_at)
    other = _body(batch.command_id, "gp-spk-01a", "started", batch.start_at, commune="bach-long")
    real = DeliveryStore.apply_acks

    def failing(self: DeliveryStore, acks: Any, live: Any = None) -> int:
        if self.commune_id == "bach-long":
            raise RuntimeError("throttled")
        return real(self, acks, live)

    monkeypatch.setattr(DeliveryStore, "apply_acks", failing)
    monkeypatch.setattr(type(fanout.registry("bach-long")), "things", lambda self: {"gp-spk-01a"})
    # When the function reads it
    result = devices_acks.handle_batch(_event([good, other]), services)
    # Then only the failing commune's message is handed back; Giao Phong's is recorded
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert {s.thing: s.state for s in fanout.report(COMMUNE, "b" * 32).speakers}["gp-spk-01a"] == "started"


def test_a_batch_that_meets_a_concurrent_write_still_records_every_ack(services, fanout, monkeypatch):
    # Given the rows of two speakers read by a batch, then written by another batch before this one commits
    batch = _send(fanout)
    store = DeliveryStore(COMMUNE)
    things = ["gp-spk-01a", "gp-spk-01b"]
    for thing in things:
        ack = CommandAck(command_id=batch.command_id, thing=thing, state="received", at=batch.start_at)
        store.apply_ack(ack, batch.start_at)
    real_batch_get = DeliveryItem.batch_get

    def stale_read(keys: Any, **kwargs: Any) -> Any:
        rows = list(real_batch_get(keys, **kwargs))
        for thing in things:  # the other batch wins the race
            later = CommandAck(
                command_id=batch.command_id, thing=thing, state="started", at=batch.start_at + timedelta(seconds=1)
            )
            DeliveryStore(COMMUNE).apply_ack(later, batch.start_at)
        return rows

    monkeypatch.setattr(DeliveryItem, "batch_get", stale_read)
    bodies = [_body(batch.command_id, t, "finished", batch.start_at + timedelta(seconds=3)) for t in things]
    # When this batch commits, its transaction fails on the rows' versions
    assert devices_acks.handle_batch(_event(bodies), services) == {"batchItemFailures": []}
    # Then its acks are applied one by one after all: both speakers finished, with the other batch's start time
    rows = {s.thing: s for s in fanout.report(COMMUNE, "b" * 32).speakers}
    for thing in things:
        assert rows[thing].state == "finished"
        assert rows[thing].started_at == batch.start_at + timedelta(seconds=1)
