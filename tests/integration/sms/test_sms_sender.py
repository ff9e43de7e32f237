"""The sms_sender function: outbox locally, SNS in AWS, only failed records go back to the queue, each SMS once,
and nothing on the queues a reader could take a phone number or a sign-in code from."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from smartcommune.core.aws import client
from smartcommune.sms.storage import DeliveryLedger, read_outbox
from smartcommune.sms.wiring import sms_gateway
from tests.support.sms import load_event, queued_event, run_handler, seal_event

ALERT = "Cảnh báo: nước sông Hồng lên nhanh, không ra bãi giữa. UBND xã Giao Phong."
PHONES = ["+84912000101", "+84912000102", "+84912000103"]


def _sns_sent(settings) -> list[tuple[str, str]]:
    return list(sns_backends[DEFAULT_ACCOUNT_ID][settings.aws_region].sms_messages.values())


def _queue_a_sign_in_code_and_an_alert(services, phone: str = "+84987654321") -> None:
    gateway = services.get(sms_gateway)
    gateway.send(phone, "Mã đăng nhập Công dân số Giao Phong: 246810. Hiệu lực 5 phút. Không chia sẻ mã này.", "otp")
    gateway.send_batch(PHONES, ALERT, "alert")


def test_a_queued_sign_in_code_lands_in_the_outbox(settings):
    # Given the sample SQS event of one sign-in code, sealed as the API seals it
    event = seal_event(settings, load_event("otp_message.json"))
    # When the function runs with the outbox transport
    response = run_handler(settings, event)
    # Then nothing failed and the developer can read the message
    assert response == {"batchItemFailures": []}
    (message,) = read_outbox(settings.outbox_path)
    assert message["phone"] == "+84912345678" and message["purpose"] == "otp"
    assert message["text"].startswith("Mã đăng nhập Công dân số Giao Phong: 123456.")


def test_a_bad_record_fails_alone(settings):
    response = run_handler(settings, seal_event(settings, load_event("mixed_batch.json")))
    assert response == {"batchItemFailures": [{"itemIdentifier": "8a1e0c6e-2b7d-4f1a-9c3e-0d5f6a7b8c02"}]}
    assert [m["phone"] for m in read_outbox(settings.outbox_path)] == ["+84987654321"]


def test_with_sns_the_message_is_published_as_a_transactional_sms(settings):
    sns_settings = settings.model_copy(update={"sms_transport": "sns"})
    response = run_handler(sns_settings, seal_event(settings, load_event("otp_message.json")))
    assert response == {"batchItemFailures": []}
    ((phone, text),) = _sns_sent(settings)
    assert phone == "+84912345678" and "123456" in text
    assert read_outbox(settings.outbox_path) == []


def test_the_sample_events_are_real_sqs_shapes():
    for name in ("otp_message.json", "mixed_batch.json"):
        for record in load_event(name)["Records"]:
            assert record["eventSource"] == "aws:sqs" and json.loads(record["body"])


def test_the_queue_holds_neither_the_phone_number_nor_the_sign_in_code(api, settings, services):
    # Given a citizen asks for a sign-in code
    from tests.support.identities import ensure_demo_communes

    ensure_demo_communes(services)
    response = api.http.post(
        "/auth/otp",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"commune_id": "giao-phong", "phone": "0912 345 678"}),
    )
    assert response.status_code == 202
    # When someone allowed to read the queue looks at the message (as a redrive from the console would show it)
    event = queued_event(settings)
    (body,) = [record["body"] for record in event["Records"]]
    # Then the SMS still arrives with its code
    assert run_handler(settings, event) == {"batchItemFailures": []}
    (sms,) = read_outbox(settings.outbox_path)
    code = re.search(r"\b(\d{6})\b", sms["text"])
    assert code is not None and sms["phone"] == "+84912345678"
    # But the queued body named neither the phone (in any form) nor the code, only the purpose
    for secret in ("+84912345678", "84912345678", "0912345678", "912345678", code.group(1), "Mã đăng nhập"):
        assert secret not in body
    assert json.loads(body)["purpose"] == "otp"


def test_a_plain_body_is_refused_on_a_sealed_queue(settings):
    # Given a batch with a sealed sign-in code and a body someone wrote on the queue in clear
    (plain,) = [r for r in load_event("mixed_batch.json")["Records"] if r["receiptHandle"] == "AQEBgood1"]
    event = seal_event(settings, load_event("otp_message.json"))
    event["Records"].append(plain)
    response = run_handler(settings, event)
    # Then the plain one is not sent: it fails (after its retries it waits in the dead-letter queue for a person)
    assert response == {"batchItemFailures": [{"itemIdentifier": plain["messageId"]}]}
    assert [m["phone"] for m in read_outbox(settings.outbox_path)] == ["+84912345678"]


def test_a_batch_redelivered_after_a_timeout_sends_every_sms_once(settings, services):
    # Given a sign-in code and an alert to three subscribers on the queue, received as one batch
    _queue_a_sign_in_code_and_an_alert(services)
    event = queued_event(settings)
    assert len(event["Records"]) == 4
    # When the function sends the batch, and the same batch comes back (the invocation timed out before SQS
    # deleted the messages, so every record is delivered again)
    assert run_handler(settings, event) == {"batchItemFailures": []}
    assert run_handler(settings, event) == {"batchItemFailures": []}
    # Then every phone got its SMS exactly once
    sent = [m["phone"] for m in read_outbox(settings.outbox_path)]
    assert sorted(sent) == sorted(["+84987654321", *PHONES])


def test_through_sns_a_redelivered_batch_sends_each_sms_once(settings, services):
    sns_settings = settings.model_copy(update={"sms_transport": "sns"})
    _queue_a_sign_in_code_and_an_alert(services)
    event = queued_event(settings)
    for _ in range(3):
        assert run_handler(sns_settings, event) == {"batchItemFailures": []}
    assert sorted(phone for phone, _ in _sns_sent(settings)) == sorted(["+84987654321", *PHONES])


def test_an_sms_whose_sending_failed_is_sent_at_the_next_delivery_and_only_then(settings, services, tmp_path):
    # Given the provider fails (the outbox cannot be written: its path is a folder)
    services.get(sms_gateway).send("+84912000201", ALERT, "alert")
    event = queued_event(settings)
    broken = settings.model_copy(update={"outbox_path": str(tmp_path)})
    # (a batch whose every record failed is an invocation error for Lambda: the whole batch comes back)
    with pytest.raises(BatchProcessingError, match="All records failed"):
        run_handler(broken, event)
    assert read_outbox(settings.outbox_path) == []
    # When SQS delivers it again and the provider works
    assert run_handler(settings, event) == {"batchItemFailures": []}
    # Then it is sent once, and not again after that
    assert run_handler(settings, event) == {"batchItemFailures": []}
    assert [m["phone"] for m in read_outbox(settings.outbox_path)] == ["+84912000201"]


def test_a_message_another_delivery_is_sending_waits_but_one_whose_sender_died_is_sent(settings, services):
    services.get(sms_gateway).send_batch(["+84912000301", "+84912000302"], ALERT, "alert")
    event = queued_event(settings)
    first, second = (json.loads(r["body"])["id"] for r in event["Records"])
    now = datetime.now(UTC)
    ledger = DeliveryLedger()
    # Given one message is being sent by a live invocation, and the other was claimed by one that crashed
    assert ledger.claim(first, "alert", "live", now, 300) == "claimed"
    assert ledger.claim(second, "alert", "crashed", now - timedelta(minutes=5), 60) == "claimed"
    # When the batch is delivered (again)
    response = run_handler(settings, event)
    # Then the first goes back to the queue unsent, the second (its lease lapsed) is sent now
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert [m["phone"] for m in read_outbox(settings.outbox_path)] == ["+84912000302"]


def test_an_alert_to_many_subscribers_is_sealed_per_message(settings, services):
    # Given an alert to 23 subscribers (three SQS batches)
    phones = [f"+8491200{n:04d}" for n in range(23)]
    assert services.get(sms_gateway).send_batch(phones, ALERT, "alert") == 23
    # Then no queued body names a phone, and every one opens to its own recipient
    sqs = client("sqs", settings)
    bodies: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=settings.sms_queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        bodies += [m["Body"] for m in messages]
    assert len(bodies) == 23
    assert not [b for b in bodies if any(p[3:] in b for p in phones)]
    from smartcommune.sms.storage import sms_seal

    assert sorted(sms_seal(settings).open(b).phone for b in bodies) == sorted(phones)


def test_a_production_sms_queue_is_never_unsealed():
    from smartcommune.core.settings import Settings

    env = {
        "SMARTCOMMUNE_STAGE": "prod",
        "SMARTCOMMUNE_PII_HASH_KEY_SECRET_ARN": "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:pii",
        "SMARTCOMMUNE_COMMAND_KEY_SECRET_ARN": "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:cmd",
        "SMARTCOMMUNE_SMS_QUEUE_URL": "https://sqs.ap-southeast-1.amazonaws.com/123456789012/smartcommune-sms",
    }
    with pytest.raises(ValueError, match="SMS_KEY_ID"):
        Settings.from_env(env)
    assert Settings.from_env(env | {"SMARTCOMMUNE_SMS_KEY_ID": "1234abcd-12ab-34cd-56ef-1234567890ab"}).sms_key_id


def test_news_of_one_item_queued_close_together_reach_the_citizen_as_one_sms_the_newest(settings, services):
    gateway = services.get(sms_gateway)
    phone = "+84912000201"
    # Given three steps on one feedback item queued within the window (versions 2, 3, 4)
    for order, text in [(2, "đã được giao"), (3, "đã được chuyển"), (4, "đã có kết quả xử lý")]:
        gateway.send(phone, f"Phản ánh GP-26-000009 {text}.", "feedback_status", thread="feedback:f9", order=order)
    # And a late retry of an older step (version 3) queued after them
    gateway.send(phone, "Phản ánh GP-26-000009 đã được chuyển.", "feedback_status", thread="feedback:f9", order=3)
    # And news of another item, which is its own thread
    gateway.send(phone, "Phản ánh GP-26-000010 đã được giao.", "feedback_status", thread="feedback:f10", order=2)
    event = queued_event(settings)
    # When the sender delivers the batch (and again, as SQS may)
    assert run_handler(settings, event) == {"batchItemFailures": []}
    assert run_handler(settings, event) == {"batchItemFailures": []}
    # Then the citizen got the newest news of each item once, and never an older one
    texts = sorted(m["text"] for m in read_outbox(settings.outbox_path))
    assert texts == ["Phản ánh GP-26-000009 đã có kết quả xử lý.", "Phản ánh GP-26-000010 đã được giao."]
    assert len(event["Records"]) == 4  # the late older step was never even queued


def test_news_sent_before_the_next_step_is_not_held_back_by_it(settings, services):
    gateway = services.get(sms_gateway)
    phone = "+84912000202"
    gateway.send(phone, "Phản ánh GP-26-000011 đã được giao.", "feedback_status", thread="feedback:f11", order=2)
    assert run_handler(settings, queued_event(settings)) == {"batchItemFailures": []}
    gateway.send(phone, "Phản ánh GP-26-000011 đã có kết quả.", "feedback_status", thread="feedback:f11", order=5)
    assert run_handler(settings, queued_event(settings)) == {"batchItemFailures": []}
    assert [m["text"] for m in read_outbox(settings.outbox_path)] == [
        "Phản ánh GP-26-000011 đã được giao.",
        "Phản ánh GP-26-000011 đã có kết quả.",
    ]
