"""Deliver queued text messages (sign-in codes, notices): SNS in AWS, the outbox file locally.

SQS invokes this with up to 10 messages; each is sent on its own and only the failures go back to the queue
(partial batch response), so one bad number never re-sends the others' codes. Logs name the purpose and a
masked number, never the number or the text (which may hold a code).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from smartcommune.core.observability import logger
from smartcommune.core.settings import Settings, get_settings
from smartcommune.core.text import mask_phone
from smartcommune.sms.contracts import SmsMessage
from smartcommune.sms.storage import append_outbox, publish_sns

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)

_settings: Settings | None = None


def use_settings(settings: Settings) -> None:
    """Tests and the local stack run the handler against their own settings."""
    global _settings
    _settings = settings


def _current_settings() -> Settings:
    return _settings or get_settings()


def record_handler(record: SQSRecord) -> None:
    """Send one message; raising marks only this record as failed."""
    message = SmsMessage.model_validate_json(record.body)
    settings = _current_settings()
    if settings.sms_transport == "sns":
        from smartcommune.core.aws import client

        publish_sns(client("sns", settings), message)
    else:
        append_outbox(settings.outbox_path, message)
    logger.info(
        "sms sent",
        extra={"purpose": message.purpose, "to": mask_phone(message.phone), "transport": settings.sms_transport},
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
