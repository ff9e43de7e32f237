"""Raw frames are kept only as long as the retention setting says; event snapshots longer. The local sweep applies
the camera bucket's own lifecycle rules (the ones template.yaml declares), on its schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from smartcommune.core.aws import client
from smartcommune_local.template import load_template
from tests.integration.cameras.conftest import load_handler


class At:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_the_template_keeps_raw_frames_for_the_retention_setting_and_snapshots_a_year():
    bucket = load_template()["Resources"]["CameraBucket"]["Properties"]
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["RawFrames"]["Prefix"] == "frames/"
    assert rules["RawFrames"]["ExpirationInDays"] == {"Ref": "CameraFrameRetentionDays"}
    assert rules["EventSnapshots"]["Prefix"] == "events/" and rules["EventSnapshots"]["ExpirationInDays"] == 365


def test_the_sweep_deletes_raw_frames_past_retention_and_keeps_event_snapshots(aws, settings, services: Any):
    s3 = client("s3", settings)
    frame = "frames/giao-phong/gp-cam-01/2026-11-29/010000-aaaa0001/00.jpg"
    snapshot = "events/giao-phong/gp-cam-01/ev1/raw.jpg"
    for key in (frame, snapshot):
        s3.put_object(Bucket=settings.camera_bucket, Key=key, Body=b"\xff\xd8\xff")
    uploaded = s3.head_object(Bucket=settings.camera_bucket, Key=frame)["LastModified"].astimezone(UTC)
    sweep = load_handler("cameras_retention")
    sweep.use_services(services)
    # Six days later (the default setting is seven) both are still there
    services.clock = At(uploaded + timedelta(days=6))
    assert sweep.handle(services)["deleted"] == {"RawFrames": 0, "EventSnapshots": 0}
    # Past seven days (rounded to the next midnight UTC, as S3 counts) the raw frame is gone, the snapshot stays
    services.clock = At(uploaded + timedelta(days=8))
    assert sweep.handle(services)["deleted"] == {"RawFrames": 1, "EventSnapshots": 0}
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=settings.camera_bucket).get("Contents", [])]
    assert keys == [snapshot]
