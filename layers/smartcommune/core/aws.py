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
