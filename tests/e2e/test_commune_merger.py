"""The 2025 reorganisation replayed on a running stack of its own: the demo's communes become part of Giao Ninh and
Giao Bình, and the speakers (never touched) still play the new commune's bulletin over real MQTT; every audit
chain — the sealed old ones and the new ones — verifies; the old commune's links answer with the new commune."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smartcommune_local.demo_data import DEMO_PASSWORD
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


def test_after_the_2025_mergers_the_old_speakers_play_the_new_communes_bulletin(own_stack):
    # When the reorganisation of 1/7/2025 is replayed on the demo data
    # (every record of both demo communes moves: ~30 s on the moto server alone, minutes when the suite loads it)
    started = time.monotonic()
    replay = own_stack.cli("communes", "replay-2025", timeout_s=600)
    print(f"replay-2025 took {time.monotonic() - started:.0f} s")
    assert replay.returncode == 0, replay.stdout[-2000:] + replay.stderr[-2000:]
    summaries = [json.loads(line) for line in replay.stdout.splitlines() if line.startswith("{")]
    assert [s["new_commune"] for s in summaries] == ["giao-ninh", "giao-binh"]
    assert all(s["state"] == "done" and s["lost"] == 0 for s in summaries)
    assert summaries[0]["moved"]["speaker"] == 40 and summaries[0]["moved"]["citizen"] > 0
    # Then an old commune's address answers with the commune it is part of now
    status, _, commune = own_stack.get(f"{own_stack.api_url}/communes/giao-phong")
    assert status == 200 and (commune["id"], commune["name"], commune["province_id"]) == (
        "giao-ninh",
        "Xã Giao Ninh",
        "ninh-binh",
    )
    assert commune["predecessors"] == ["giao-phong"]
    # and Giao Phong's officials (now Giao Ninh's) broadcast to the speakers, which still listen on Giao Phong's
    # topics with Giao Phong's key: all 40 play it once
    result = own_stack.cli(
        "broadcast",
        "--text",
        "Thông báo: từ ngày 1/7/2025 xã Giao Phong thuộc xã Giao Ninh, tỉnh Ninh Bình.",
        "--priority",
        "emergency",
        "--target",
        "all",
        "--wait",
        "--timeout",
        "45",
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["commune_id"] == "giao-ninh"
    assert report["summary"] == {"targeted": 40, "acked": 40, "played": 40, "failed": 0, "pending": 0}
    # and every chain verifies: the sealed Giao Phong and Bạch Long chains and the new communes' chains
    verify = own_stack.cli("audit", "verify")
    assert verify.returncode == 0, verify.stdout
    lines = verify.stdout.splitlines()
    for commune_id in ("giao-phong", "bach-long", "giao-ninh", "giao-binh"):
        assert any(line.startswith(f"{commune_id}: OK") for line in lines), verify.stdout
    # and running the replay again changes nothing
    again = own_stack.cli("communes", "replay-2025", timeout_s=300)
    assert again.returncode == 0
    assert [json.loads(x)["moved"] for x in again.stdout.splitlines() if x.startswith("{")] == [
        s["moved"] for s in summaries
    ]
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
