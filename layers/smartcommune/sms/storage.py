"""Text messages: queued on SQS by the API, delivered by ``functions/sms_sender`` through SNS or a local outbox.

The queue decouples a sign-in request from the SMS provider's latency and failures (SQS retries, then the
dead-letter queue). In the ``outbox`` transport a message becomes one JSON line in ``settings.outbox_path``,
where the developer — and the tests — read the codes: the outbox plays the SMS provider.

**Sealed on the queue.** With ``settings.sms_key_id`` (always in AWS: ``SmsKey`` in the template) a queued body
is a :class:`~smartcommune.sms.contracts.SealedSms`: the message id and purpose in clear, the phone and the text
(which may hold a sign-in code) KMS-encrypted, bound to the id and purpose by the encryption context. The queues
are also encrypted at rest, but SSE protects the disks, not someone allowed to receive or redrive messages.
A message is under KMS's 4 KB limit (640 characters at most), so it is encrypted directly, without a data key.

**Sent once per message id.** SQS delivers at least once: a batch whose invocation timed out comes back whole,
and the records already sent would be sent again. :class:`DeliveryLedger` keeps one marker per message id
(``SMS#<id>`` / ``DELIVERY``, with ``ttl``): claimed ("sending", with a lease) before the provider is called,
"sent" after. A message already sent is acknowledged without sending; one claimed by a delivery still running is
failed back to the queue (retried after the visibility timeout); a failed send releases its claim. The lease is the
invocation's remaining time, so a claim is never taken from a live invocation; after a crash it lapses and the next
delivery sends. One window is left: a crash between the provider's acceptance and the "sent" write (one
DynamoDB call) sends that message again when its lease lapses. SNS has no idempotency key for SMS, so nothing
closes it; the alternative (mark first, then send) would lose the message instead, and a lost sign-in code or
alert is worse than a repeated one.

**Coalesced per thread.** A message with a ``thread`` (one feedback item's status news) is queued with a delay
(``settings.sms_coalesce_s``) after its id is written as the thread's latest (:class:`ThreadLedger`, a conditional
write ordered by the item's version, so late news never replaces newer). The sender sends a threaded message only
if it is still the thread's latest; an older one is acknowledged unsent ("superseded"). Several steps taken within
the window reach the citizen as one SMS: the newest.
"""

from __future__ import annotations

import base64
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError

from smartcommune.core.table import MainTable, MergePolicy
from smartcommune.sms.contracts import SealedSms, SmsMessage

if TYPE_CHECKING:
    from collections.abc import Callable

    from smartcommune.core.settings import Settings

# Markers outlive the dead-letter queue's retention (14 days), so a redriven message is still recognised.
MARKER_TTL = timedelta(days=15)
SEAL_WORKERS = 8  # KMS calls in flight while a batch (an alert to many subscribers) is sealed


# ---------------------------------------------------------------- sealing


class PlainSmsRefusedError(ValueError):
    """A plain body on a queue whose messages are all sealed (someone else wrote it)."""


def _context(message_id: str, purpose: str) -> dict[str, str]:
    return {"smartcommune:sms": message_id, "purpose": purpose}


class SmsSeal:
    """Seals queued SMS with the KMS key ``key_id`` and opens them; without a key, bodies are the plain message."""

    def __init__(self, kms: Callable[[], Any], key_id: str | None) -> None:
        self._kms = kms  # the client is made on first use: the outbox-only local run needs none
        self._key_id = key_id

    @property
    def seals(self) -> bool:
        return self._key_id is not None

    def seal(self, message: SmsMessage) -> str:
        """The queue body of ``message``."""
        if self._key_id is None:
            return message.model_dump_json()
        blob = self._kms().encrypt(
            KeyId=self._key_id,
            Plaintext=message.model_dump_json().encode(),
            EncryptionContext=_context(message.id, message.purpose),
        )["CiphertextBlob"]
        sealed = SealedSms(id=message.id, purpose=message.purpose, sealed=base64.b64encode(blob).decode())
        return sealed.model_dump_json()

    def open(self, body: str) -> SmsMessage:
        """The message in a queue body; ``ValueError`` (pydantic's included) for a body that is not one."""
        data = json.loads(body)
        if not isinstance(data, dict) or "sealed" not in data:
            if self._key_id is not None:
                raise PlainSmsRefusedError("a plain SMS body on a sealed queue")
            return SmsMessage.model_validate(data)
        sealed = SealedSms.model_validate(data)
        plaintext = self._kms().decrypt(
            CiphertextBlob=base64.b64decode(sealed.sealed), EncryptionContext=_context(sealed.id, sealed.purpose)
        )["Plaintext"]
        message = SmsMessage.model_validate_json(plaintext)
        if (message.id, message.purpose) != (sealed.id, sealed.purpose):  # the context binds them; belt and braces
            raise ValueError("sealed SMS does not match its envelope")
        return message


