"""Household fees and payments: fee types and rates, households that pay, exemptions, invoices, payments, receipts,
registered businesses, and what staff and citizens send and see.

Money is whole đồng (VND has no minor unit); a period is a month, ``YYYY-MM``. An invoice's ``reference`` is what a
bank transfer carries in its purpose field and what a payment callback is matched by.

Long because: the ledger's models (fee types, rates, households, exemptions, invoices, payments, receipts) are read
together by the routes, the pages, the CLI, the receipt renderer and the criteria; split, each would import from
several modules.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from smartcommune.core.contracts import Contract

PERIOD = r"^20\d\d-(0[1-9]|1[0-2])$"
FEE_CODE = r"^[a-z][a-z0-9-]{1,30}$"
HAMLET_ID = r"^[a-z0-9-]{1,40}$"
HOUSEHOLD_ID = r"^[a-z0-9-]{3,40}$"
INVOICE_REF = r"^HP[A-Z2-7]{10}$"
INVOICE_REF_RE = re.compile(INVOICE_REF)
TX_ID = r"^[A-Za-z0-9._:-]{4,64}$"

HouseholdCategory = Literal["standard", "poor", "near_poor", "policy", "business"]
"""Hộ thường, hộ nghèo, hộ cận nghèo, gia đình chính sách, hộ kinh doanh: rates and exemptions follow it."""

CATEGORY_LABELS_VI: dict[str, str] = {
    "standard": "Hộ thường",
    "poor": "Hộ nghèo",
    "near_poor": "Hộ cận nghèo",
    "policy": "Gia đình chính sách",
    "business": "Hộ kinh doanh",
}

FeeUnit = Literal["household_month", "stall_month", "once"]
InvoiceStatus = Literal["open", "partial", "paid", "exempt"]
PaymentChannel = Literal["vietqr", "gateway", "cash"]
ONLINE_CHANNELS: frozenset[str] = frozenset({"vietqr", "gateway"})
PaymentStatus = Literal["received", "applied", "held", "refused", "refunded"]
HoldReason = Literal["underpaid", "overpaid", "already_paid", "unknown_reference"]
PaymentMethod = Literal["cash", "vietqr", "bank_transfer", "card", "ewallet"]
ONLINE_METHODS: frozenset[str] = frozenset({"vietqr", "bank_transfer", "card", "ewallet"})


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def format_period_vn(period: str) -> str:
    """``2026-11`` → ``tháng 11/2026``."""
    return f"tháng {int(period[5:])}/{period[:4]}"


# ---------------------------------------------------------------- configuration


class PayeeAccount(Contract):
    """The commune's collection account that every VietQR code pays into (NAPAS 247)."""

    bank_bin: str = Field(pattern=r"^\d{6}$", description="the bank's 6-digit NAPAS BIN, e.g. 970405 (Agribank)")
    account_no: str = Field(pattern=r"^[0-9A-Za-z]{4,19}$")
    account_name: str = Field(min_length=2, max_length=70, description="e.g. UBND XA GIAO PHONG")
    bank_name: str = Field(min_length=2, max_length=80)


class FeeType(Contract):
    """One fee or charge the commune collects."""

    code: str = Field(pattern=FEE_CODE, description="e.g. waste, water, market-stall")
    name: str = Field(min_length=2, max_length=120, description="e.g. Phí thu gom rác thải sinh hoạt")
    unit: FeeUnit = "household_month"
    due_day: int = Field(default=15, ge=1, le=28, description="day of the period's month the invoice falls due")
    active: bool = True


class Rate(Contract):
    """What one household category pays for a fee per period, from ``valid_from`` (a period) on."""

    fee_code: str = Field(pattern=FEE_CODE)
    category: HouseholdCategory
    amount_vnd: int = Field(ge=0, le=100_000_000)
    valid_from: str = Field(pattern=PERIOD)
    valid_until: str | None = Field(default=None, pattern=PERIOD, description="last period; none: open-ended")
    decision: str | None = Field(default=None, max_length=160, description="the resolution that sets the rate")


