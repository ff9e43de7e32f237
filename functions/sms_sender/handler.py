"""Deliver queued text messages (sign-in codes, notices): SNS in AWS, the outbox file locally.

SQS invokes this with up to 10 messages; each is sent on its own and only the failures go back to the queue
(partial batch response), so one bad number never re-sends the others' codes. Bodies are sealed (KMS) and each
message id is sent once: a batch that comes back after a timeout sends only what was not sent yet
(``smartcommune.sms.storage`` explains the markers and the one crash window left). Logs name the purpose and a
masked number, never the number or the text (which may hold a code).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from smartcommune.core.observability import logger
from smartcommune.core.settings import Settings, get_settings
from smartcommune.core.text import mask_phone
from smartcommune.sms.storage import SmsSender, sms_sender

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)

# Without a context (never in Lambda), how long a claim on a message holds before another delivery may send it.
DEFAULT_LEASE_S = 60.0

_settings: Settings | None = None
_sender: tuple[Settings, SmsSender] | None = None


def use_settings(settings: Settings) -> None:
    """Tests and the local stack run the handler against their own settings."""
    global _settings
    _settings = settings


def _current_settings() -> Settings:
    return _settings or get_settings()


def _current_sender(settings: Settings) -> SmsSender:
    global _sender
    if _sender is None or _sender[0] is not settings:
        _sender = (settings, sms_sender(settings))
    return _sender[1]


def _lease_s(lambda_context: Any) -> float:
    """Until when this invocation may still be sending: Lambda ends it at the timeout, so a claim never outlives it."""
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 + 1 if callable(remaining) else DEFAULT_LEASE_S


LOG_LINES = {
    "sent": "sms sent",
    "already_sent": "sms already sent, not sent again",
    "superseded": "sms replaced by newer news of its thread, not sent",
}


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    """Send one message (once per message id); raising marks only this record as failed."""
    settings = _current_settings()
    message, outcome = _current_sender(settings).deliver(record.body, _lease_s(lambda_context))
    logger.info(
        LOG_LINES[outcome],
        extra={
            "purpose": message.purpose,
            "to": mask_phone(message.phone),
            "transport": settings.sms_transport,
            "sms_id": message.id,
        },
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
