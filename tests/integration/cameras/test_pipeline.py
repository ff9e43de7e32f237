"""A burst landing in S3 reaches the analysis function through the queue (S3 -> SQS -> function, as in AWS) and
becomes one camera event with its snapshot; a burst that cannot be read yet is retried alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from smartcommune.cameras.wiring import camera_bucket, camera_events, camera_registry
from tests.integration.cameras.conftest import COMMUNE, GATE, fudan, load_handler, queued, upload_burst

# 23:10 in Giao Phong (UTC+7): inside the school gate's night window (22:00-05:00)
NIGHT = datetime(2026, 11, 29, 16, 10, tzinfo=UTC)


@pytest.fixture
def analyse(cameras: Any) -> Any:
    module = load_handler("cameras_analyse")
    module.use_services(cameras)
    return module


def test_a_person_at_the_school_gate_at_night_is_one_event_with_a_snapshot(aws, settings, cameras, analyse):
    # Given the school-gate camera uploads a burst of a real street photo with people on the pavement at 23:10
    image = fudan("FudanPed00001")
    upload_burst(settings, GATE, NIGHT, [image, image, image], "231000-aaaa0001")
    # When S3's notification reaches the analysis function through the queue
    event = queued(aws, settings)
    assert len(event["Records"]) == 2  # S3's s3:TestEvent, then the manifest's notification
    answer = analyse.handle_batch(event, cameras)
    # Then nothing is retried, and the police have one event of the night rule, with people's boxes
    assert answer == {"batchItemFailures": []}
    page = cameras.get(camera_events).page(COMMUNE, GATE, None, 10)
    night = [e for e in page.items if e.rule_id == "gate-night"]
    assert len(night) == 1, [e.rule_id for e in page.items]
    found = night[0]
    assert found.severity == "severe" and found.labels == ["Person"] and found.boxes
    assert all(b.label == "Person" and b.confidence >= 50 for b in found.boxes)
    # And its snapshot crop exists twice: as taken (police only) and with faces blurred
    bucket = cameras.get(camera_bucket)
    raw = bucket.snapshot(COMMUNE, GATE, found.event_id, "raw")
    blurred = bucket.snapshot(COMMUNE, GATE, found.event_id, "blurred")
    assert raw[:3] == blurred[:3] == b"\xff\xd8\xff" and raw != blurred
    # And the camera counts the burst among today's uploads
    assert cameras.get(camera_registry).state(COMMUNE, GATE, NIGHT).uploads_today == 1


def test_the_same_burst_delivered_twice_makes_one_event(aws, settings, cameras, analyse):
    image = fudan("FudanPed00001")
    upload_burst(settings, GATE, NIGHT, [image, image], "231000-aaaa0002")
    event = queued(aws, settings)
    # SQS delivers at least once: the same notification twice (a lost delete, a redrive)
    analyse.handle_batch(event, cameras)
    analyse.handle_batch(event, cameras)
    events = cameras.get(camera_events).page(COMMUNE, GATE, None, 10).items
    assert [e.rule_id for e in events].count("gate-night") == 1


def test_a_burst_whose_frames_are_missing_is_retried_alone(aws, settings, cameras, analyse):
    image = fudan("FudanPed00002")
    # Given one burst whose frames arrived, and one whose manifest arrived before its frames
    upload_burst(settings, GATE, NIGHT, [image, image], "231000-aaaa0003")
    upload_burst(settings, "gp-cam-01", NIGHT, [image, image], "231000-bbbb0001", with_frames=False)
    event = queued(aws, settings)
    by_key = {r["messageId"]: r["body"] for r in event["Records"]}
    # When the batch is analysed
    answer = analyse.handle_batch(event, cameras)
    # Then only the incomplete burst's message is reported back, to come again after the visibility timeout
    (failure,) = answer["batchItemFailures"]
    assert "bbbb0001" in by_key[failure["itemIdentifier"]]
    # And the complete one was analysed
    assert any(e.rule_id == "gate-night" for e in cameras.get(camera_events).page(COMMUNE, GATE, None, 10).items)


def test_a_notification_for_another_cameras_prefix_is_dropped(aws, settings, cameras, analyse):
    # A manifest naming another camera than the prefix it was written under is refused, not retried forever
    from smartcommune.cameras.contracts import BurstManifest, ManifestFrame
    from smartcommune.core.aws import client

    key = "frames/giao-phong/gp-cam-02/2026-11-29/231000-cccc0001/burst.json"
    forged = BurstManifest(
        thing="gp-cam-05",
        commune_id=COMMUNE,
        burst_id="231000-cccc0001",
        day="2026-11-29",
        width=640,
        height=360,
        frames=[ManifestFrame(index=0, at=NIGHT)],
    )
    client("s3", settings).put_object(Bucket=settings.camera_bucket, Key=key, Body=forged.model_dump_json().encode())
    assert analyse.handle_batch(queued(aws, settings), cameras) == {"batchItemFailures": []}
    assert cameras.get(camera_events).page(COMMUNE, None, None, 10).items == []
