"""The 2025 reorganisation replayed on a running stack of its own: the demo's communes become part of Giao Ninh and
Giao Bình, and the 40 speakers, re-provisioned by the replay onto Giao Ninh's topics and key, play the new
commune's bulletin over real MQTT on those topics — also after a restart; every audit chain — the sealed old ones
and the new ones — verifies; the old commune's links answer with the new commune."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smartcommune.devices.contracts import ACK_TOPIC_FILTER, parse_topic
from smartcommune.devices.storage.mqtt import MqttClient, TlsFiles
from smartcommune_local.demo_data import DEMO_PASSWORD
from smartcommune_local.pki import platform_tls_settings
from tests.e2e.conftest import LocalStackHandle

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackHandle]:
    """A stack only this module changes (the merger would change every other test's world)."""
    handle = LocalStackHandle(Path(tmp_path_factory.mktemp("merger-stack")) / "data")
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()


class AckWatch:
    """Which topics the speakers' acks come on: the platform's identity may read every speaker's acks."""

    def __init__(self, stack: LocalStackHandle) -> None:
        tls = platform_tls_settings(stack.data_dir)
        files = TlsFiles(tls["mqtt_cert_path"], tls["mqtt_key_path"], tls["mqtt_ca_path"])
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self.client = MqttClient(
            "127.0.0.1", stack.mqtt_port, "e2e-ack-watch", tls=files, clean_session=True, on_message=self._on
        )
        self.client.connect()
        self.client.subscribe(ACK_TOPIC_FILTER)

    def _on(self, topic: str, payload: bytes) -> None:
        with self._lock:
            self.seen.append((topic, json.loads(payload)))

    def communes(self, command_id: str, state: str = "finished") -> dict[str, str]:
        """thing -> the commune of the topic its ``state`` ack of ``command_id`` came on."""
        deadline = time.monotonic() + 5  # the report may be complete a moment before this copy arrived
        while True:
            with self._lock:
                out = {
                    parse_topic(t)[1]: parse_topic(t)[0]
                    for t, a in self.seen
                    if a.get("command_id") == command_id and a.get("state") == state
                }
            if len(out) >= 40 or time.monotonic() > deadline:
                return out
            time.sleep(0.1)

    def close(self) -> None:
        self.client.disconnect()


def _broadcast(stack: LocalStackHandle, text: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Send an emergency to every speaker and wait for its report; also which topics their acks came on."""
    watch = AckWatch(stack)
    try:
        result = stack.cli(
            "broadcast", "--text", text, "--priority", "emergency", "--target", "all", "--wait", "--timeout", "45"
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        report = json.loads(result.stdout)
        return report, watch.communes(report["command_id"])
    finally:
        watch.close()


def test_after_the_2025_mergers_the_speakers_move_to_the_new_communes_topics_and_play_there(own_stack):
    # When the reorganisation of 1/7/2025 is replayed on the demo data (and its speakers re-provisioned)
    # (every record of both demo communes moves: ~30 s on the moto server alone, minutes when the suite loads it)
    started = time.monotonic()
    replay = own_stack.cli("communes", "replay-2025", timeout_s=600)
    replay_s = time.monotonic() - started
    assert replay.returncode == 0, replay.stdout[-2000:] + replay.stderr[-2000:]
    printed = [json.loads(line) for line in replay.stdout.splitlines() if line.startswith("{")]
    summaries = [s for s in printed if "new_commune" in s]
    moves = {s["commune_id"]: s for s in printed if "reprovisioned" in s}
    assert [s["new_commune"] for s in summaries] == ["giao-ninh", "giao-binh"]
    assert all(s["state"] == "done" and s["lost"] == 0 for s in summaries)
    assert summaries[0]["moved"]["speaker"] == 40 and summaries[0]["moved"]["citizen"] > 0
    # and all 40 speakers switched to Giao Ninh's topics and key (Bạch Long had none)
    ninh = moves["giao-ninh"]
    assert (ninh["speakers"], ninh["reprovisioned"], ninh["pending"], ninh["failed"]) == (40, 40, 0, 0), ninh
    assert moves["giao-binh"]["speakers"] == 0
    print(f"\nreplay-2025 with re-provisioning: {replay_s:.1f} s; re-provisioning 40 speakers: {ninh['elapsed_s']} s")
    # Then an old commune's address answers with the commune it is part of now
    status, _, commune = own_stack.get(f"{own_stack.api_url}/communes/giao-phong")
    assert status == 200 and (commune["id"], commune["name"], commune["province_id"]) == (
        "giao-ninh",
        "Xã Giao Ninh",
        "ninh-binh",
    )
    assert commune["predecessors"] == ["giao-phong"]
    # and Giao Phong's officials (now Giao Ninh's) broadcast to the speakers, which now listen on Giao Ninh's
    # topics with Giao Ninh's key: all 40 play it once, and answer on the new topics
    notice = "Thông báo: từ ngày 1/7/2025 xã Giao Phong thuộc xã Giao Ninh, tỉnh Ninh Bình."
    report, topics = _broadcast(own_stack, notice)
    assert report["commune_id"] == "giao-ninh"
    assert report["summary"] == {"targeted": 40, "acked": 40, "played": 40, "failed": 0, "pending": 0}
    assert len(topics) == 40 and set(topics.values()) == {"giao-ninh"}
    # and every chain verifies: the sealed Giao Phong and Bạch Long chains and the new communes' chains
    verify = own_stack.cli("audit", "verify")
    assert verify.returncode == 0, verify.stdout
    lines = verify.stdout.splitlines()
    for commune_id in ("giao-phong", "bach-long", "giao-ninh", "giao-binh"):
        assert any(line.startswith(f"{commune_id}: OK") for line in lines), verify.stdout
    # and running the replay again changes nothing
    again = own_stack.cli("communes", "replay-2025", timeout_s=300)
    assert again.returncode == 0
    rerun = [json.loads(x) for x in again.stdout.splitlines() if x.startswith("{")]
    assert [s["moved"] for s in rerun if "new_commune" in s] == [s["moved"] for s in summaries]
    ninh_again = next(s for s in rerun if s.get("commune_id") == "giao-ninh" and "reprovisioned" in s)
    assert (ninh_again["already"], ninh_again["reprovisioned"], ninh_again["pending"]) == (40, 0, 0)
    # and a restart seeds nothing under the merged communes again: the same 40 speakers, the same feedback
    status, _, login = own_stack.post(
        f"{own_stack.api_url}/auth/staff/login", {"username": "gp.office", "password": DEMO_PASSWORD}
    )
    assert status == 200 and login["principal"]["commune_id"] == "giao-ninh"
    inbox = own_stack.get(f"{own_stack.api_url}/staff/feedback?limit=1", login["token"])[2]["counts"]["by_status"]
    own_stack.restart()
    status, _, speakers = own_stack.get(f"{own_stack.api_url}/communes/giao-ninh/speakers/summary")
    assert status == 200 and speakers["total"] == 40
    status, _, login = own_stack.post(
        f"{own_stack.api_url}/auth/staff/login", {"username": "gp.office", "password": DEMO_PASSWORD}
    )
    after = own_stack.get(f"{own_stack.api_url}/staff/feedback?limit=1", login["token"])[2]["counts"]["by_status"]
    assert after == inbox
    # and after the restart the speakers are still on Giao Ninh's topics (their state files, the broker's ACL
    # made from the registry): a second bulletin plays on all 40 there
    report, topics = _broadcast(own_stack, "Kiểm tra hệ thống loa sau khi khởi động lại.")
    assert report["summary"]["played"] == 40 and set(topics.values()) == {"giao-ninh"}