class FeeSchedule(BaseModel):
    """A commune's whole fee configuration (one read)."""

    commune_id: str
    payee: PayeeAccount | None = None
    fee_types: list[FeeType] = Field(default_factory=list)
    rates: list[Rate] = Field(default_factory=list)
    periods: dict[str, list[str]] = Field(default_factory=dict, description="fee code → periods invoiced so far")

    def fee(self, code: str) -> FeeType | None:
        return next((f for f in self.fee_types if f.code == code), None)


# ---------------------------------------------------------------- households and businesses


class NewHousehold(Contract):
    """Staff (or the demo seeder) register a household that pays commune fees; members are citizen accounts."""

    id: str = Field(pattern=HOUSEHOLD_ID, description="the household book number as the commune writes it")
    hamlet_id: str = Field(pattern=HAMLET_ID)
    head_name: str = Field(min_length=2, max_length=100)
    address: str = Field(min_length=2, max_length=200)
    category: HouseholdCategory = "standard"
    member_citizen_ids: list[str] = Field(default_factory=list, max_length=30)
    fee_codes: list[str] = Field(
        default_factory=lambda: ["waste"], max_length=10, description="the fees this household is billed for"
    )


class Household(NewHousehold):
    commune_id: str
    created_at: datetime


class NewBusiness(Contract):
    """A business registered with the commune, with how it accepts payment (criterion 8.2)."""

    name: str = Field(min_length=2, max_length=150)
    hamlet_id: str = Field(pattern=HAMLET_ID)
    kind: str = Field(min_length=2, max_length=80, description="e.g. tạp hóa, chế biến hải sản")
    payment_methods: list[PaymentMethod] = Field(min_length=1, max_length=5)


class Business(NewBusiness):
    id: str
    commune_id: str
    registered_at: datetime

    @property
    def accepts_online(self) -> bool:
        return any(m in ONLINE_METHODS for m in self.payment_methods)


class NewExemption(Contract):
    """An exemption or reduction of a household's fee, with the decision that grants it."""

    fee_code: str = Field(pattern=FEE_CODE)
    percent: int = Field(ge=1, le=100, description="100: exempt; 50: half")
    decision_no: str = Field(min_length=3, max_length=60, description="e.g. 45/QĐ-UBND")
    decision_date: date
    signed_by: str = Field(min_length=2, max_length=100)
    reason: str = Field(min_length=3, max_length=300, description="e.g. hộ nghèo năm 2026")
    valid_from: str = Field(pattern=PERIOD)
    valid_until: str | None = Field(default=None, pattern=PERIOD)


class Exemption(NewExemption):
    household_id: str
    granted_by: str
    granted_at: datetime

    def covers(self, fee_code: str, period: str) -> bool:
        return (
            self.fee_code == fee_code
            and self.valid_from <= period
            and (self.valid_until is None or period <= self.valid_until)
        )


# ---------------------------------------------------------------- invoices


class Invoice(BaseModel):
    """One household's charge for one fee and one period. Its ``reference`` is also its id."""

    reference: str = Field(pattern=INVOICE_REF)
    commune_id: str
    household_id: str
    hamlet_id: str
    head_name: str
    fee_code: str
    fee_name: str
    period: str = Field(pattern=PERIOD)
    category: HouseholdCategory
    base_vnd: int = Field(ge=0, description="the rate before any exemption")
    exemption_percent: int = 0
    exemption_decision: str | None = None
    amount_vnd: int = Field(ge=0, description="what this period costs after exemptions")
    arrears_vnd: int = Field(default=0, ge=0, description="unpaid balance of earlier periods of this fee, carried")
    arrears_refs: list[str] = Field(default_factory=list, description="the earlier invoices still open")
    paid_vnd: int = 0
    status: InvoiceStatus = "open"
    due_date: date
    issued_at: datetime
    paid_at: datetime | None = None
    paid_online: bool = False
    payment_ids: list[str] = Field(default_factory=list)
    held_ids: list[str] = Field(default_factory=list, description="payments waiting for staff")
    receipt_no: str | None = None
    version: int | None = None

    @property
    def balance_vnd(self) -> int:
        return max(self.amount_vnd - self.paid_vnd, 0)

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "partial")


