"""Records the platform writes while it runs (a camera's day counter, created by an update rather than a put) are
typed like every other record, so a merger after them moves them and finishes (the 2025 replay on a running stack
once stopped at "Record type '?' declares no merge policy")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3

from smartcommune.cameras.wiring import camera_events
from smartcommune.communes.contracts import MergeRequest
from smartcommune.composition import commune_merger
from tests.integration.cameras.test_police_api import _event


def test_a_merger_after_camera_events_moves_their_day_counter_and_finishes(api: Any, cameras: Any, settings: Any):
    # Given a camera event at Giao Phong's school gate (its day counter is created by the event's transaction)
    found = _event(cameras)
    table = boto3.resource("dynamodb", region_name=settings.aws_region).Table(settings.table_name)
    day = found.at.astimezone(dt.timezone(dt.timedelta(hours=7))).date().isoformat()
    counters = table.query(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :day)",
        ExpressionAttributeValues={":pk": "C#giao-phong#CAMSTATS", ":day": f"DAY#{day}"},
    )["Items"]
    assert counters and all(c.get("type") and c.get("TENANT") == "giao-phong" for c in counters), counters
    # When Giao Phong is merged into a new commune
    request = MergeRequest(
        new_id="giao-phong-moi",
        name="Xã Giao Phong Mới",
        province_id="ninh-binh",
        province="Tỉnh Ninh Bình",
        effective=dt.date(2025, 7, 1),
        old_ids=["giao-phong"],
    )
    summary = cameras.get(commune_merger).merge(request)
    # Then it finishes with nothing lost, and the event is the new commune's
    assert summary.lost == 0
    moved = cameras.get(camera_events).get("giao-phong-moi", found.event_id)
    assert moved.event_id == found.event_id
