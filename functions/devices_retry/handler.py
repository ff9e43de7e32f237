"""Every minute: resend open play commands (same command id) to speakers that have not answered yet.

Speakers dedupe by command id, so a resend never plays twice; a command past its expiry is closed, never resent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.communes.wiring import commune_repository
from smartcommune.core.observability import logger
from smartcommune.core.services import Services
from smartcommune.devices.wiring import device_fanout

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

_services: Services | None = None


def use_services(services: Services) -> None:
    global _services
    _services = services


def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    fanout = services.get(device_fanout)
    resent: dict[str, int] = {}
    for commune_id in services.get(commune_repository).all_ids():
        for command_id, things in fanout.retry_pending(commune_id).items():
            resent[command_id] = len(things)
    if resent:
        logger.info("play commands resent", extra={"resent": resent})
    return {"resent": resent}