class GenerateInvoices(Contract):
    """``POST /fees/invoices/generate``: bill every household of the commune for one fee and period."""

    fee_code: str = Field(pattern=FEE_CODE)
    period: str = Field(pattern=PERIOD)


class GenerationReport(BaseModel):
    fee_code: str
    period: str
    households: int
    created: int
    already_there: int
    exempt: int
    seconds: float


class InvoiceView(BaseModel):
    """An invoice as its household and staff see it; ``vietqr`` is the payload its QR code encodes (open only)."""

    reference: str
    household_id: str
    hamlet_id: str
    head_name: str
    fee_code: str
    fee_name: str
    period: str
    period_label: str
    amount_vnd: int
    amount_label: str
    paid_vnd: int
    balance_vnd: int
    arrears_vnd: int
    arrears_refs: list[str]
    exemption_percent: int
    exemption_decision: str | None
    status: InvoiceStatus
    status_label: str
    due_date: str
    overdue: bool
    paid_at: datetime | None
    receipt_no: str | None
    vietqr: str | None = None
    pending_review: bool = False


class InvoiceList(BaseModel):
    items: list[InvoiceView]
    total_due_vnd: int = 0


class OpenInvoicesQuery(Contract):
    """``GET /fees/arrears``: open balances by hamlet and fee."""

    fee_code: str = Field(default="waste", pattern=FEE_CODE)
    hamlet_id: str | None = Field(default=None, pattern=HAMLET_ID)
    overdue_only: bool = True
    limit: int = Field(default=200, ge=1, le=1000)


class ArrearsLine(BaseModel):
    household_id: str
    head_name: str
    hamlet_id: str
    periods: list[str]
    references: list[str]
    balance_vnd: int


class ArrearsReport(BaseModel):
    fee_code: str
    hamlet_id: str | None
    households: int
    total_vnd: int
    lines: list[ArrearsLine]


# ---------------------------------------------------------------- payments


class ProviderCallback(Contract):
    """What the bank or payment provider posts when money arrives (signed; see ``fees.logic.payments``)."""

    transaction_id: str = Field(pattern=TX_ID)
    reference: str = Field(min_length=1, max_length=60, description="the transfer's purpose text")
    amount_vnd: int = Field(gt=0, le=1_000_000_000)
    paid_at: datetime
    channel: Literal["vietqr", "gateway"] = "vietqr"
    payer_name: str | None = Field(default=None, max_length=100)
    bank_bin: str | None = Field(default=None, pattern=r"^\d{6}$")
    account_no: str | None = Field(default=None, max_length=19)


class CashPayment(Contract):
    """``POST /fees/invoices/{reference}/cash``: money counted at the office."""

    amount_vnd: int = Field(gt=0, le=1_000_000_000)
    payer_name: str = Field(min_length=2, max_length=100)
    slip_no: str = Field(min_length=1, max_length=40, description="the cash book line: makes a retry harmless")


class Payment(BaseModel):
    """One payment as the ledger keeps it, whatever its channel."""

    id: str = Field(description="channel:transaction id")
    commune_id: str
    channel: PaymentChannel
    transaction_id: str
    reference: str
    invoice_ref: str | None = None
    household_id: str | None = None
    fee_code: str | None = None
    amount_vnd: int
    applied_vnd: int = 0
    paid_at: datetime
    received_at: datetime
    payer_name: str | None = None
    status: PaymentStatus = "received"
    hold_reason: HoldReason | None = None
    late: bool = False
    note: str | None = None
    resolved_by: str | None = None


class CallbackOutcome(BaseModel):
    """What the callback endpoint answers the provider (2xx means: do not send it again)."""

    payment_id: str
    status: PaymentStatus
    duplicate: bool = False
    hold_reason: HoldReason | None = None
    invoice_status: InvoiceStatus | None = None
    receipt_no: str | None = None


class Resolution(Contract):
    """Staff settle a held payment: apply it to its invoice (the excess is refunded) or refund it whole."""

    action: Literal["apply", "refund"]
    note: str = Field(min_length=3, max_length=300)


