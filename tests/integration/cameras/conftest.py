"""A seeded Giao Phong with its demo cameras, and bursts uploaded to the camera bucket as the agent uploads them."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from smartcommune.cameras.contracts import BurstManifest, ManifestFrame, frame_key, manifest_key
from smartcommune.core.aws import client
from smartcommune_local.cameras_demo import FOOTAGE_DIR, seed_cameras
from smartcommune_local.template import REPO_ROOT
from smartcommune_local.triggers import sqs_event
from tests.support.identities import ensure_demo_communes

COMMUNE = "giao-phong"
GATE = "gp-cam-05"  # the school gate: a night rule on its pavement


@pytest.fixture
def cameras(services: Any) -> Any:
    ensure_demo_communes(services)
    seed_cameras(services)
    return services


def fudan(name: str) -> bytes:
    return (FOOTAGE_DIR / "images" / f"{name}.jpg").read_bytes()


def upload_burst(
    settings: Any, thing: str, start: datetime, images: list[bytes], burst_id: str, *, with_frames: bool = True
) -> str:
    """Frames then the manifest, as the edge agent uploads them (the manifest's arrival notifies the queue)."""
    s3 = client("s3", settings)
    day = start.strftime("%Y-%m-%d")
    if with_frames:
        for i, body in enumerate(images):
            s3.put_object(Bucket=settings.camera_bucket, Key=frame_key(COMMUNE, thing, day, burst_id, i), Body=body)
    manifest = BurstManifest(
        thing=thing,
        commune_id=COMMUNE,
        burst_id=burst_id,
        day=day,
        width=640,
        height=360,
        frames=[ManifestFrame(index=i, at=start + timedelta(seconds=0.5 * i)) for i in range(len(images))],
    )
    key = manifest_key(COMMUNE, thing, day, burst_id)
    s3.put_object(Bucket=settings.camera_bucket, Key=key, Body=manifest.model_dump_json().encode())
    return key


def queued(aws: Any, settings: Any) -> dict[str, Any]:
    """What the burst queue holds, as the SQS event Lambda would deliver (S3's test event included)."""
    sqs = client("sqs", settings)
    url = aws.refs["CameraBurstQueue"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
    return sqs_event(messages, aws.arns["CameraBurstQueue"], settings.aws_region)


def load_handler(name: str) -> Any:
    path = Path(REPO_ROOT) / "functions" / name / "handler.py"
    spec = importlib.util.spec_from_file_location(f"test_fn_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
