"""The media bucket: presigned uploads and downloads on the site's own origin, and checking what was uploaded.

URLs are presigned by S3 and then cut down to ``/media/<key>?X-Amz-…``: CloudFront routes ``/media/*`` to the
bucket's regional endpoint (the host the signature was made for), and the local edge proxies it to moto. The
pages therefore never talk to another origin, which keeps the Content-Security-Policy at ``'self'``.

The signature of an upload covers ``Content-Type`` and ``Content-Length``, so S3 refuses any other type or
size. moto does not check signatures, so :meth:`MediaRepository.read` reads back what arrived (size, type, bytes)
for the domain to verify on submit; the domain then keeps the photo, stripped of its metadata, under a key of
its own (:meth:`MediaRepository.write`): uploads wait under ``media/uploads/``, which the bucket empties after a
day.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from smartcommune.feedback.contracts.records import MAX_PHOTO_BYTES
from smartcommune.feedback.logic.photos import UploadInfo

_RANGE_TOTAL = re.compile(r"/(\d+)$")


def same_origin(url: str, bucket: str) -> str:
    """``https://b.s3.region.amazonaws.com/media/k?q`` or ``http://moto:4566/b/media/k?q`` → ``/media/k?q``."""
    parts = urlsplit(url)
    path = parts.path
    if path.startswith(f"/{bucket}/"):
        path = path[len(bucket) + 1 :]
    if not path.startswith("/media/"):
        raise ValueError(f"media keys live under media/: {path}")
    return f"{path}?{parts.query}" if parts.query else path


class MediaRepository:
    """Implements ``smartcommune.feedback.logic.ports.MediaStore`` on S3 (an s3v4 client from ``core.aws.client``)."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def presign_upload(self, key: str, content_type: str, size_bytes: int, expires_s: int) -> str:
        url = self._s3.generate_presigned_url(
            "put_object",
            Params={"Bucket": self._bucket, "Key": key, "ContentType": content_type, "ContentLength": size_bytes},
            ExpiresIn=expires_s,
        )
        return same_origin(url, self._bucket)

    def presign_download(self, key: str, expires_s: int) -> str:
        url = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_s
        )
        return same_origin(url, self._bucket)

    def read(self, key: str) -> UploadInfo | None:
        """Size, declared type and bytes of an upload in one ranged GET (at most ``MAX_PHOTO_BYTES + 1`` bytes, so
        an oversized object is never read whole); ``None`` if nothing is there."""
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{MAX_PHOTO_BYTES}")
        except self._s3.exceptions.NoSuchKey:
            return None
        except Exception as exc:  # an empty object cannot satisfy a range (InvalidRange): treat as empty
            if "InvalidRange" in str(exc):
                return UploadInfo(size_bytes=0, content_type="", data=b"")
            raise
        data = response["Body"].read(MAX_PHOTO_BYTES + 1)
        match = _RANGE_TOTAL.search(response.get("ContentRange") or "")
        size = int(match.group(1)) if match else int(response.get("ContentLength", len(data)))
        return UploadInfo(size_bytes=size, content_type=response.get("ContentType") or "", data=data)

    def write(self, key: str, data: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)
