"""Idempotency records, tracking codes, and the texts made from an item: its public search words and the status SMS.

Its own room because submission and the workflow share these small pure pieces with the storage adapter and the
demo data, none of which needs the service itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smartcommune.core.contracts import ROLE_LABELS_VI
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


# The steps a citizen is texted about: received, given (or moved) to a unit, the outcome, and the invitation to
# rate a published result. Starting, progress notes and approval show on the portal only.
TEXTED_ACTIONS = frozenset({"submit", "assign", "transfer", "resolve", "publish", "reject", "duplicate"})


def texted(feedback: Feedback, action: str) -> bool:
    """Whether ``action`` on ``feedback`` is news worth an SMS (publishing only while the result is unrated)."""
    if action == "publish":
        return feedback.rating is None
    return action in TEXTED_ACTIONS


def status_sms(commune: Commune, feedback: Feedback, action: str = "submit") -> str:
    """The SMS a citizen gets about their feedback, worded after the step just taken (``action``): being assigned
    to a unit and being transferred to another one are different news, and the citizen should read which."""
    code, unit = feedback.tracking_code, ROLE_LABELS_VI.get(feedback.unit, feedback.unit.value)
    portal = "trên Cổng công dân số"
    texts = {
        "submit": f"đã tiếp nhận phản ánh {code}. Tra cứu trạng thái {portal}.",
        "assign": f"phản ánh {code} đã được giao cho {unit} xử lý.",
        "transfer": f"phản ánh {code} đã được chuyển sang {unit} xử lý.",
        "start": f"phản ánh {code} đang được {unit} xử lý.",
        "progress": f"phản ánh {code} có cập nhật tiến độ xử lý.",
        "resolve": f"phản ánh {code} đã có kết quả xử lý. Xem kết quả và đánh giá {portal}.",
        "approve": f"kết quả xử lý phản ánh {code} đã được phê duyệt.",
        "publish": f"kết quả xử lý phản ánh {code} đã được công khai {portal}. Mời bạn đánh giá.",
        "reject": f"phản ánh {code} không được tiếp nhận.",
        "duplicate": f"phản ánh {code} trùng với phản ánh {feedback.duplicate_of}; kết quả sẽ được trả ở phản ánh đó.",
    }
    text = f"{commune.name}: " + texts.get(action, f"phản ánh {code} - {STATUS_LABELS_VI[feedback.status]}.")
    if action == "reject" and feedback.rejection_reason:
        text += f" Lý do: {feedback.rejection_reason}"
    return text[:600]
