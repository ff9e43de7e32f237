"""Speaker uptime from heartbeats (devices_acks handler) and failed deliveries, read through the stats route."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from smartcommune.broadcast.wiring import broadcast_stats
from smartcommune.core.contracts import Role
from smartcommune_local.devices_demo import seed_devices
from smartcommune_local.template import REPO_ROOT
from tests.support.identities import auth, staff_token

THING = "gp-spk-01a"
HEARTBEAT_EVENT: dict[str, Any] = json.loads(
    Path(REPO_ROOT / "events" / "devices_acks" / "heartbeat.json").read_text(encoding="utf-8")
)

_spec = importlib.util.spec_from_file_location(
    "devices_acks_handler", REPO_ROOT / "functions" / "devices_acks" / "handler.py"
)
assert _spec is not None and _spec.loader is not None
devices_acks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(devices_acks)  # as Lambda loads it


def _heartbeat(services: Any, at: datetime, thing: str = THING, delay_ms: int = 40) -> dict[str, Any]:
    """What the IoT rule delivers for one heartbeat sent at ``at`` and received ``delay_ms`` later."""
    event = HEARTBEAT_EVENT | {
        "thing": thing,
        "topic_thing": thing,
        "at": at.isoformat().replace("+00:00", "Z"),
        "received_ms": int(at.timestamp() * 1000) + delay_ms,
    }
    return devices_acks.handle(event, services)


def _stats(api: Any, token: str, query: str = "?month=2026-11", thing: str = THING) -> Any:
    return api.http.get(f"/devices/speakers/{thing}/stats{query}", headers=auth(token))


def test_heartbeats_become_uptime_per_day_and_month_with_failed_deliveries(api, services, clock):
    seed_devices(services)
    token = staff_token(services, Role.CULTURE)
    # Given a speaker that heartbeats every 30 s for 20 minutes from 08:00 Vietnam time on 29/11/2026
    start = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    for n in range(40):
        assert _heartbeat(services, start + timedelta(seconds=30 * n))["ok"]
    # And the IoT rule delivers one heartbeat twice, and the speaker sends an extra one inside a slot
    _heartbeat(services, start + timedelta(seconds=60))
    _heartbeat(services, start + timedelta(seconds=75))
    # And one heartbeat at 23:59:45 Vietnam time the day before (16:59:45 UTC) counts on that Vietnamese day
    _heartbeat(services, datetime(2026, 11, 28, 16, 59, 45, tzinfo=UTC))
    # And the broadcast statistics counted two failed deliveries to it that day
    for n in range(2):
        services.get(broadcast_stats).record(
            commune_id="giao-phong",
            bulletin_id=f"b-{n}",
            command_id=f"cmd-{n}",
            day="2026-11-29",
            rows=[(THING, "gp-cl-01", "failed"), ("gp-spk-01b", "gp-cl-01", "finished")],
            duration_s=10.0,
        )
    # When staff read the month's statistics at 09:00 Vietnam time
    clock.now = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    response = _stats(api, token)
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    days = {d["day"]: d for d in body["days"]}
    # Then the day shows 20 minutes up (each 30 s counted once) out of the 9 hours elapsed, and the failures
    assert len(days) == 30
    assert days["2026-11-29"] == {"day": "2026-11-29", "uptime_pct": 3.7, "uptime_s": 1200, "failed": 2}
    assert days["2026-11-28"]["uptime_s"] == 30 and days["2026-11-28"]["failed"] == 0
    assert days["2026-11-27"]["uptime_pct"] == 0.0
    # And a day still to come has no percentage
    assert days["2026-11-30"]["uptime_pct"] is None
    # And the month adds it all up
    assert body["month"]["uptime_s"] == 1230
    assert body["month"]["failed"] == 2
    assert body["month"]["uptime_pct"] == round(100 * 1230 / ((28 * 24 + 9) * 3600), 1)
    # And the neighbour speaker, which played, has no failure and no uptime
    other = json.loads(_stats(api, token, thing="gp-spk-01b").body)
    assert other["month"] == {"uptime_pct": 0.0, "uptime_s": 0, "failed": 0}


def test_default_month_unknown_speaker_and_bad_month(api, services, clock):
    seed_devices(services)
    token = staff_token(services, Role.ADMIN)
    _heartbeat(services, clock())
    # Without ?month the current month (Vietnam time) is shown
    body = json.loads(_stats(api, token, query="").body)
    assert body["period"] == "2026-11" and body["month"]["uptime_s"] == 30
    # A thing that is not one of the commune's speakers is 404; a malformed month 422
    assert _stats(api, token, thing="bl-spk-01a").status_code == 404
    assert _stats(api, token, query="?month=2026-13").status_code == 422


def test_heartbeats_of_an_unregistered_thing_count_nothing(api, services, clock):
    seed_devices(services)
    token = staff_token(services, Role.ADMIN)
    # Given a heartbeat from a thing name the registry does not know: refused
    assert _heartbeat(services, clock(), thing="gp-spk-99z") == {"ok": False, "reason": "unknown thing"}
    # Then it has no statistics at all
    assert _stats(api, token, thing="gp-spk-99z").status_code == 404
