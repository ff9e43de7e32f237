"""Water sensors' readings -> stored once each, latest values per sensor, out-of-limits warnings raised and resolved.

Readings arrive in SQS batches: the ``WaterReadingRule`` topic rule of ``template.yaml`` puts each message on
``WaterReadingsQueue`` with the topic's parts::

    SELECT *, topic(2) AS topic_commune, topic(4) AS topic_sensor, timestamp() AS received_ms
    FROM 'sc/+/water/+/reading'

Locally ``smartcommune_local.iot_rules`` plays the same rule on the local broker and ``triggers`` feeds the queue
to this handler in batches.

* A message that is not a valid reading (bad JSON, a value no probe can report, a reading naming another sensor
  than its topic) is dropped and logged: retrying would not make it valid.
* A reading is keyed by its id (``sensor:seq``), so one delivered twice (the broker's QoS 1, the queue's
  at-least-once) is stored once and counted once.
* A sensor not registered in the topic's commune is dropped (the IoT policy should make that impossible); after a
  merger, the topic's old commune is read as the commune it was merged into.
* When the writes of a commune fail, that commune's messages are answered as ``batchItemFailures``: only they
  come again, and being idempotent they are then stored once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from smartcommune.communes.wiring import current_commune_id
from smartcommune.core.observability import logger
from smartcommune.core.services import Services
from smartcommune.water.contracts import SensorReading
from smartcommune.water.wiring import water_service

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

_services: Services | None = None


def use_services(services: Services) -> None:
    """Tests and the local stack run the handler against their own services."""
    global _services
    _services = services


def _parse(record: dict[str, Any], services: Services) -> tuple[str, SensorReading, datetime] | None:
    try:
        message = json.loads(record["body"])
        if not isinstance(message, dict):
            return None
        commune_id = str(message.pop("topic_commune", "") or "")
        sensor = str(message.pop("topic_sensor", "") or "")
        received_ms = message.pop("received_ms", None)
        reading = SensorReading.model_validate(message)
    except (KeyError, TypeError, ValueError):  # ValidationError is a ValueError
        return None
    if not commune_id or reading.sensor_id != sensor:
        logger.warning("water reading for another sensor dropped", extra={"topic_sensor": sensor})
        return None
    received_at = datetime.fromtimestamp(received_ms / 1000, UTC) if isinstance(received_ms, int) else services.clock()
    return commune_id, reading, received_at


def handle_batch(event: dict[str, Any], services: Services) -> dict[str, Any]:
    """One SQS batch of readings; answers the ids to retry (ReportBatchItemFailures)."""
    by_commune: dict[str, list[tuple[str, SensorReading, datetime]]] = {}
    dropped = 0
    for record in event.get("Records", []):
        parsed = _parse(record, services)
        if parsed is None:
            dropped += 1
            continue
        commune_id, reading, received_at = parsed
        by_commune.setdefault(commune_id, []).append((str(record["messageId"]), reading, received_at))
    failures: list[dict[str, str]] = []
    totals = {"stored": 0, "duplicates": 0, "unknown": 0, "raised": 0, "resolved": 0}
    service = services.get(water_service)
    for topic_commune, entries in by_commune.items():
        commune_id = topic_commune
        try:
            # A sensor of a merged commune keeps its topics (its certificate's commune): its readings belong to
            # the commune it was merged into (one profile read per commune and batch).
            commune_id = current_commune_id(services, topic_commune)
            result = service.ingest(commune_id, [(reading, at) for _, reading, at in entries])
        except Exception:
            logger.exception("water readings of a commune failed; they come again", extra={"commune": commune_id})
            failures.extend({"itemIdentifier": message_id} for message_id, _, _ in entries)
            continue
        totals["stored"] += result.stored
        totals["duplicates"] += result.duplicates
        totals["unknown"] += result.unknown
        totals["raised"] += len(result.raised)
        totals["resolved"] += len(result.resolved)
        if result.unknown:
            logger.warning("readings of unregistered sensors dropped", extra={"commune": commune_id})
    if dropped:
        logger.warning("malformed water readings dropped", extra={"dropped": dropped})
    return {"batchItemFailures": failures, "dropped": dropped, **totals}


def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    return handle_batch(event, services)
