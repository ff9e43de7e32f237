"""Payment callbacks, pure: the signature scheme, and what a payment does to its invoice.

**Signature.** The provider signs every callback with the commune's shared secret:
``X-SC-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>`` and ``X-SC-Timestamp: <unix s>``.
The raw bytes are what is signed, so nothing is parsed before the signature holds; a timestamp further than
:data:`REPLAY_WINDOW_S` from now is refused (a captured callback cannot be replayed later), and inside the window
the transaction id makes a replay harmless (the ledger keeps each transaction once).

**Matching.** A callback names the invoice by its reference (anywhere in the purpose text, as banking apps may
prefix it) and pays an amount. Exactly the open balance: the invoice is paid (late if after its due date). Anything
else — less, more, an invoice already paid, a reference the commune never issued — is *held* for staff, and the
invoice is not marked paid: staff apply it (a partial payment, or the balance with the excess refunded) or refund it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from smartcommune.core.contracts import VN_TZ
from smartcommune.core.errors import UnauthenticatedError

if TYPE_CHECKING:
    from smartcommune.fees.contracts import HoldReason, Invoice

REPLAY_WINDOW_S = 300
SIGNATURE_HEADER = "x-sc-signature"
TIMESTAMP_HEADER = "x-sc-timestamp"
_REFERENCE = re.compile(r"HP[A-Z2-7]{10}")


def commune_secret(platform_key: str, commune_id: str) -> str:
    """Each commune's callback secret, derived from the platform's: one commune's leak forges no other's."""
    return hmac.new(platform_key.encode(), f"payments:{commune_id}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _refused() -> UnauthenticatedError:
    return UnauthenticatedError(
        "Chữ ký của thông báo thanh toán không hợp lệ hoặc đã quá hạn.",
        "The payment notification's signature is invalid or expired.",
    )


def verify(secret: str, headers: dict[str, str], body: bytes, now: datetime) -> None:
    """Raise :class:`UnauthenticatedError` unless ``body`` was signed with ``secret`` within the replay window."""
    signature = headers.get(SIGNATURE_HEADER, "")
    stamp = headers.get(TIMESTAMP_HEADER, "")
    if not secret or not stamp.isdigit() or not signature.startswith("sha256="):
        raise _refused()
    if abs(now.timestamp() - int(stamp)) > REPLAY_WINDOW_S:
        raise _refused()
    if not hmac.compare_digest(sign(secret, int(stamp), body).encode(), signature.encode()):
        raise _refused()


def find_reference(purpose: str) -> str | None:
    """The invoice reference in a transfer's purpose text (upper-cased: some apps change case), if any."""
    match = _REFERENCE.search(purpose.upper().replace(" ", ""))
    return match.group(0) if match else None


@dataclass(frozen=True)
class Decision:
    """What to do with a payment: apply ``apply_vnd`` to the invoice (``pays``: it becomes paid), or hold it."""

    apply_vnd: int
    pays: bool
    hold: HoldReason | None
    late: bool


def decide(invoice: Invoice | None, amount_vnd: int, paid_at: datetime) -> Decision:
    """The rule of the module docstring, for a payment of ``amount_vnd`` to ``invoice`` (``None``: unknown)."""
    if invoice is None:
        return Decision(0, False, "unknown_reference", False)
    late = paid_at.astimezone(VN_TZ).date() > invoice.due_date
    if not invoice.is_open or invoice.balance_vnd == 0:
        return Decision(0, False, "already_paid", late)
    if amount_vnd == invoice.balance_vnd:
        return Decision(amount_vnd, True, None, late)
    return Decision(0, False, "underpaid" if amount_vnd < invoice.balance_vnd else "overpaid", late)


def staff_apply(invoice: Invoice, amount_vnd: int) -> Decision:
    """Staff apply a held payment: up to the balance (the rest is to be refunded)."""
    applied = min(amount_vnd, invoice.balance_vnd)
    return Decision(applied, applied == invoice.balance_vnd and applied > 0, None, False)
