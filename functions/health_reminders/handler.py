"""Every minute: text the health-station reminders due now (the day before, an hour before), found by the
time-bucket index key ``HREMIND#<UTC minute>``, never a scan.

EventBridge's ``time`` names the minute; the run also looks back a few minutes so a delayed or failed run skips no
reminder. Each reminder is claimed with a conditional write before it is sent, so two runs send it once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from smartcommune.core.observability import logger, metrics
from smartcommune.core.services import Services
from smartcommune.telehealth.logic.slots import minute_bucket
from smartcommune.telehealth.wiring import reminder_service

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

LOOK_BACK_MINUTES = 5

_services: Services | None = None


def run(event: dict[str, Any], services: Services) -> dict[str, Any]:
    """One step for the minute of ``event['time']`` (UTC) and the few minutes before it."""
    raw = event.get("time")
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else services.clock()
    service = services.get(reminder_service)
    sent: list[str] = []
    for back in range(LOOK_BACK_MINUTES, -1, -1):
        sent += service.send_due(minute_bucket(moment - timedelta(minutes=back)))
    return {"minute": minute_bucket(moment), "sent": sent}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    result = run(event, services)
    metrics.add_metric(name="HealthRemindersSent", unit=MetricUnit.Count, value=len(result["sent"]))
    if result["sent"]:
        logger.info("health reminders sent", extra={"minute": result["minute"], "count": len(result["sent"])})
    return result
