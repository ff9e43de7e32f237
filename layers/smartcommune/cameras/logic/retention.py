"""Retention: which objects a lifecycle rule expires, decided the way S3 does (age in whole days since upload).

The local stack has no S3 lifecycle engine; its scheduled sweep applies the bucket's own lifecycle rules (the
ones ``template.yaml`` declares) with this function, so local and AWS keep raw frames for the same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class ExpiryRule:
    rule_id: str
    prefix: str
    days: int


def expiry_rules(lifecycle: dict[str, Any]) -> list[ExpiryRule]:
    """The enabled expiration rules of a ``GetBucketLifecycleConfiguration`` answer."""
    out = []
    for rule in lifecycle.get("Rules", []):
        if rule.get("Status") != "Enabled" or "Days" not in (rule.get("Expiration") or {}):
            continue
        prefix = rule.get("Prefix")
        if prefix is None:
            prefix = ((rule.get("Filter") or {}).get("Prefix")) or ""
        out.append(ExpiryRule(str(rule.get("ID", "")), str(prefix), int(rule["Expiration"]["Days"])))
    return out


def expired(last_modified: datetime, days: int, now: datetime) -> bool:
    """S3 adds the rule's days to the object's creation time and rounds up to the next midnight UTC."""
    deadline = last_modified + timedelta(days=days)
    midnight = deadline.replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight != deadline:
        midnight += timedelta(days=1)
    return now >= midnight