def sms_seal(settings: Settings) -> SmsSeal:
    from smartcommune.core.aws import client

    return SmsSeal(lambda: client("kms", settings), settings.sms_key_id)


# ---------------------------------------------------------------- gateways (what capabilities send through)


class QueueSmsGateway:
    """Puts messages on the SMS queue, sealed; implements ``smartcommune.identity.logic.ports.SmsGateway``."""

    def __init__(self, sqs: Any, queue_url: str, seal: SmsSeal, coalesce_s: int = 0) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._seal = seal
        self._coalesce_s = coalesce_s

    def send(
        self, phone_e164: str, text: str, purpose: str, thread: str | None = None, order: int | None = None
    ) -> None:
        """Queue one SMS. With ``thread``, it replaces the thread's queued news of a lower ``order`` (and is dropped
        if newer news is already queued), and waits ``coalesce_s`` so that the next step may replace it in turn."""
        message = SmsMessage(phone=phone_e164, text=text, purpose=purpose, thread=thread)
        extra: dict[str, Any] = {}
        if thread is not None:
            if not ThreadLedger().make_latest(thread, message.id, order or 0, datetime.now(UTC)):
                return  # newer news of this thread is already queued
            extra["DelaySeconds"] = self._coalesce_s
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=self._seal.seal(message), **extra)

    def send_batch(self, phones: list[str], text: str, purpose: str) -> int:
        """Queue one SMS per phone, ten per SQS call (SQS's batch limit); the number queued."""
        messages = [SmsMessage(phone=p, text=text, purpose=purpose) for p in phones]
        if self._seal.seals and len(messages) > 1:
            with ThreadPoolExecutor(max_workers=SEAL_WORKERS) as pool:  # one KMS call per message
                bodies = list(pool.map(self._seal.seal, messages))
        else:
            bodies = [self._seal.seal(m) for m in messages]
        for start in range(0, len(messages), 10):
            self._sqs.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": m.id, "MessageBody": body}
                    for m, body in zip(messages[start : start + 10], bodies[start : start + 10], strict=True)
                ],
            )
        return len(messages)


class OutboxSmsGateway:
    """Writes straight to the outbox: for a local run without a queue."""

    def __init__(self, path: str) -> None:
        self._path = path

    def send(
        self, phone_e164: str, text: str, purpose: str, thread: str | None = None, order: int | None = None
    ) -> None:
        del order  # without a queue there is nothing to coalesce: each message is written at once
        append_outbox(self._path, SmsMessage(phone=phone_e164, text=text, purpose=purpose, thread=thread))

    def send_batch(self, phones: list[str], text: str, purpose: str) -> int:
        for phone in phones:
            self.send(phone, text, purpose)
        return len(phones)


def sms_gateway(settings: Settings) -> QueueSmsGateway | OutboxSmsGateway:
    """The gateway this deployment uses: the queue when one is configured, else the outbox file."""
    if settings.sms_queue_url:
        from smartcommune.core.aws import client

        return QueueSmsGateway(
            client("sqs", settings), settings.sms_queue_url, sms_seal(settings), settings.sms_coalesce_s
        )
    return OutboxSmsGateway(settings.outbox_path)


# ---------------------------------------------------------------- transports (the SMS provider)


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


# ---------------------------------------------------------------- delivery once per message id


class SmsDeliveryItem(MainTable, discriminator="sms_delivery"):
    merge = MergePolicy.GLOBAL

    state = UnicodeAttribute()  # "sending" (claimed) or "sent"
    claim = UnicodeAttribute()  # who claimed it (one delivery attempt)
    lease_until = NumberAttribute()  # epoch seconds; a "sending" claim past it may be taken over
    purpose = UnicodeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)


def _marker_key(message_id: str) -> tuple[str, str]:
    return f"SMS#{message_id}", "DELIVERY"


