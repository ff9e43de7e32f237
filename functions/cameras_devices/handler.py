"""Camera messages from IoT Core (topic rules) -> command acks, live health and shadow, upload grants.

In AWS three topic rules of ``template.yaml`` invoke this with the message plus the topic parts::

    SELECT *, topic(2) AS topic_commune, topic(4) AS topic_thing, topic(5) AS topic_kind, timestamp() AS received_ms
    FROM 'sc/+/cameras/+/ack'   (and …/health, …/upload/request)

Locally ``smartcommune_local.iot_rules`` subscribes to the same filters and builds the same event. The topic's
thing is authoritative (the policy / broker ACL let a camera publish only on its own topics, under its own
commune); a message naming another thing, or a thing not registered in the topic's commune, is dropped.

- ``ack``: the command's record takes the camera's answer (``done``/``failed``; a ``duplicate`` never
  overwrites the first outcome).
- ``health``: live state (online, fps, last frame, lens covered) in the registry, the same as the thing shadow's
  reported state; a covered lens matches the camera's ``camera_health`` rules (one event per cooldown).
- ``upload`` (``upload/request``): a presigned POST bound to the camera's prefix, published on its
  ``upload/grant`` topic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from smartcommune.cameras.contracts import CameraAck, CameraHealth, UploadRequest
from smartcommune.cameras.logic.health import health_event
from smartcommune.cameras.wiring import camera_bucket, camera_commands, camera_events, camera_registry
from smartcommune.core.errors import NotFoundError
from smartcommune.core.observability import logger
from smartcommune.core.services import Services

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

_services: Services | None = None


def use_services(services: Services) -> None:
    global _services
    _services = services


def handle(event: dict[str, Any], services: Services) -> dict[str, Any]:  # noqa: PLR0911 - one answer per kind
    message = dict(event)
    commune_id = str(message.pop("topic_commune", ""))
    thing = str(message.pop("topic_thing", ""))
    kind = str(message.pop("topic_kind", ""))
    received_ms = message.pop("received_ms", None)
    received_at = datetime.fromtimestamp(received_ms / 1000, UTC) if received_ms else services.clock()
    registry = services.get(camera_registry)
    try:
        if message.get("thing") != thing:
            logger.warning("camera message for another thing dropped", extra={"topic_thing": thing})
            return {"ok": False, "reason": "thing mismatch"}
        camera = registry.camera(commune_id, thing)
        if camera is None:
            logger.warning("camera message from an unregistered thing", extra={"commune": commune_id, "thing": thing})
            return {"ok": False, "reason": "unknown thing"}
        if kind == "ack":
            record = registry.apply_ack(commune_id, CameraAck.model_validate(message))
            return {"ok": record is not None, "state": record.state if record else None}
        if kind == "health":
            health = CameraHealth.model_validate(message)
            registry.record_health(commune_id, health, received_at)
            services.get(camera_commands).report_health(health)
            found = health_event(camera, registry.config(commune_id, thing), health)
            if found is not None:
                event_, cooldown = found
                services.get(camera_events).record(event_, "health", cooldown)
            return {"ok": True}
        if kind == "upload":
            request = UploadRequest.model_validate(message)
            grant = services.get(camera_bucket).grant(commune_id, thing, request.request_id, received_at)
            services.get(camera_commands).grant(commune_id, thing, grant)
            return {"ok": True}
    except ValidationError as exc:
        logger.warning("malformed camera message", extra={"kind": kind, "thing": thing, "errors": exc.error_count()})
        return {"ok": False, "reason": "invalid"}
    except NotFoundError:
        return {"ok": False, "reason": "unknown thing"}
    return {"ok": False, "reason": f"unknown kind {kind!r}"}


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    return handle(event, services)
