"""The camera bucket's lifecycle rules applied on a schedule (raw frames expire; event snapshots last longer).

In AWS, S3 lifecycle (``template.yaml``: ``CameraBucket`` ``LifecycleConfiguration``) expires objects by itself,
up to a day late; this sweep reads the *same* rules from the bucket and deletes what they have expired, so the
local stack (moto has no lifecycle engine) keeps frames exactly as long as AWS does, and AWS no longer than the
setting says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.cameras.wiring import camera_bucket
from smartcommune.core.observability import logger
from smartcommune.core.services import Services

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

_services: Services | None = None


def use_services(services: Services) -> None:
    global _services
    _services = services


def handle(services: Services) -> dict[str, Any]:
    deleted = services.get(camera_bucket).sweep(services.clock())
    logger.info("camera retention sweep", extra={"deleted": deleted})
    return {"deleted": deleted}


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    return handle(services)
