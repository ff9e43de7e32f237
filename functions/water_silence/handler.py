"""Every minute: a water sensor not heard for ``water.logic.SILENT_AFTER_MIN`` minutes raises a fault warning.

One query of each commune's sensor registry and one of its open warnings (only when some sensor is silent); a
silence already warned about is not warned about again, and the sensor's next reading resolves it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.communes.wiring import commune_repository
from smartcommune.core.observability import logger
from smartcommune.core.services import Services
from smartcommune.water.wiring import water_service

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

_services: Services | None = None


def use_services(services: Services) -> None:
    global _services
    _services = services


def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    service = services.get(water_service)
    raised: dict[str, list[str]] = {}
    for commune_id in services.get(commune_repository).all_ids():
        ids = service.check_silence(commune_id)
        if ids:
            raised[commune_id] = ids
    if raised:
        logger.info("silent water sensors warned about", extra={"raised": raised})
    return {"raised": raised}
