"""The camera bucket: upload grants (presigned POST per camera prefix), frames and manifests, event snapshots,
short-lived links for viewing, and the retention sweep.

Why presigned POST: a POST policy can bind a key *prefix* (``starts-with``), the content type and a size range,
so one grant lets a camera upload every burst of the next hour under its own prefix only, with one MQTT
round-trip an hour instead of one per frame. moto does not check presigned policies, so the constraints the
policy states are checked again where frames are read (size and JPEG magic, ``frame``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from smartcommune.cameras.contracts import (
    EVENT_PREFIX,
    MAX_FRAME_BYTES,
    BurstManifest,
    UploadGrant,
    camera_prefix,
    parse_frame_key,
)
from smartcommune.cameras.logic.retention import expired, expiry_rules
from smartcommune.core.errors import InvalidInputError

GRANT_S = 3600
JPEG_MAGIC = b"\xff\xd8\xff"


def snapshot_key(commune_id: str, thing: str, event_id: str, variant: str) -> str:
    return f"{EVENT_PREFIX}{commune_id}/{thing}/{event_id}/{variant}.jpg"


class CameraBucket:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    # -- uploads

    def grant(self, commune_id: str, thing: str, request_id: str, now: datetime) -> UploadGrant:
        prefix = camera_prefix(commune_id, thing)
        post = self._s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=prefix + "${filename}",
            Fields={"Content-Type": "image/jpeg"},
            Conditions=[
                ["starts-with", "$key", prefix],
                {"Content-Type": "image/jpeg"},
                ["content-length-range", 1, MAX_FRAME_BYTES],
            ],
            ExpiresIn=GRANT_S,
        )
        fields = {k: str(v) for k, v in post["fields"].items() if k != "key"}
        return UploadGrant(
            request_id=request_id,
            url=post["url"],
            fields=fields,
            prefix=prefix,
            expires_at=now + timedelta(seconds=GRANT_S),
        )

    # -- reading what cameras uploaded

    def manifest(self, key: str) -> BurstManifest:
        commune_id, thing = parse_frame_key(key)
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read(64 * 1024)
        manifest = BurstManifest.model_validate(json.loads(body))
        if (manifest.commune_id, manifest.thing) != (commune_id, thing):  # a camera writes under its own prefix only
            raise InvalidInputError("Bản kê không khớp camera.", "The manifest names another camera.")
        return manifest

    def frame(self, key: str) -> bytes:
        head = self._s3.head_object(Bucket=self.bucket, Key=key)
        if int(head["ContentLength"]) > MAX_FRAME_BYTES:
            raise InvalidInputError("Ảnh quá lớn.", "Frame too large.")
        body: bytes = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        if not body.startswith(JPEG_MAGIC):
            raise InvalidInputError("Không phải ảnh JPEG.", "Not a JPEG frame.")
        return body

    # -- snapshots

    def put_snapshot(self, commune_id: str, thing: str, event_id: str, raw: bytes, blurred: bytes) -> None:
        for variant, body in (("raw", raw), ("blurred", blurred)):
            self._s3.put_object(
                Bucket=self.bucket,
                Key=snapshot_key(commune_id, thing, event_id, variant),
                Body=body,
                ContentType="image/jpeg",
            )

    def snapshot(self, commune_id: str, thing: str, event_id: str, variant: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self.bucket, Key=snapshot_key(commune_id, thing, event_id, variant))[
            "Body"
        ].read()
        return body

    def link(self, key: str, expires_s: int) -> str:
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )
        return url

    # -- retention (the local stand-in for S3 lifecycle)

    def sweep(self, now: datetime) -> dict[str, int]:
        """Delete what the bucket's own lifecycle rules have expired; returns deletions per rule id."""
        try:
            lifecycle = self._s3.get_bucket_lifecycle_configuration(Bucket=self.bucket)
        except self._s3.exceptions.ClientError:
            return {}
        deleted: dict[str, int] = {}
        for rule in expiry_rules(lifecycle):
            doomed: list[str] = []
            for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=rule.prefix):
                for obj in page.get("Contents", []):
                    if expired(obj["LastModified"], rule.days, now):
                        doomed.append(obj["Key"])
            for start in range(0, len(doomed), 1000):
                self._s3.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in doomed[start : start + 1000]]}
                )
            deleted[rule.rule_id] = len(doomed)
        return deleted
