"""The text message a capability queues and ``functions/sms_sender`` delivers."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class SmsMessage(BaseModel):
    """One queued text message (the body of an SQS message)."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    phone: str = Field(pattern=r"^\+84\d{9}$")
    text: str = Field(min_length=1, max_length=640)
    purpose: str = Field(pattern=r"^[a-z_]{1,40}$")
