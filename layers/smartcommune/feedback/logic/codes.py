"""Idempotency records, tracking codes, and the texts made from an item: its public search words and the status SMS.

Its own room because submission and the workflow share these small pure pieces with the storage adapter and the
demo data, none of which needs the service itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smartcommune.core.text import search_tokens
from smartcommune.feedback.contracts.records import STATUS_LABELS_VI

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.feedback.contracts.records import Feedback

IDEMPOTENCY_TTL_S = 7 * 24 * 3600


@dataclass(frozen=True)
class IdempotencyRecord:
    """A submission already made under one key: the request's fingerprint and the body it got."""

    key: str
    owner: str
    fingerprint: str
    feedback_id: str
    body: str


def fingerprint(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def commune_prefix(commune: Commune) -> str:
    """``Xã Giao Phong`` → ``GP``."""
    words = [w for w in search_tokens(commune.name) if w not in {"xa", "phuong", "thi", "tran"}]
    return "".join(w[0] for w in words).upper()[:4] or "XA"


def tracking_code(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year % 100:02d}-{number:06d}"


def public_search_text(feedback: Feedback, field_name: str) -> str:
    """The folded words the public listing is searched by (space-delimited both ends)."""
    words = search_tokens(f"{feedback.title} {feedback.description} {field_name} {feedback.tracking_code}")
    return " " + " ".join(dict.fromkeys(words)) + " "


def status_sms(commune: Commune, feedback: Feedback) -> str:
    """The SMS a citizen gets when their feedback changes status."""
    label = STATUS_LABELS_VI[feedback.status]
    name = commune.name
    text = f"{name}: phản ánh {feedback.tracking_code} - {label}."
    if feedback.status == "rejected" and feedback.rejection_reason:
        text += f" Lý do: {feedback.rejection_reason}"
    elif feedback.status in ("resolved", "published"):
        text += " Xem kết quả và đánh giá trên Cổng công dân số."
    elif feedback.status == "received":
        text += " Tra cứu trạng thái trên Cổng công dân số."
    return text[:600]
