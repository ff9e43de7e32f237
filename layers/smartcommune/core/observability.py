"""Logger, Metrics and Tracer, set up once. Log lines never carry a phone number or CCCD in clear."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

SERVICE = "smartcommune"

# +84/84/0 followed by a mobile prefix, and any 12-digit run (CCCD); both may be spaced or dotted.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)[\s.]?[35789]\d(?:[\s.]?\d){7}(?!\d)")
# A 12-digit run inside an ARN (``:123456789012:``) is an AWS account id, not a citizen.
_CCCD = re.compile(r"(?<![\d:])\d{12}(?![\d:])")


def redact(text: str) -> str:
    """Replace phone numbers and citizen IDs in ``text`` with placeholders."""
    return _CCCD.sub("[cccd]", _PHONE.sub("[phone]", text))


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with personal data scrubbed from every field."""

    def serialize(self, log: Any) -> str:
        return super().serialize(_scrub(log) if isinstance(log, dict) else log)


# The service name differs from the Chalice app name ("smartcommune-api"): equal names print every line twice.
logger = Logger(service=SERVICE, logger_formatter=RedactingFormatter())
metrics = Metrics(namespace="SmartCommune", service=SERVICE)


def tracer() -> Any:
    """The Powertools Tracer, created on first use so that X-Ray's SDK stays off the import path."""
    global _tracer
    if _tracer is None:
        from aws_lambda_powertools import Tracer

        _tracer = Tracer(service=SERVICE)
    return _tracer


_tracer: Any = None
