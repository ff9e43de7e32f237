"""Uploading with an :class:`~smartcommune.cameras.contracts.UploadGrant` (an S3 presigned POST): one
``multipart/form-data`` request per file, standard library only (a camera's firmware has little room)."""

from __future__ import annotations

import urllib.request
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.cameras.contracts import UploadGrant


class UploadError(RuntimeError):
    pass


def post_file(grant: UploadGrant, key: str, body: bytes, content_type: str, timeout_s: float = 15.0) -> None:
    """POST ``body`` as ``key`` (which must be under the grant's prefix) with the grant's signed fields."""
    if not key.startswith(grant.prefix):
        raise UploadError(f"{key} is outside the grant's prefix {grant.prefix}")
    if len(body) > grant.max_bytes:
        raise UploadError(f"{key}: {len(body)} bytes is over the grant's {grant.max_bytes}")
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    fields = {**grant.fields, "key": key, "Content-Type": content_type}
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{key.rsplit("/", 1)[-1]}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + body
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(  # noqa: S310 - the grant's URL is the platform's S3 endpoint
        grant.url,
        data=b"".join(parts),
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            if response.status not in (200, 201, 204):
                raise UploadError(f"{key}: S3 answered {response.status}")
    except OSError as exc:
        raise UploadError(f"{key}: {exc}") from exc
