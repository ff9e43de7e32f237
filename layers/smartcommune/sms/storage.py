"""Text messages: queued on SQS by the API, delivered by ``functions/sms_sender`` through SNS or a local outbox.

The queue decouples a sign-in request from the SMS provider's latency and failures (SQS retries, then the
dead-letter queue). In the ``outbox`` transport a message becomes one JSON line in ``settings.outbox_path``,
where the developer — and the tests — read the codes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smartcommune.sms.contracts import SmsMessage

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings


class QueueSmsGateway:
    """Puts messages on the SMS queue; implements ``smartcommune.identity.logic.ports.SmsGateway``."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def send(self, phone_e164: str, text: str, purpose: str) -> None:
        message = SmsMessage(phone=phone_e164, text=text, purpose=purpose)
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=message.model_dump_json())

    def send_batch(self, phones: list[str], text: str, purpose: str) -> int:
        """Queue one SMS per phone, ten per SQS call (SQS's batch limit); the number queued."""
        messages = [SmsMessage(phone=p, text=text, purpose=purpose) for p in phones]
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            self._sqs.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": m.id, "MessageBody": m.model_dump_json()} for m in chunk],
            )
        return len(messages)


class OutboxSmsGateway:
    """Writes straight to the outbox: for a local run without a queue."""

    def __init__(self, path: str) -> None:
        self._path = path

    def send(self, phone_e164: str, text: str, purpose: str) -> None:
        append_outbox(self._path, SmsMessage(phone=phone_e164, text=text, purpose=purpose))

    def send_batch(self, phones: list[str], text: str, purpose: str) -> int:
        for phone in phones:
            self.send(phone, text, purpose)
        return len(phones)


def sms_gateway(settings: Settings) -> QueueSmsGateway | OutboxSmsGateway:
    """The gateway this deployment uses: the queue when one is configured, else the outbox file."""
    if settings.sms_queue_url:
        from smartcommune.core.aws import client

        return QueueSmsGateway(client("sqs", settings), settings.sms_queue_url)
    return OutboxSmsGateway(settings.outbox_path)


def append_outbox(path: str, message: SmsMessage, sent_at: datetime | None = None) -> None:
    """Append ``message`` as one JSON line (creating the folder)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    line = {**message.model_dump(), "sent_at": (sent_at or datetime.now(UTC)).isoformat()}
    with target.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def publish_sns(sns: Any, message: SmsMessage) -> str:
    """Send ``message`` as a transactional SMS through Amazon SNS; returns SNS's message id."""
    response = sns.publish(
        PhoneNumber=message.phone,
        Message=message.text,
        MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
    )
    return str(response.get("MessageId", ""))


def read_outbox(path: str) -> list[dict[str, Any]]:
    """Every message in the outbox, oldest first (empty if nothing was sent yet)."""
    target = Path(path)
    if not target.exists():
        return []
    with target.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