def _failed_condition(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


Claim = Literal["claimed", "sent", "busy"]


class DeliveryLedger:
    """The per-message "sending"/"sent" markers in the main table (see the module docstring)."""

    def claim(self, message_id: str, purpose: str, claim: str, now: datetime, lease_s: float) -> Claim:
        """Claim ``message_id`` for sending: ``claimed``, or ``sent`` (already delivered), or ``busy``."""
        epoch = int(now.timestamp())
        pk, sk = _marker_key(message_id)
        item = SmsDeliveryItem(
            pk,
            sk,
            state="sending",
            claim=claim,
            lease_until=epoch + max(1, int(lease_s)),
            purpose=purpose,
            expires_at=epoch + int(MARKER_TTL.total_seconds()),
        )
        lapsed = (SmsDeliveryItem.state == "sending") & (SmsDeliveryItem.lease_until < epoch)
        try:
            item.save(condition=SmsDeliveryItem.pk.does_not_exist() | lapsed)
            return "claimed"
        except PutError as exc:
            if not _failed_condition(exc):
                raise
        try:
            current = SmsDeliveryItem.get(pk, sk, consistent_read=True)
        except SmsDeliveryItem.DoesNotExist:  # released in between: let the queue bring it back
            return "busy"
        return "sent" if current.state == "sent" else "busy"

    def release(self, message_id: str, claim: str) -> None:
        """Give up a claim after a failed send, so the next delivery may send."""
        pk, sk = _marker_key(message_id)
        try:
            SmsDeliveryItem(pk, sk).delete(condition=SmsDeliveryItem.claim == claim)
        except DeleteError as exc:
            if not _failed_condition(exc):
                raise

    def confirm(self, message_id: str, claim: str, now: datetime) -> bool:
        """Mark the message sent; ``False`` if the claim had lapsed and another delivery took it over."""
        pk, sk = _marker_key(message_id)
        try:
            SmsDeliveryItem(pk, sk).update(
                actions=[SmsDeliveryItem.state.set("sent"), SmsDeliveryItem.sent_at.set(now)],
                condition=SmsDeliveryItem.claim == claim,
            )
        except UpdateError as exc:
            if not _failed_condition(exc):
                raise
            return False
        return True


class SmsThreadItem(MainTable, discriminator="sms_thread"):
    merge = MergePolicy.GLOBAL

    latest = UnicodeAttribute()  # the id of the message to send; the others of the thread are superseded
    order = NumberAttribute()


THREAD_TTL = timedelta(days=2)


class ThreadLedger:
    """Which queued message of a thread is the one to send (see the module docstring)."""

    @staticmethod
    def _key(thread: str) -> tuple[str, str]:
        return f"SMSTHREAD#{thread}", "LATEST"

    def make_latest(self, thread: str, message_id: str, order: int, now: datetime) -> bool:
        """Record ``message_id`` as the thread's latest unless news of a higher ``order`` is already recorded."""
        pk, sk = self._key(thread)
        item = SmsThreadItem(pk, sk, latest=message_id, order=order, expires_at=int((now + THREAD_TTL).timestamp()))
        try:
            item.save(condition=SmsThreadItem.pk.does_not_exist() | (SmsThreadItem.order <= order))
        except PutError as exc:
            if not _failed_condition(exc):
                raise
            return False
        return True

    def is_latest(self, thread: str, message_id: str) -> bool:
        pk, sk = self._key(thread)
        try:
            current = SmsThreadItem.get(pk, sk, consistent_read=True)
        except SmsThreadItem.DoesNotExist:
            return True  # the marker expired: nothing newer was queued since
        return current.latest == message_id


Outcome = Literal["sent", "already_sent", "superseded"]


class SmsBusyError(RuntimeError):
    """Another delivery of this message is under way: fail the record, the queue brings it back later."""


@dataclass
class SmsSender:
    """Opens a queued body and sends it once (``functions/sms_sender`` calls :meth:`deliver` per record)."""

    seal: SmsSeal
    ledger: DeliveryLedger
    transport: Callable[[SmsMessage], object]
    clock: Callable[[], datetime]
    threads: ThreadLedger = field(default_factory=ThreadLedger)

    def deliver(self, body: str, lease_s: float) -> tuple[SmsMessage, Outcome]:
        """Send the message in ``body`` unless it was sent already or newer news of its thread replaced it.

        ``lease_s``: how long this delivery may still run (the invocation's remaining time).
        """
        message = self.seal.open(body)
        if message.thread is not None and not self.threads.is_latest(message.thread, message.id):
            return message, "superseded"
        claim = uuid.uuid4().hex
        outcome = self.ledger.claim(message.id, message.purpose, claim, self.clock(), lease_s)
        if outcome == "sent":
            return message, "already_sent"
        if outcome == "busy":
            raise SmsBusyError("another delivery of this SMS is under way")
        try:
            self.transport(message)
        except Exception:
            self.ledger.release(message.id, claim)
            raise
        self.ledger.confirm(message.id, claim, self.clock())
        return message, "sent"


def sms_sender(settings: Settings) -> SmsSender:
    """The sender of this deployment: SNS (``sms_transport="sns"``) or the outbox file."""
    from smartcommune.core import table

    table.bind(settings)
    if settings.sms_transport == "sns":
        from smartcommune.core.aws import client

        sns = client("sns", settings)

        def to_sns(message: SmsMessage) -> object:
            return publish_sns(sns, message)

        transport: Callable[[SmsMessage], object] = to_sns
    else:

        def to_outbox(message: SmsMessage) -> object:
            append_outbox(settings.outbox_path, message)
            return None

        transport = to_outbox
    return SmsSender(sms_seal(settings), DeliveryLedger(), transport, lambda: datetime.now(UTC))
