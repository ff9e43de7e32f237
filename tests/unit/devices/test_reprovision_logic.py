"""Re-provisioning's pure parts: the sealed key, the signed command, who is due, where each speaker stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smartcommune.devices.contracts import ReprovisionCommand, commune_command_key, verify_command
from smartcommune.devices.logic import DeliveryRow
from smartcommune.devices.logic.reprovision import (
    DROP_OLD_AFTER_S,
    REPROVISION_RETRY,
    RunState,
    SealError,
    SpeakerPosition,
    classify,
    droppable,
    granted_namespaces,
    new_plan,
    open_sealed_key,
    seal_key,
    signed_command,
    summary,
    unsealed_command,
)

NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
SECRET = "a-test-master-secret-of-the-platform"
OLD, NEW = commune_command_key(SECRET, "giao-phong"), commune_command_key(SECRET, "giao-ninh")
CID = "00000000-0000-4000-8000-000000000001"
PLAN = new_plan(CID, "giao-ninh", NOW)


def _sealed_command(thing: str = "gp-spk-01a", key: bytes = OLD) -> ReprovisionCommand:
    command = unsealed_command(PLAN, thing, "giao-phong")
    return signed_command(PLAN, thing, "giao-phong", seal_key(key, command, NEW), key)


def test_the_sealed_key_opens_with_the_old_commune_key_for_its_own_thing_only():
    command = _sealed_command()
    # The new key is not in the message
    assert NEW.hex() not in command.to_json().decode() and NEW not in command.to_json()
    # It opens with the old commune's key, for this thing, in this command
    assert open_sealed_key(OLD, command) == NEW
    # and not with another commune's key
    with pytest.raises(SealError):
        open_sealed_key(commune_command_key(SECRET, "bach-long"), command)
    # nor when the command is replayed to another speaker, another run or another commune
    for change in ({"thing": "gp-spk-01b"}, {"command_id": CID[:-1] + "2"}, {"new_commune_id": "bach-long"}):
        with pytest.raises(SealError):
            open_sealed_key(OLD, command.model_copy(update=change))
    # nor once a byte of it changed
    altered = command.sealed_key[:-2] + ("A" if command.sealed_key[-2] != "A" else "B") + command.sealed_key[-1]
    with pytest.raises(SealError):
        open_sealed_key(OLD, command.model_copy(update={"sealed_key": altered}))


def test_the_command_is_signed_with_the_old_key_and_carries_the_switch_rule():
    command = _sealed_command()
    assert verify_command(command, OLD) and not verify_command(command, NEW)
    assert (command.commune_id, command.new_commune_id, command.switch) == ("giao-phong", "giao-ninh", "new-first")
    # the speaker keeps its old topics past the last retry
    assert command.keep_old_until > command.expires_at > NOW
    # a retry rebuilds the very same command from the stored sealed key (no cryptography needed there)
    again = signed_command(PLAN, "gp-spk-01a", "giao-phong", command.sealed_key, OLD)
    assert again.to_json() == command.to_json()


def test_the_retry_policy_keeps_asking_an_offline_speaker_for_the_whole_week():
    intervals = [REPROVISION_RETRY.interval_s(n) for n in range(1, REPROVISION_RETRY.max_attempts)]
    assert max(intervals) == 300
    assert sum(intervals) >= (PLAN.expires_at - PLAN.start_at).total_seconds()


def test_granted_namespaces_are_current_then_pending_then_previous_at_most_two():
    assert granted_namespaces("giao-phong") == ["giao-phong"]
    assert granted_namespaces("giao-phong", "giao-ninh") == ["giao-phong", "giao-ninh"]
    assert granted_namespaces("giao-ninh", None, "giao-phong") == ["giao-ninh", "giao-phong"]
    assert granted_namespaces("giao-ninh", "giao-ninh", None) == ["giao-ninh"]
    assert granted_namespaces("a-1", "b-2", "c-3") == ["a-1", "b-2"]


def _pos(thing: str, namespace: str, cid: str | None = None, **kw) -> SpeakerPosition:
    return SpeakerPosition(thing=thing, namespace=namespace, pending_command_id=cid, **kw)


def test_classify_sorts_speakers_into_fresh_pending_failed_and_done():
    speakers = [
        _pos("gp-spk-01a", "giao-ninh"),  # already switched
        _pos("gp-spk-01b", "giao-phong"),  # never sent
        _pos("gp-spk-02a", "giao-phong", CID),  # sent, no ack
        _pos("gp-spk-02b", "giao-phong", CID),  # refused
        _pos("gp-spk-03a", "giao-phong", CID),  # acked, flip under way
        _pos("gp-spk-03b", "giao-phong", "00000000-0000-4000-8000-00000000dead"),  # a run that is gone
    ]
    rows = {
        "gp-spk-02a": DeliveryRow("gp-spk-02a", state="received"),
        "gp-spk-02b": DeliveryRow("gp-spk-02b", state="failed", detail="sealed key does not open"),
        "gp-spk-03a": DeliveryRow("gp-spk-03a", state="finished"),
    }
    standing = classify("giao-ninh", speakers, {CID: RunState(PLAN.expires_at, rows)}, NOW)
    assert standing.on_new == ["gp-spk-01a"]
    assert standing.fresh == ["gp-spk-01b", "gp-spk-03b"]
    assert standing.pending == ["gp-spk-02a", "gp-spk-03a"]
    assert standing.resend == {CID: ["gp-spk-02a"]}
    assert standing.failed == {"gp-spk-02b": "sealed key does not open"}
    # a week later the silent one has failed: it stays on its old topics and is reported
    later = classify("giao-ninh", speakers, {CID: RunState(PLAN.expires_at, rows)}, PLAN.expires_at)
    assert "gp-spk-02a" in later.failed and not later.resend


def test_the_summary_counts_this_steps_switches_apart_from_earlier_ones():
    positions = {
        "gp-spk-01a": _pos("gp-spk-01a", "giao-ninh", reprovisioned_at=NOW + timedelta(seconds=2)),
        "gp-spk-01b": _pos("gp-spk-01b", "giao-ninh", reprovisioned_at=NOW - timedelta(days=1)),
        "gp-spk-02a": _pos("gp-spk-02a", "giao-ninh"),
        "gp-spk-02b": _pos("gp-spk-02b", "giao-phong", CID),
    }
    standing = classify("giao-ninh", positions.values(), {CID: RunState(PLAN.expires_at, {})}, NOW)
    out = summary("giao-ninh", standing, positions, since=NOW, command_ids=[CID], elapsed_s=1.5)
    assert (out.speakers, out.reprovisioned, out.already, out.pending, out.failed) == (4, 1, 2, 1, 0)
    assert out.pending_things == ["gp-spk-02b"] and out.command_ids == [CID]


def test_old_topics_are_dropped_only_an_hour_after_the_switch():
    switched = _pos("gp-spk-01a", "giao-ninh", previous="giao-phong", reprovisioned_at=NOW)
    assert droppable([switched], NOW + timedelta(minutes=59)) == []
    assert droppable([switched], NOW + timedelta(seconds=DROP_OLD_AFTER_S)) == ["gp-spk-01a"]
    assert droppable([_pos("gp-spk-01b", "giao-ninh")], NOW + timedelta(days=2)) == []
