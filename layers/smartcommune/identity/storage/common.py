"""Small conversions the identity tables share: epoch seconds for ``ttl``, and telling a failed condition apart."""

from __future__ import annotations

from datetime import UTC, datetime


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(int(epoch), tz=UTC)


def failed_condition(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"
