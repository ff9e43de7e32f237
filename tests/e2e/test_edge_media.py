"""The local edge plays CloudFront's ``/media/*`` behaviour: presigned uploads and downloads of the media bucket,
same-origin with the pages (the CSP allows ``connect-src 'self'`` and ``img-src 'self'`` only)."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"


def s3_client(stack: Any) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=stack.moto_url,
        region_name="ap-southeast-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def media_bucket(s3: Any) -> str:
    names = [b["Name"] for b in s3.list_buckets()["Buckets"] if "media" in b["Name"].lower()]
    assert len(names) == 1, names
    return str(names[0])


def through_edge(stack: Any, presigned: str) -> str:
    """A presigned moto URL (path-style ``/<bucket>/media/<…>?…``) as the API hands it out: ``/media/<…>?…``."""
    parts = urlsplit(presigned)
    key = parts.path.split("/", 2)[2]
    assert key.startswith("media/")
    return f"{stack.web_url}/{key}?{parts.query}"


def send(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local stack
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_a_presigned_upload_and_download_go_through_the_edge_to_the_media_bucket(local_stack: Any) -> None:
    s3 = s3_client(local_stack)
    bucket = media_bucket(s3)
    key = f"media/giao-phong/feedback/{uuid.uuid4()}.jpg"
    # Given a presigned PUT for a photo, rewritten to the edge's same-origin /media/ path
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": key, "ContentType": "image/jpeg"}, ExpiresIn=300
    )
    edge_put = through_edge(local_stack, put_url)
    assert "X-Amz-Signature=" in edge_put
    # When the page PUTs the file there with the signed Content-Type
    status, headers, _ = send("PUT", edge_put, JPEG, {"Content-Type": "image/jpeg"})
    # Then the object is in the media bucket with its type and bytes, and the answer has the edge's headers
    assert status == 200
    assert headers["X-Content-Type-Options"] == "nosniff"
    stored = s3.get_object(Bucket=bucket, Key=key)
    assert stored["ContentType"] == "image/jpeg"
    assert stored["Body"].read() == JPEG
    # And a presigned GET through the edge returns it, the query string reaching S3 (it overrides the type here)
    get_url = s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": key, "ResponseContentType": "image/png"},
        ExpiresIn=300,
    )
    status, headers, body = send("GET", through_edge(local_stack, get_url))
    assert (status, body) == (200, JPEG)
    assert headers["Content-Type"] == "image/png"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    # And HEAD tells the length without the body
    status, headers, body = send("HEAD", through_edge(local_stack, get_url))
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == str(len(JPEG))


def test_missing_media_is_404_and_other_methods_or_climbing_paths_are_refused(local_stack: Any) -> None:
    # Given nothing stored under a key / Then the edge passes S3's 404 on
    status, _, _ = send("GET", f"{local_stack.web_url}/media/feedback/khong-co-{uuid.uuid4()}.jpg")
    assert status == 404
    # And POST/DELETE on media are not CloudFront's media behaviour: refused at the edge
    status, _, _ = send("POST", f"{local_stack.web_url}/media/feedback/x.jpg", b"x")
    assert status == 405
    status, _, _ = send("DELETE", f"{local_stack.web_url}/media/feedback/x.jpg")
    assert status == 405
    # And a key climbing out of the bucket is refused
    status, _, _ = send("GET", f"{local_stack.web_url}/media/%2E%2E/secret")
    assert status == 400
