"""Pure rules of the loudspeaker fabric: signatures, start time, ack state machine, retries, reports, IoT SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartcommune.devices.contracts import GeoPoint, PlayCommand, Speaker, commune_command_key, verify_command
from smartcommune.devices.logic import (
    DeliveryRow,
    RetryPolicy,
    build_command,
    choose_start_at,
    delivery_report,
    next_state,
)
from smartcommune_local.iot_rules import RuleSql, topic_matches

NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
KEY = commune_command_key("test-platform-secret-123", "giao-phong")


def _command(**kw: object) -> PlayCommand:
    args: dict[str, object] = {
        "key": KEY,
        "commune_id": "giao-phong",
        "bulletin_id": "b-1",
        "audio_url": "https://media/a.mp3",
        "audio_sha256": "a" * 64,
        "priority": "emergency",
        "volume": 90,
        "repeat": 2,
        "start_at": NOW,
        "expires_at": NOW + timedelta(minutes=5),
    } | kw
    return build_command(**args)  # type: ignore[arg-type]


def test_a_signed_command_survives_the_wire_and_any_change_breaks_it():
    command = _command()
    received = PlayCommand.model_validate_json(command.to_json())
    assert verify_command(received, KEY)
    assert not verify_command(received.model_copy(update={"volume": 100}), KEY)
    assert not verify_command(received, commune_command_key("test-platform-secret-123", "bach-long"))
    assert not verify_command(received.model_copy(update={"signature": ""}), KEY)


def test_start_is_a_little_in_the_future_and_grows_with_the_fan_out():
    emergency = choose_start_at(NOW, "emergency", 40)
    assert timedelta(0) < emergency - NOW < timedelta(seconds=1)
    assert choose_start_at(NOW, "emergency", 2000) > emergency
    assert choose_start_at(NOW, "normal", 40) > emergency
    assert choose_start_at(NOW, "emergency", 40, start_in_ms=0) == NOW


def test_acks_only_move_the_state_forward():
    assert next_state("sent", "received") == "received"
    assert next_state("started", "received") is None  # late, out of order
    assert next_state("started", "finished") == "finished"
    assert next_state("finished", "failed") is None
    assert next_state("sent", "duplicate") == "received"
    assert next_state("finished", "duplicate") is None
    assert next_state("received", "expired") == "expired"


def test_retries_back_off_and_stop_at_expiry_or_answer():
    policy = RetryPolicy(first_after_s=2, factor=2)
    expires = NOW + timedelta(minutes=1)
    assert not policy.due(
        state="sent", attempts=1, last_sent_at=NOW, expires_at=expires, now=NOW + timedelta(seconds=1)
    )
    assert policy.due(state="sent", attempts=1, last_sent_at=NOW, expires_at=expires, now=NOW + timedelta(seconds=2))
    assert not policy.due(
        state="sent", attempts=2, last_sent_at=NOW, expires_at=expires, now=NOW + timedelta(seconds=3)
    )
    assert not policy.due(state="received", attempts=1, last_sent_at=NOW, expires_at=expires, now=NOW + timedelta(30))
    assert not policy.due(state="sent", attempts=1, last_sent_at=NOW, expires_at=expires, now=expires)


def test_report_counts_and_expires_speakers_that_never_answered():
    registry = {
        t: Speaker(
            thing=t,
            commune_id="giao-phong",
            cluster_id="gp-cl-01",
            hamlet_id="dong-thanh",
            location=GeoPoint(lat=20, lon=106),
        )
        for t in ("gp-spk-01a", "gp-spk-01b")
    }
    rows = {"gp-spk-01a": DeliveryRow("gp-spk-01a", "finished", 1, NOW, NOW, NOW + timedelta(seconds=5))}
    kw = {
        "commune_id": "giao-phong",
        "bulletin_id": "b-1",
        "command_id": "c",
        "start_at": NOW,
        "targets": list(registry),
        "rows": rows,
        "registry": registry,
    }
    pending = delivery_report(expires_at=NOW + timedelta(minutes=5), now=NOW + timedelta(seconds=10), **kw)  # type: ignore[arg-type]
    assert pending.summary.model_dump() == {"targeted": 2, "acked": 1, "played": 1, "failed": 0, "pending": 1}
    assert not pending.complete
    late = delivery_report(expires_at=NOW + timedelta(minutes=5), now=NOW + timedelta(minutes=6), **kw)  # type: ignore[arg-type]
    assert late.complete and late.speakers[1].state == "expired" and late.summary.failed == 1


def test_iot_rule_sql_builds_the_event_iot_core_would():
    sql = RuleSql.parse(
        "SELECT *, topic(2) AS topic_commune, topic(4) AS topic_thing, topic(5) AS topic_kind, timestamp() AS "
        "received_ms FROM 'sc/+/speakers/+/ack'"
    )
    assert topic_matches(sql.topic_filter, "sc/giao-phong/speakers/gp-spk-01a/ack")
    assert not topic_matches(sql.topic_filter, "sc/giao-phong/speakers/gp-spk-01a/heartbeat")
    event = sql.event("sc/giao-phong/speakers/gp-spk-01a/ack", b'{"state": "started"}')
    assert event["topic_commune"] == "giao-phong" and event["topic_thing"] == "gp-spk-01a"
    assert event["topic_kind"] == "ack" and event["state"] == "started" and event["received_ms"] > 0


def test_a_speaker_stuck_before_its_outcome_is_asked_again_after_the_stall_time():
    policy = RetryPolicy(first_after_s=2, factor=2, stalled_after_s=120)
    start = NOW + timedelta(seconds=10)
    expires = NOW + timedelta(hours=1)
    kw = {"attempts": 1, "last_sent_at": NOW, "expires_at": expires, "start_at": start}
    # a speaker that acked "received" is playing or waiting its turn: not asked before the stall time
    assert not policy.due(state="received", now=start + timedelta(seconds=60), **kw)
    # its finished ack may have been lost: asked again (it answers with its outcome, never plays twice)
    assert policy.due(state="received", now=start + timedelta(seconds=121), **kw)
    assert policy.due(state="started", now=start + timedelta(seconds=121), **kw)
    assert not policy.due(state="finished", now=start + timedelta(seconds=121), **kw)
    assert not policy.due(state="started", now=expires, **kw)
