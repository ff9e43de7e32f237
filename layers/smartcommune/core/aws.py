"""boto3 clients for this deployment's endpoints, made once per process (boto3 loads lazily: cold starts)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings

_clients: dict[tuple[str, str, str | None], Any] = {}
_lock = threading.Lock()


def client(service: str, settings: Settings) -> Any:
    """A boto3 client for ``service`` in the configured region, against the configured endpoint (moto locally)."""
    key = (service, settings.aws_region, settings.aws_endpoint_url)
    with _lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(signature_version="s3v4", retries={"mode": "standard", "max_attempts": 4})
            _clients[key] = boto3.session.Session().client(
                service, region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url, config=config
            )
        return _clients[key]


MEDIA_PREFIX = "media/"
"""Keys the pages reach same-origin: CloudFront (and the local edge) send ``/media/*`` to the media bucket."""


def same_origin(url: str, bucket: str) -> str:
    """A presigned media-bucket URL cut down to the site's own origin: ``/media/<key>?X-Amz-…``.

    ``https://b.s3.region.amazonaws.com/media/k?q`` (AWS, virtual-hosted) or ``http://moto:5000/b/media/k?q``
    (local, path-style) → ``/media/k?q``. The signature stays valid: CloudFront forwards the path and query to the
    bucket's regional host unchanged, and the local edge proxies them to moto. Only keys under ``media/`` can be
    reached this way (``ValueError`` otherwise).
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path
    if path.startswith(f"/{bucket}/"):
        path = path[len(bucket) + 1 :]
    if not path.startswith("/" + MEDIA_PREFIX):
        raise ValueError(f"media keys live under {MEDIA_PREFIX}: {path}")
    return f"{path}?{parts.query}" if parts.query else path
