"""The text message a capability queues and ``functions/sms_sender`` delivers, and its sealed form on the queue."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class SmsMessage(BaseModel):
    """One queued text message (the body of an SQS message)."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    phone: str = Field(pattern=r"^\+84\d{9}$")
    text: str = Field(min_length=1, max_length=640)
    purpose: str = Field(pattern=r"^[a-z_]{1,40}$")
    # Messages of one thread (e.g. ``feedback:<id>``) replace each other while queued: only the latest is sent.
    thread: str | None = Field(default=None, pattern=r"^[a-z]{1,20}:[0-9A-Za-z_-]{1,64}$")


class SealedSms(BaseModel):
    """What the SMS queue holds when a KMS key is configured: the message sealed, only its id and purpose in clear.

    ``sealed`` is the KMS ciphertext (base64) of the :class:`SmsMessage` JSON, bound to ``id`` and ``purpose`` by the
    encryption context, so a sealed text cannot be replayed under another id (and past the sender's "sent" marker).
    """

    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    purpose: str = Field(pattern=r"^[a-z_]{1,40}$")
    sealed: str = Field(min_length=1, max_length=16000)
