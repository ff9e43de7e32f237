"""The every-minute scheduler Lambda plays recurring programs at their Vietnam-time slots, once each."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

from smartcommune.broadcast.wiring import bulletin_repository
from smartcommune.core.contracts import Role
from tests.integration.broadcast.test_bulletins_api import _draft, _post, fanout, people  # noqa: F401 - fixtures
from tests.support.identities import auth, staff_token

ROOT = Path(__file__).resolve().parents[3]


def _handler():
    spec = importlib.util.spec_from_file_location(
        "broadcast_scheduler_handler", ROOT / "functions/broadcast_scheduler/handler.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_daily_news_plays_at_six_vietnam_time_once(api, people, fanout, services, clock):  # noqa: F811
    # Given the daily news at 06:00 and 17:00 (VN) on 30/11 and 01/12, approved
    schedule = {"kind": "recurring", "times": ["17:00", "06:00"], "start_date": "2026-11-30", "end_date": "2026-12-01"}
    draft = _draft(api, people["editor"], priority="normal", schedule=schedule)
    approved = json.loads(_post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["approver"]).body)
    assert datetime.fromisoformat(approved["next_play_at"]) == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    # When the scheduler runs for 23:00 UTC (06:00 on 30/11 in Vietnam), twice
    event = json.loads((ROOT / "events/broadcast_scheduler/every_minute.json").read_text())
    clock.now = datetime(2026, 11, 29, 23, 0, 5, tzinfo=UTC)
    module = _handler()
    first = module.run(event, services)
    second = module.run(event, services)
    # Then it played once, to every speaker, and the next slot is 17:00 the same day
    assert first["played"] == [draft["id"]] and second["played"] == []
    assert len(fanout.sent) == 1 and len(fanout.sent[0]["targets"]) == 10
    after = services.get(bulletin_repository).get("giao-phong", draft["id"])
    assert after is not None and after.plays == 1
    assert after.next_play_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    # And the completed delivery is counted in the day's statistics
    assert first["reports_counted"] == 1
    fresh = staff_token(services, Role.OFFICE, username="gp.office")
    stats = json.loads(api.http.get("/broadcast/statistics?start=2026-11-30&period=month", headers=auth(fresh)).body)
    assert stats["rows"][0]["programs_aired"] == 1
