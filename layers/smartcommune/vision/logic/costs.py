"""The monthly AWS cost of one camera, from measured counts and published prices (pure arithmetic).

The edge agent gates motion and uploads only moving frames, at most ``upload_fps`` a second, batched in bursts
(one S3 object per burst); each burst is one SQS message and part of one Lambda batch that runs the CPU models.
Rekognition is an option for confirmation only: its cost counts the confirmations, never the frames.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Prices(BaseModel):
    """US dollars. AWS list prices (us-east-1; Lambda, S3 requests and SQS cost the same in ap-southeast-1)."""

    model_config = ConfigDict(frozen=True)

    as_of: str = "2025-01 (AWS public price pages; not re-checked from this offline machine)"
    lambda_gb_s_arm64: float = 0.0000133334
    lambda_request: float = 0.20 / 1_000_000
    s3_put: float = 0.005 / 1_000
    s3_get: float = 0.0004 / 1_000
    s3_gb_month: float = 0.025  # ap-southeast-1 S3 Standard
    sqs_request: float = 0.40 / 1_000_000
    dynamodb_write: float = 0.625 / 1_000_000  # on-demand, after the November 2024 reduction
    dynamodb_read: float = 0.125 / 1_000_000
    rekognition_image: float = 0.001  # DetectLabels, first million images a month


class CameraLoad(BaseModel):
    """What one camera makes the cloud do in an hour, measured on a replayed sequence."""

    model_config = ConfigDict(frozen=True)

    uploads_per_hour: float = Field(ge=0)
    """Frames uploaded (moving frames, throttled)."""
    bursts_per_hour: float = Field(ge=0)
    """S3 objects (one per burst of frames)."""
    function_s_per_upload: float = Field(ge=0)
    """Seconds of one vCPU the function spends per uploaded frame (decode, detect, track, rules)."""
    confirmations_per_hour: float = Field(ge=0)
    confirm_s: float = Field(ge=0)
    frame_kb: float = Field(default=45.0, ge=0)


class CostAssumptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    days: float = 30.0
    busy_hours_per_day: float = 14.0
    """Hours a day with the measured (daytime) motion; the others have the quiet load."""
    lambda_memory_gb: float = 1.769  # 1,769 MB is one full vCPU: the benchmark's one core
    lambda_batch: int = 10
    retention_days: float = 7.0
    rekognition_confirms: bool = False


def monthly_cost(
    busy: CameraLoad, quiet: CameraLoad, prices: Prices | None = None, assumptions: CostAssumptions | None = None
) -> dict[str, float]:
    """Dollars per camera-month, by item, and ``total``."""
    p = prices or Prices()
    a = assumptions or CostAssumptions()
    hours = {"busy": a.days * a.busy_hours_per_day, "quiet": a.days * (24 - a.busy_hours_per_day)}
    items = {"lambda_compute": 0.0, "lambda_requests": 0.0, "s3_put": 0.0, "s3_storage": 0.0, "sqs": 0.0}
    items |= {"dynamodb_state": 0.0, "rekognition": 0.0}
    for load, h in ((busy, hours["busy"]), (quiet, hours["quiet"])):
        uploads, bursts = load.uploads_per_hour * h, load.bursts_per_hour * h
        seconds = uploads * load.function_s_per_upload + load.confirmations_per_hour * h * load.confirm_s
        invocations = bursts / a.lambda_batch
        items["lambda_compute"] += seconds * a.lambda_memory_gb * p.lambda_gb_s_arm64
        items["lambda_requests"] += invocations * p.lambda_request
        items["s3_put"] += bursts * p.s3_put
        items["s3_storage"] += uploads * load.frame_kb / 1_048_576 * a.retention_days / 30 * p.s3_gb_month
        items["s3_storage"] += bursts * p.s3_get  # the function reads each burst once
        items["sqs"] += bursts * 3 * p.sqs_request  # send, receive, delete
        items["dynamodb_state"] += bursts * (p.dynamodb_read + 2 * p.dynamodb_write)  # the camera's state, ~2 KB
        if a.rekognition_confirms:
            items["rekognition"] += load.confirmations_per_hour * h * p.rekognition_image
    rounded = {k: round(v, 4) for k, v in items.items()}
    rounded["total"] = round(sum(items.values()), 2)
    return rounded
