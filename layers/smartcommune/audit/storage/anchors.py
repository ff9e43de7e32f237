"""Audit anchors: each commune's chain head copied daily to an S3 bucket under Object Lock (write once)."""

from __future__ import annotations

import json
from typing import Any


class AnchorStore:
    """Writes and reads ``audit-anchors/<commune>/<yyyy-mm-dd>.json`` objects."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put(self, commune_id: str, day: str, seq: int, digest: str) -> None:
        body = json.dumps({"commune_id": commune_id, "seq": seq, "hash": digest, "day": day}).encode()
        self._s3.put_object(
            Bucket=self._bucket,
            Key=f"audit-anchors/{commune_id}/{day}.json",
            Body=body,
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",  # Object Lock buckets require an integrity checksum on every write
        )

    def all(self, commune_id: str) -> list[tuple[int, str]]:
        """Every anchored (seq, hash) of a commune, oldest first."""
        anchors: list[tuple[int, str]] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=f"audit-anchors/{commune_id}/"):
            for obj in page.get("Contents", []):
                data = json.loads(self._s3.get_object(Bucket=self._bucket, Key=obj["Key"])["Body"].read())
                anchors.append((int(data["seq"]), str(data["hash"])))
        return sorted(anchors)
