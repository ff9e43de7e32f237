"""Mergers ordered through the province API (``POST /province/v1/mergers``) -> run, resumed, finished.

``MergeQueue`` carries one message per order (``{"new_id": …}``; the order itself is in the table, audited when
it was made). The handler runs the merger (``communes.logic.merger``), which touches each record once in batches
and keeps its state durable after each one:

* When the function's time is nearly up, the merger stops between two batches and the message is answered as a
  ``batchItemFailure``: it comes again after the queue's visibility timeout and the run resumes where it stopped
  (``maxReceiveCount`` bounds how long a merger may take before its message goes to the dead-letter queue and
  raises an alarm).
* A merger that stops on one of its checks (an old commune already merged, a record type with no merge policy,
  records missing after the move) is not retried: the order keeps the reason for a person (``GET
  /province/v1/mergers/{id}`` shows it; ``smartcommune communes merge`` resumes it once fixed).
* An order ordered twice, or a message delivered twice, runs once: a finished run answers its summary.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from smartcommune.communes.wiring import merge_orders
from smartcommune.composition import commune_merger
from smartcommune.core.errors import SmartCommuneError
from smartcommune.core.observability import logger
from smartcommune.core.services import Services

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.typing import LambdaContext

# Stop this long before the function's timeout: one batch (50 records' transaction) and the run's save fit in it.
RESERVE_MS = 60_000

_services: Services | None = None


class OutOfTime(Exception):
    """The function must stop between two batches; the message comes again and the run resumes."""


def use_services(services: Services) -> None:
    """Tests and the local stack run the handler against their own services."""
    global _services
    _services = services


def _deadline(remaining_ms: Callable[[], int] | None) -> Callable[[], None] | None:
    if remaining_ms is None:
        return None

    def check() -> None:
        if remaining_ms() < RESERVE_MS:
            raise OutOfTime

    return check


def handle_batch(event: dict[str, Any], services: Services, remaining_ms: Callable[[], int] | None) -> dict[str, Any]:
    """The queued orders, one by one; answers the ids to come again (ReportBatchItemFailures)."""
    failures: list[dict[str, str]] = []
    done: list[str] = []
    for record in event.get("Records", []):
        try:
            new_id = str(json.loads(record["body"])["new_id"])
        except (KeyError, TypeError, ValueError):
            logger.warning("malformed merge message dropped")
            continue
        orders = services.get(merge_orders)
        order = orders.pending(new_id)
        if order is None:
            continue  # unknown, or stopped on a check: nothing to run
        try:
            summary = services.get(commune_merger).merge(order.request, after_batch=_deadline(remaining_ms))
        except OutOfTime:
            logger.info("merger paused for the function's time; it resumes", extra={"new_commune": new_id})
            failures.append({"itemIdentifier": str(record["messageId"])})
            continue
        except SmartCommuneError as exc:
            logger.warning("merger stopped on a check", extra={"new_commune": new_id, "reason": exc.message_en})
            orders.fail(new_id, exc.message, exc.message_en)
            continue
        except Exception:
            logger.exception("merger failed; it comes again", extra={"new_commune": new_id})
            failures.append({"itemIdentifier": str(record["messageId"])})
            continue
        logger.info("merger done", extra={"new_commune": new_id, "lost": summary.lost})
        done.append(new_id)
    return {"batchItemFailures": failures, "done": done}


def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    return handle_batch(event, services, context.get_remaining_time_in_millis if context is not None else None)
