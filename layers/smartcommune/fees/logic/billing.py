"""Billing rules, pure: which rate applies, what an exemption takes off, the invoice a household gets for a period,
and the reference that names it (deterministic, so generating twice finds the same invoice and makes no second).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime

from smartcommune.core.contracts import format_date_vn, format_vnd
from smartcommune.fees.contracts import (
    Exemption,
    FeeSchedule,
    FeeType,
    Household,
    Invoice,
    InvoiceView,
    Rate,
    format_period_vn,
)

STATUS_LABELS_VI: dict[str, str] = {
    "open": "Chưa thanh toán",
    "partial": "Đã trả một phần",
    "paid": "Đã thanh toán",
    "exempt": "Được miễn",
}


def invoice_reference(commune_id: str, household_id: str, fee_code: str, period: str) -> str:
    """``HP`` and 10 base32 letters/digits from a hash of what the invoice is for: short enough for the purpose
    field (25), readable aloud, the same every time it is computed."""
    digest = hashlib.sha256(f"{commune_id}|{household_id}|{fee_code}|{period}".encode()).digest()
    return "HP" + base64.b32encode(digest).decode()[:10]


def rate_for(rates: list[Rate], fee_code: str, category: str, period: str) -> Rate | None:
    """The rate in force for ``period``: the latest ``valid_from`` not after it that has not ended."""
    matching = [
        r
        for r in rates
        if r.fee_code == fee_code
        and r.category == category
        and r.valid_from <= period
        and (r.valid_until is None or period <= r.valid_until)
    ]
    return max(matching, key=lambda r: r.valid_from, default=None)


def exemption_for(exemptions: list[Exemption], fee_code: str, period: str) -> Exemption | None:
    """The most generous exemption covering the fee in the period."""
    covering = [e for e in exemptions if e.covers(fee_code, period)]
    return max(covering, key=lambda e: e.percent, default=None)


def due_date(fee: FeeType, period: str) -> date:
    return date(int(period[:4]), int(period[5:]), fee.due_day)


def build_invoice(
    schedule: FeeSchedule,
    fee: FeeType,
    household: Household,
    period: str,
    *,
    exemptions: list[Exemption],
    earlier_open: list[Invoice],
    now: datetime,
) -> Invoice | None:
    """The invoice ``household`` gets for ``fee`` in ``period``; ``None`` if no rate applies to its category.

    ``earlier_open`` are the household's unpaid invoices of this fee from earlier periods: their balance is carried
    onto the new invoice as arrears (each stays payable by its own reference).
    """
    rate = rate_for(schedule.rates, fee.code, household.category, period)
    if rate is None:
        return None
    exemption = exemption_for(exemptions, fee.code, period)
    percent = exemption.percent if exemption else 0
    amount = rate.amount_vnd * (100 - percent) // 100
    arrears = [i for i in earlier_open if i.period < period and i.is_open]
    return Invoice(
        reference=invoice_reference(household.commune_id, household.id, fee.code, period),
        commune_id=household.commune_id,
        household_id=household.id,
        hamlet_id=household.hamlet_id,
        head_name=household.head_name,
        fee_code=fee.code,
        fee_name=fee.name,
        period=period,
        category=household.category,
        base_vnd=rate.amount_vnd,
        exemption_percent=percent,
        exemption_decision=(
            f"{exemption.decision_no} ngày {format_date_vn(exemption.decision_date)}" if exemption else None
        ),
        amount_vnd=amount,
        arrears_vnd=sum(i.balance_vnd for i in arrears),
        arrears_refs=sorted(i.reference for i in arrears),
        status="exempt" if amount == 0 else "open",
        due_date=due_date(fee, period),
        issued_at=now,
    )


def view(invoice: Invoice, today: date, vietqr: str | None = None, pending_review: bool = False) -> InvoiceView:
    """An invoice as people read it; ``vietqr`` only for an open balance."""
    return InvoiceView(
        reference=invoice.reference,
        household_id=invoice.household_id,
        hamlet_id=invoice.hamlet_id,
        head_name=invoice.head_name,
        fee_code=invoice.fee_code,
        fee_name=invoice.fee_name,
        period=invoice.period,
        period_label=format_period_vn(invoice.period),
        amount_vnd=invoice.amount_vnd,
        amount_label=format_vnd(invoice.amount_vnd),
        paid_vnd=invoice.paid_vnd,
        balance_vnd=invoice.balance_vnd,
        arrears_vnd=invoice.arrears_vnd,
        arrears_refs=invoice.arrears_refs,
        exemption_percent=invoice.exemption_percent,
        exemption_decision=invoice.exemption_decision,
        status=invoice.status,
        status_label=STATUS_LABELS_VI[invoice.status],
        due_date=format_date_vn(invoice.due_date),
        overdue=invoice.is_open and invoice.due_date < today,
        paid_at=invoice.paid_at,
        receipt_no=invoice.receipt_no,
        vietqr=vietqr if invoice.is_open and invoice.balance_vnd > 0 else None,
        pending_review=pending_review,
    )
