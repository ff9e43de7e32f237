"""The sms_sender function: outbox locally, SNS in AWS, and only failed records go back to the queue."""

from __future__ import annotations

import json

from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from smartcommune.sms.storage import read_outbox
from tests.support.sms import load_event, run_handler


def test_a_queued_sign_in_code_lands_in_the_outbox(settings):
    # Given the sample SQS event of one sign-in code
    event = load_event("otp_message.json")
    # When the function runs with the outbox transport
    response = run_handler(settings, event)
    # Then nothing failed and the developer can read the message
    assert response == {"batchItemFailures": []}
    (message,) = read_outbox(settings.outbox_path)
    assert message["phone"] == "+84912345678" and message["purpose"] == "otp"
    assert message["text"].startswith("Mã đăng nhập Công dân số Giao Phong: 123456.")


def test_a_bad_record_fails_alone(settings):
    response = run_handler(settings, load_event("mixed_batch.json"))
    assert response == {"batchItemFailures": [{"itemIdentifier": "8a1e0c6e-2b7d-4f1a-9c3e-0d5f6a7b8c02"}]}
    assert [m["phone"] for m in read_outbox(settings.outbox_path)] == ["+84987654321"]


def test_with_sns_the_message_is_published_as_a_transactional_sms(settings):
    sns_settings = settings.model_copy(update={"sms_transport": "sns"})
    response = run_handler(sns_settings, load_event("otp_message.json"))
    assert response == {"batchItemFailures": []}
    sent = sns_backends[DEFAULT_ACCOUNT_ID][settings.aws_region].sms_messages
    ((phone, text),) = [(number, message) for number, message in sent.values()]
    assert phone == "+84912345678" and "123456" in text
    assert read_outbox(settings.outbox_path) == []


def test_the_sample_events_are_real_sqs_shapes():
    for name in ("otp_message.json", "mixed_batch.json"):
        for record in load_event(name)["Records"]:
            assert record["eventSource"] == "aws:sqs" and json.loads(record["body"])
