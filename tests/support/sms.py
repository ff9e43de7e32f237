"""Deliver the SMS the API queued, through the real sms_sender handler, and read codes from the outbox.

Queued bodies are sealed with the stack's KMS key (``SmsKey`` in moto); :func:`seal_event` seals a sample event's
bodies the same way, so the handler sees what SQS would give it.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from smartcommune.core.aws import client
from smartcommune.core.contracts import normalize_phone
from smartcommune.sms.storage import read_outbox, sms_seal

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings

HANDLER_PATH = Path(__file__).resolve().parents[2] / "functions" / "sms_sender" / "handler.py"
EVENTS = Path(__file__).resolve().parents[2] / "events" / "sms_sender"

_module: ModuleType | None = None


def sms_sender() -> ModuleType:
    """``functions/sms_sender/handler.py``, loaded from its path as Lambda would (once)."""
    global _module
    if _module is None:
        spec = importlib.util.spec_from_file_location("sms_sender_handler", HANDLER_PATH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _module = module
    return _module


@dataclass
class LambdaContext:
    function_name: str = "smartcommune-sms-sender"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-1:123456789012:function:smartcommune-sms-sender"
    aws_request_id: str = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000  # the template's timeout: what a fresh invocation has left


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def seal_event(settings: Settings, event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with every body sealed as the gateway seals it (a malformed body too: it must still fail alone)."""
    assert settings.sms_key_id, "the settings have no SMS key"
    kms = client("kms", settings)
    records = []
    for record in event["Records"]:
        data = json.loads(record["body"])
        context = {"smartcommune:sms": str(data.get("id", "")), "purpose": str(data.get("purpose", ""))}
        blob = kms.encrypt(KeyId=settings.sms_key_id, Plaintext=record["body"].encode(), EncryptionContext=context)
        sealed = {"id": context["smartcommune:sms"], "purpose": context["purpose"]}
        sealed["sealed"] = base64.b64encode(blob["CiphertextBlob"]).decode()
        records.append({**record, "body": json.dumps(sealed)})
    return {**event, "Records": records}


def queued_event(settings: Settings) -> dict[str, Any]:
    """Everything on the SMS queue, received (not deleted) as one SQS event, as Lambda's event source would."""
    assert settings.sms_queue_url, "the settings have no SMS queue"
    sqs = client("sqs", settings)
    queue_arn = sqs.get_queue_attributes(QueueUrl=settings.sms_queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    messages = sqs.receive_message(
        QueueUrl=settings.sms_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
    ).get("Messages", [])
    return {"Records": [_record(m, queue_arn, settings.aws_region) for m in messages]}


def run_handler(settings: Settings, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke the handler on ``event`` with ``settings``; returns its partial-batch response."""
    module = sms_sender()
    module.use_settings(settings)
    return dict(module.lambda_handler(event, LambdaContext()))


def _record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def deliver_queued_sms(settings: Settings) -> list[dict[str, Any]]:
    """Receive everything on the SMS queue, run the handler on it as SQS would, delete what it delivered.

    Returns the delivered messages opened (``id``, ``phone``, ``text``, ``purpose``), as the sender saw them.
    """
    assert settings.sms_queue_url, "the settings have no SMS queue"
    sqs = client("sqs", settings)
    queue_arn = sqs.get_queue_attributes(QueueUrl=settings.sms_queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    seal = sms_seal(settings)
    delivered: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=settings.sms_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return delivered
        event = {"Records": [_record(m, queue_arn, settings.aws_region) for m in messages]}
        failed = {f["itemIdentifier"] for f in run_handler(settings, event)["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=settings.sms_queue_url, ReceiptHandle=message["ReceiptHandle"])
                delivered.append(seal.open(message["Body"]).model_dump())


def latest_code(settings: Settings, phone: str) -> str:
    """The 6-digit code in the newest sign-in SMS to ``phone`` (any common form), after delivering the queue."""
    deliver_queued_sms(settings)
    target = normalize_phone(phone)
    for message in reversed(read_outbox(settings.outbox_path)):
        if message["phone"] == target and message["purpose"] == "otp":
            match = re.search(r"\b(\d{6})\b", message["text"])
            assert match, message["text"]
            return match.group(1)
    raise AssertionError("no SMS was sent to that number")
