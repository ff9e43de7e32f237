"""Every minute: play the bulletins due now (by the time-bucket index, no scans) and count finished deliveries.

EventBridge's ``time`` names the minute; the run also looks back a few minutes so a delayed or failed run does not
skip a slot (each play is claimed with a conditional write, so looking twice never plays twice).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from smartcommune.broadcast.logic.schedules import minute_bucket
from smartcommune.broadcast.wiring import bulletin_service
from smartcommune.core.observability import logger, metrics
from smartcommune.core.services import Services

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

LOOK_BACK_MINUTES = 5

_services: Services | None = None


def run(event: dict[str, Any], services: Services) -> dict[str, Any]:
    """One scheduler step for the minute of ``event['time']`` (UTC), and the few minutes before it."""
    raw = event.get("time")
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else services.clock()
    service = services.get(bulletin_service)
    played: list[str] = []
    for back in range(LOOK_BACK_MINUTES, -1, -1):
        played += service.fire_due(minute_bucket(moment - timedelta(minutes=back))).played
    counted = service.collect_reports()
    return {"minute": minute_bucket(moment), "played": played, "reports_counted": counted}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    result = run(event, services)
    metrics.add_metric(name="BulletinsPlayed", unit=MetricUnit.Count, value=len(result["played"]))
    if result["played"]:
        logger.info("bulletins played", extra=result)
    return result