class PaymentList(BaseModel):
    items: list[Payment]


# ---------------------------------------------------------------- receipts


class Receipt(BaseModel):
    """An electronic receipt (biên lai điện tử): numbered without gaps within its series."""

    series: str = Field(description="e.g. GP-26E: the commune's prefix, the year, E for electronic")
    number: int = Field(ge=1)
    commune_id: str
    commune_name: str
    invoice_ref: str
    household_id: str
    payer_name: str
    fee_name: str
    period: str
    amount_vnd: int
    amount_words: str
    channel: PaymentChannel
    issued_at: datetime

    @property
    def receipt_no(self) -> str:
        return f"{self.series}/{self.number:07d}"


class ReceiptView(BaseModel):
    receipt_no: str
    series: str
    number: int
    payer_name: str
    fee_name: str
    period_label: str
    amount_vnd: int
    amount_label: str
    amount_words: str
    date: str
    channel: PaymentChannel
    invoice_ref: str
    html_url: str
    pdf_url: str


# ---------------------------------------------------------------- criteria


class FeeShare(BaseModel):
    fee_code: str
    households_billed: int
    households_paying_online: int
    share: float


class CriteriaReport(BaseModel):
    """Criteria 8.1 and 8.2 from the ledger, against their 50% targets."""

    commune_id: str
    periods: list[str]
    c81_by_fee: list[FeeShare]
    c81_share: float
    c81_target: float = 0.5
    c82_businesses: int
    c82_online: int
    c82_share: float
    c82_target: float = 0.5


class CriteriaQuery(Contract):
    since: str | None = Field(default=None, pattern=PERIOD, description="first period counted; default: 12 back")


# ---------------------------------------------------------------- waste collection (criterion 16.4)

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class WasteRoute(Contract):
    """One collection round in a hamlet: the streets it covers, the weekdays (0 = Monday) and the time window."""

    id: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    hamlet_id: str = Field(pattern=HAMLET_ID)
    name: str = Field(min_length=2, max_length=120, description="e.g. Tuyến đường trục xóm")
    streets: str = Field(default="", max_length=500, description="the roads and alleys the truck passes")
    weekdays: list[int] = Field(min_length=1, max_length=7)
    start: str = Field(pattern=HHMM, description="Vietnam time")
    end: str = Field(pattern=HHMM)
    collector: str = Field(default="Tổ thu gom rác xã", max_length=120)


class NewWasteChange(Contract):
    """A one-off change: collection of ``day`` moves to ``moved_to`` or is cancelled (``moved_to`` empty)."""

    hamlet_id: str = Field(pattern=HAMLET_ID)
    day: date
    moved_to: date | None = None
    reason: str = Field(min_length=3, max_length=300)
    announce: bool = Field(default=True, description="draft a bulletin for the alert channels (approval needed)")


class WasteChange(NewWasteChange):
    created_by: str
    created_at: datetime
    bulletin_id: str | None = None


class Collection(BaseModel):
    """One collection that will happen (after holiday rules and changes)."""

    hamlet_id: str
    route_id: str
    route_name: str
    streets: str
    day: date
    start: str
    end: str
    planned_day: date = Field(description="the day it would have been without a holiday or change")
    note: str | None = None


class HamletSchedule(BaseModel):
    commune_id: str
    hamlet_id: str
    hamlet_name: str
    routes: list[WasteRoute]
    upcoming: list[Collection]
    calendar_url: str


class CalendarLink(BaseModel):
    hamlet: str
    name: str
    url: str
    commune_id: str


class CalendarList(BaseModel):
    items: list[CalendarLink]


class CalendarQuery(Contract):
    commune_id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")


class MissedCollection(Contract):
    """A citizen reports that the truck did not come: it becomes feedback in the environment field."""

    hamlet_id: str = Field(pattern=HAMLET_ID)
    day: date
    details: str = Field(default="", max_length=1000)


class WasteChangeResult(BaseModel):
    change: WasteChange
    bulletin_id: str | None
    bulletin_status: str | None = None
