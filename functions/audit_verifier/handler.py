"""Nightly: verify every commune's audit hash chain and anchor the heads that verify in S3 (Object Lock)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from smartcommune.audit.wiring import audit_verifier
from smartcommune.communes.wiring import commune_repository
from smartcommune.core.contracts import VN_TZ
from smartcommune.core.observability import logger, metrics
from smartcommune.core.services import Services

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

_services: Services | None = None


def _day_of(event: dict[str, Any], services: Services) -> str:
    """The Vietnamese calendar day the scheduled run belongs to (EventBridge's ``time`` is UTC)."""
    raw = event.get("time")
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else services.clock()
    return moment.astimezone(VN_TZ).date().isoformat()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    day = _day_of(event, services)
    verifier = services.get(audit_verifier)
    broken: dict[str, list[str]] = {}
    communes = services.get(commune_repository).all_ids()
    for commune_id in communes:
        report = verifier.verify_and_anchor(commune_id, day)
        if not report.ok:
            broken[commune_id] = report.problems
            logger.error("audit chain broken", extra={"commune_id": commune_id, "problems": report.problems})
    metrics.add_metric(name="AuditChainsVerified", unit=MetricUnit.Count, value=len(communes))
    metrics.add_metric(name="AuditChainsBroken", unit=MetricUnit.Count, value=len(broken))
    return {"day": day, "communes": len(communes), "broken": broken}
