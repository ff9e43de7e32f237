"""Speaker acks and heartbeats -> delivery state, live speaker state and uptime statistics.

Acks arrive in SQS batches (the ack topic rule puts each on ``DeviceAcksQueue``; up to 100 per invocation):
``handle_batch`` groups them by commune, checks each thing against its commune's registry (one query per commune)
and writes delivery rows and live state with one read per 100 and one transaction per 50 speakers
(``DeliveryStore.apply_acks``). A message that cannot be parsed is dropped (logged; a retry would not help); a
commune whose writes fail is reported back as ``batchItemFailures``, so only its messages come again. Heartbeats
come one by one, straight from their topic rule (``handle``).

Each heartbeat also claims its 30 s slot (``domain.devices.heartbeat_slot``) and, the first time, adds 30 s to the
speaker's uptime counters of the day and the month (``GET /devices/speakers/{thing}/stats``).

In AWS the IoT topic rules of ``template.yaml`` invoke this with the message plus the topic parts::

    SELECT *, topic(2) AS topic_commune, topic(4) AS topic_thing, topic(5) AS topic_kind
    FROM 'sc/+/speakers/+/ack'          (and .../heartbeat)

Locally ``smartcommune_local.iot_rules`` subscribes to the same topic filters and builds the same event. The
topic's thing is authoritative (the IoT policy / broker ACL let a device publish only on its own topics, under
its own commune): a message naming another thing is dropped. The topic's commune is checked again here, in case
a policy is ever loosened: a thing that is not in that commune's registry (a Giao Phong speaker publishing under
``sc/bach-long/…``) is dropped and logged as a warning, before anything is written.

After a merger, a speaker keeps the topics of the commune it was provisioned under: a thing not registered in the
topic's commune is looked for in the commune that one was merged into (only then: one extra read on that path).
Once its delivery row is written, a ``finished`` ack of a re-provisioning run flips the speaker onto the new
commune's topics (``DeviceFanout.switch_reprovisioned``: conditional on the run, so a repeated ack does nothing;
a failure reports the batch's messages back and the flip is tried again with them).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from smartcommune.core.errors import NotFoundError
from smartcommune.core.observability import logger
from smartcommune.core.services import Services
from smartcommune.devices.contracts import CommandAck, Heartbeat
from smartcommune.devices.logic import heartbeat_slot
from smartcommune.devices.wiring import device_fanout, shadow_store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

_services: Services | None = None


def use_services(services: Services) -> None:
    """Tests and the local stack run the handler against their own services."""
    global _services
    _services = services


def handle(event: dict[str, Any], services: Services) -> dict[str, Any]:
    message = dict(event)
    commune_id = str(message.pop("topic_commune", ""))
    thing = str(message.pop("topic_thing", ""))
    kind = str(message.pop("topic_kind", ""))
    received_ms = message.pop("received_ms", None)
    received_at = datetime.fromtimestamp(received_ms / 1000, UTC) if received_ms else services.clock()
    fanout = services.get(device_fanout)
    try:
        if kind == "ack":
            ack = CommandAck.model_validate(message)
            if ack.thing != thing:
                logger.warning("ack for another thing dropped", extra={"topic_thing": thing, "thing": ack.thing})
                return {"ok": False, "reason": "thing mismatch"}
            if not fanout.registry(commune_id).registered(thing):
                successor = _successor(services, commune_id)
                if successor is None or not fanout.registry(successor).registered(thing):
                    return _foreign(kind, commune_id, thing)
                commune_id = successor
            row = fanout.deliveries(commune_id).apply_ack(ack, received_at)
            fanout.registry(commune_id).record_command_state(thing, ack.command_id, ack.state, received_at)
            fanout.switch_reprovisioned(commune_id, [(ack, received_at)])
            return {"ok": row is not None, "state": row.state if row else None}
        if kind == "heartbeat":
            return _heartbeat(Heartbeat.model_validate(message), commune_id, thing, received_at, services)
    except ValidationError as exc:
        logger.warning("malformed device message", extra={"kind": kind, "thing": thing, "errors": exc.error_count()})
        return {"ok": False, "reason": "invalid"}
    return {"ok": False, "reason": f"unknown kind {kind!r}"}


def handle_batch(event: dict[str, Any], services: Services) -> dict[str, Any]:
    """One SQS batch of ack messages; answers the ids to retry (ReportBatchItemFailures)."""
    fanout = services.get(device_fanout)
    by_commune: dict[str, list[tuple[str, CommandAck, datetime]]] = {}
    dropped = 0
    for record in event.get("Records", []):
        parsed = _parse_ack(record, services)
        if parsed is None:
            dropped += 1
            continue
        commune_id, ack, received_at = parsed
        by_commune.setdefault(commune_id, []).append((str(record["messageId"]), ack, received_at))
    failures: list[dict[str, str]] = []
    for topic_commune, entries in by_commune.items():
        commune_id = topic_commune
        try:
            registry = fanout.registry(commune_id)
            known = registry.things()
            successor = None if known else _successor(services, commune_id)  # a merged commune has no speakers
            if successor is not None:
                commune_id, registry = successor, fanout.registry(successor)
                known = registry.things()
            mine = [(ack, at) for _, ack, at in entries if ack.thing in known]
            for thing in sorted({ack.thing for _, ack, _ in entries if ack.thing not in known}):
                _foreign("ack", commune_id, thing)
            fanout.deliveries(commune_id).apply_acks(mine, registry)
            fanout.switch_reprovisioned(commune_id, mine)  # only now: a run's ack moves its speaker's topics
        except Exception:
            logger.exception("ack batch of a commune failed; its messages come again", extra={"commune": commune_id})
            failures.extend({"itemIdentifier": message_id} for message_id, _, _ in entries)
    if dropped:
        logger.warning("malformed ack messages dropped", extra={"dropped": dropped})
    return {"batchItemFailures": failures}


def _parse_ack(record: dict[str, Any], services: Services) -> tuple[str, CommandAck, datetime] | None:
    try:
        message = json.loads(record["body"])
        if not isinstance(message, dict):
            return None
        commune_id = str(message.pop("topic_commune", ""))
        thing = str(message.pop("topic_thing", ""))
        message.pop("topic_kind", None)
        received_ms = message.pop("received_ms", None)
        ack = CommandAck.model_validate(message)
    except (KeyError, ValueError):  # ValidationError is a ValueError
        return None
    if ack.thing != thing:
        logger.warning("ack for another thing dropped", extra={"topic_thing": thing, "thing": ack.thing})
        return None
    received_at = datetime.fromtimestamp(received_ms / 1000, UTC) if received_ms else services.clock()
    return commune_id, ack, received_at


def _heartbeat(
    beat: Heartbeat, commune_id: str, thing: str, received_at: datetime, services: Services
) -> dict[str, Any]:
    if beat.thing != thing:
        return {"ok": False, "reason": "thing mismatch"}
    slot = heartbeat_slot(beat.at, received_at)  # uptime statistics: one count per 30 s slot
    try:
        previous = (
            services.get(device_fanout)
            .registry(commune_id)
            .record_heartbeat(thing, received_at, beat.volume, beat.playing, slot=slot)
        )
    except NotFoundError:
        successor = _successor(services, commune_id)
        if successor is None:
            return _foreign("heartbeat", commune_id, thing)
        try:
            previous = (
                services.get(device_fanout)
                .registry(successor)
                .record_heartbeat(thing, received_at, beat.volume, beat.playing, slot=slot)
            )
        except NotFoundError:
            return _foreign("heartbeat", commune_id, thing)
    if previous != beat.volume:
        services.get(shadow_store).report(thing, {"volume": beat.volume})
    return {"ok": True}


def _successor(services: Services, commune_id: str) -> str | None:
    """The commune ``commune_id`` was merged into, if it was."""
    from smartcommune.communes.wiring import commune_repository

    return services.get(commune_repository).successor(commune_id)


def _foreign(kind: str, commune_id: str, thing: str) -> dict[str, Any]:
    """Drop a message from a thing that is not one of the topic commune's speakers (another commune's, or none)."""
    logger.warning(
        "device message dropped: the thing is not registered in the topic's commune",
        extra={"kind": kind, "topic_commune": commune_id, "thing": thing},
    )
    return {"ok": False, "reason": "unknown thing"}


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    if "Records" in event:
        return handle_batch(event, services)
    return handle(event, services)
