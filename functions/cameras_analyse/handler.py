"""A burst landed in S3 -> analysis (detector, tracker, rules) -> de-duplicated camera events.

The camera bucket notifies ``CameraBurstQueue`` for every ``frames/…/burst.json`` (the manifest, written after
the burst's frames); Lambda's SQS event source delivers batches here. Each message is one S3 event notification
(its ``Records[].s3.object.key`` URL-encoded); S3's ``s3:TestEvent`` is skipped. A message whose analysis fails
(a frame not readable yet, a scene saved meanwhile by another invocation, the model failing) is reported in
``batchItemFailures``: only it comes again, and after ``maxReceiveCount`` it goes to the dead-letter queue. A
message that can never succeed (not JSON, a key that is not a camera's, a manifest that does not validate) is
dropped and logged. Locally ``smartcommune_local.triggers`` plays the same queue.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from pydantic import ValidationError

from smartcommune.cameras.contracts import MANIFEST_NAME
from smartcommune.cameras.wiring import burst_analyser, camera_registry
from smartcommune.core.errors import InvalidInputError, NotFoundError
from smartcommune.core.observability import logger
from smartcommune.core.services import Services

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

_services: Services | None = None


def use_services(services: Services) -> None:
    """Tests and the local stack run the handler against their own services."""
    global _services
    _services = services


def manifest_keys(body: str) -> list[str]:
    """The burst manifests an S3 event notification names (none for ``s3:TestEvent``)."""
    document = json.loads(body)
    if not isinstance(document, dict) or document.get("Event") == "s3:TestEvent":
        return []
    keys = []
    for record in document.get("Records", []):
        key = unquote_plus(str(record.get("s3", {}).get("object", {}).get("key", "")))
        if key.endswith("/" + MANIFEST_NAME):
            keys.append(key)
    return keys


def handle_batch(event: dict[str, Any], services: Services) -> dict[str, Any]:
    analyser = services.get(burst_analyser)
    failures: list[dict[str, str]] = []
    for record in event.get("Records", []):
        message_id = str(record.get("messageId"))
        try:
            keys = manifest_keys(record.get("body", ""))
        except ValueError:
            logger.warning("camera notification is not JSON; dropped", extra={"message_id": message_id})
            continue
        for key in keys:
            try:
                outcome = analyser.analyse(key)
            except (ValidationError, InvalidInputError, NotFoundError) as exc:
                logger.warning("camera burst cannot be analysed; dropped", extra={"key": key, "error": str(exc)[:200]})
                continue
            except Exception:
                logger.exception("camera burst analysis failed; it comes again", extra={"key": key})
                failures.append({"itemIdentifier": message_id})
                break
            if not outcome.stale:
                services.get(camera_registry).count_upload(outcome.commune_id, outcome.thing, services.clock())
            logger.info(
                "camera burst analysed",
                extra={"thing": outcome.thing, "frames": outcome.analysed, "events": len(outcome.events)},
            )
    return {"batchItemFailures": failures}


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _services
    services = _services = _services or Services()
    return handle_batch(event, services)
