"""Fixed-window rate counters in the main table, shared by every capability that limits abuse.

Key: ``RATE#<what>#<hmac(who)>#<window>`` / ``COUNT``, with ``ttl`` so DynamoDB removes old windows. Callers
hash who is counted (phone, client address) before it reaches a key.

A limit on failures rather than on attempts (staff passwords) counts every attempt with :meth:`hit` before the
check, so a burst sent at once cannot pass the limit, and takes a success back with :meth:`release`.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError

from smartcommune.core.table import MainTable, MergePolicy


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _failed_condition(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


class RateCounterItem(MainTable, discriminator="rate_counter"):
    merge = MergePolicy.GLOBAL

    hits = NumberAttribute(default=0)


class RateCounterRepository:
    """Fixed-window counters: one atomic conditional ``ADD`` per event; implements ``RateLimiter``."""

    def hit(self, key: str, limit: int, window_s: int, now: datetime) -> int | None:
        window = _epoch(now) // window_s
        window_end = (window + 1) * window_s
        item = RateCounterItem(f"RATE#{key}#{window}", "COUNT")
        try:
            item.update(
                actions=[
                    RateCounterItem.hits.add(1),
                    RateCounterItem.expires_at.set(window_end + window_s),
                ],
                condition=RateCounterItem.hits.does_not_exist() | (RateCounterItem.hits < limit),
            )
        except UpdateError as exc:
            if _failed_condition(exc):
                return max(1, window_end - _epoch(now))
            raise
        return None

    def release(self, key: str, window_s: int, now: datetime) -> None:
        window = _epoch(now) // window_s
        item = RateCounterItem(f"RATE#{key}#{window}", "COUNT")
        try:
            item.update(actions=[RateCounterItem.hits.add(-1)], condition=RateCounterItem.hits > 0)
        except UpdateError as exc:
            if not _failed_condition(exc):  # nothing counted in this window (it has just turned): nothing to undo
                raise
