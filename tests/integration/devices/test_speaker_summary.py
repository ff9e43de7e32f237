"""The public count of a commune's loudspeakers online, which the operations dashboard shows on its tile."""

from __future__ import annotations

import json
from datetime import UTC

from smartcommune_local.devices_demo import seed_devices
from tests.integration.devices.test_speaker_stats import _heartbeat
from tests.support.identities import ensure_demo_communes


def test_anyone_reads_how_many_speakers_answer_and_nothing_more(api, services, clock):
    # Given Giao Phong's 40 demo speakers, of which two have just sent a heartbeat
    ensure_demo_communes(services)
    seed_devices(services)
    now = clock().astimezone(UTC)
    for thing in ("gp-spk-01a", "gp-spk-02b"):
        assert _heartbeat(services, now, thing=thing)["ok"]
    # When anyone, signed in or not, asks for the commune's speaker summary
    response = api.http.get("/communes/giao-phong/speakers/summary")
    # Then it counts 2 online of 40, and lists no speaker
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    assert body == {"commune_id": "giao-phong", "online": 2, "total": 40, "playing": 0}
    # And an unknown commune is not found, in Vietnamese and English
    missing = api.http.get("/communes/khong-co/speakers/summary")
    assert missing.status_code == 404
    error = json.loads(missing.body)["error"]
    assert error["message"] and error["message_en"]
