"""Fees, payments, receipts and waste collection over HTTP: thin handlers (parse → one domain call → map).

The commune office (văn phòng) administers fees with the chairman's office (admin); a citizen sees their own
household's invoices; the payment callback is public but refused unless its signature holds; waste calendars are
public.

Long because: every fee endpoint (configuration, households, invoices, payments, receipts, criteria, waste) is
declared here with its access, one short handler each.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from pydantic import BaseModel, Field

from smartcommune.core.api.http import ApiResponse
from smartcommune.core.api.router import CITIZENS, PUBLIC, router
from smartcommune.core.contracts import Contract, Role
from smartcommune.core.errors import InvalidInputError
from smartcommune.fees.contracts import (
    INVOICE_REF_RE,
    ArrearsReport,
    Business,
    CalendarList,
    CalendarQuery,
    CallbackOutcome,
    CashPayment,
    CriteriaQuery,
    CriteriaReport,
    Exemption,
    FeeSchedule,
    FeeType,
    GenerateInvoices,
    GenerationReport,
    HamletSchedule,
    Household,
    InvoiceList,
    InvoiceView,
    MissedCollection,
    NewBusiness,
    NewExemption,
    NewHousehold,
    NewWasteChange,
    OpenInvoicesQuery,
    PayeeAccount,
    Payment,
    PaymentList,
    Rate,
    ReceiptView,
    Resolution,
    WasteChangeResult,
    WasteRoute,
)

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.fees.logic.collection import WasteService
    from smartcommune.fees.logic.service import FeeService

TAGS = ("fees",)
WASTE_TAGS = ("waste",)
OFFICE = frozenset({Role.OFFICE, Role.ADMIN})
HOUSEHOLD_READERS = frozenset({Role.CITIZEN, Role.OFFICE, Role.ADMIN})


def _fees(request: ApiRequest) -> FeeService:
    from smartcommune.fees.wiring import fee_service

    return request.services.get(fee_service)


def _waste(request: ApiRequest) -> WasteService:
    from smartcommune.fees.wiring import waste_service

    return request.services.get(waste_service)


def _reference(request: ApiRequest) -> str:
    reference = request.path_params["reference"].upper()
    if not INVOICE_REF_RE.match(reference):
        raise InvalidInputError("Mã hóa đơn không hợp lệ.", "Invalid invoice reference.")
    return reference


class Saved(BaseModel):
    ok: bool = True


class QrCode(BaseModel):
    reference: str
    payload: str = Field(description="exactly what the QR code encodes (VietQR / EMVCo)")
    svg: str


class PaymentsQuery(Contract):
    limit: int = Field(default=50, ge=1, le=200)


# ---------------------------------------------------------------- configuration


@router.route(
    "GET", "/fees/schedule", allow=OFFICE, summary="Fee types, rates, payee account", response=FeeSchedule, tags=TAGS
)
def fee_schedule(request: ApiRequest) -> FeeSchedule:
    return _fees(request).schedule(request.caller.commune_id)


@router.route(
    "PUT",
    "/fees/payee",
    allow=OFFICE,
    summary="Set the commune's collection account (VietQR payee)",
    body=PayeeAccount,
    response=Saved,
    tags=TAGS,
)
def put_payee(request: ApiRequest) -> Saved:
    _fees(request).put_payee(request.caller, request.body)
    return Saved()


@router.route(
    "PUT", "/fees/types", allow=OFFICE, summary="Create or change a fee type", body=FeeType, response=Saved, tags=TAGS
)
def put_fee_type(request: ApiRequest) -> Saved:
    _fees(request).put_fee_type(request.caller, request.body)
    return Saved()


@router.route(
    "POST",
    "/fees/rates",
    allow=OFFICE,
    summary="Set a rate for a household category from a period on",
    body=Rate,
    response=Saved,
    status=201,
    tags=TAGS,
)
def put_rate(request: ApiRequest) -> Saved:
    _fees(request).put_rate(request.caller, request.body)
    return Saved()


# ---------------------------------------------------------------- households and businesses


@router.route(
    "POST",
    "/fees/households",
    allow=OFFICE,
    summary="Register a household that pays commune fees",
    body=NewHousehold,
    response=Household,
    status=201,
    tags=TAGS,
)
def register_household(request: ApiRequest) -> Household:
    return _fees(request).register_household(request.caller, request.body)


@router.route(
    "POST",
    "/fees/households/{household_id}/exemptions",
    allow=OFFICE,
    summary="Exempt or reduce a household's fee, with the decision that grants it",
    body=NewExemption,
    response=Exemption,
    status=201,
    tags=TAGS,
)
def grant_exemption(request: ApiRequest) -> Exemption:
    return _fees(request).grant_exemption(request.caller, request.path_params["household_id"], request.body)


@router.route(
    "GET",
    "/fees/households/{household_id}/invoices",
    allow=OFFICE,
    summary="A household's invoices and history",
    response=InvoiceList,
    tags=TAGS,
)
def household_invoices(request: ApiRequest) -> InvoiceList:
    household = _fees(request).household(request.caller, request.path_params["household_id"])
    return _fees(request).household_invoices(request.caller.commune_id, household.id)


@router.route(
    "POST",
    "/fees/businesses",
    allow=OFFICE,
    summary="Register a business with the payment methods it accepts (criterion 8.2)",
    body=NewBusiness,
    response=Business,
    status=201,
    tags=TAGS,
)
def register_business(request: ApiRequest) -> Business:
    return _fees(request).register_business(request.caller, request.body, uuid.uuid4().hex)


# ---------------------------------------------------------------- invoices


@router.route(
    "POST",
    "/fees/invoices/generate",
    allow=OFFICE,
    summary="Invoice every household for a fee and period (again: nothing new is made)",
    body=GenerateInvoices,
    response=GenerationReport,
    tags=TAGS,
)
def generate_invoices(request: ApiRequest) -> GenerationReport:
    body: GenerateInvoices = request.body
    return _fees(request).generate(request.caller.commune_id, body.fee_code, body.period)


@router.route(
    "GET",
    "/fees/arrears",
    allow=OFFICE,
    summary="Arrears by hamlet and fee type",
    query=OpenInvoicesQuery,
    response=ArrearsReport,
    tags=TAGS,
)
def arrears(request: ApiRequest) -> ArrearsReport:
    return _fees(request).arrears(request.caller, request.query)


@router.route(
    "GET",
    "/fees/me/invoices",
    allow=CITIZENS,
    summary="The signed-in citizen's household's invoices",
    response=InvoiceList,
    tags=TAGS,
)
def my_invoices(request: ApiRequest) -> InvoiceList:
    return _fees(request).my_invoices(request.caller)


@router.route(
    "GET",
    "/fees/invoices/{reference}",
    allow=HOUSEHOLD_READERS,
    summary="One invoice (a citizen: their household's only), with its VietQR payload while open",
    response=InvoiceView,
    tags=TAGS,
)
def get_invoice(request: ApiRequest) -> InvoiceView:
    return _fees(request).invoice(request.caller, _reference(request))


@router.route(
    "GET",
    "/fees/invoices/{reference}/qr",
    allow=HOUSEHOLD_READERS,
    summary="The open invoice's VietQR code as SVG, with the exact payload it encodes",
    response=QrCode,
    tags=TAGS,
)
def invoice_qr(request: ApiRequest) -> QrCode:
    from smartcommune.core.errors import ConflictError
    from smartcommune.fees.logic.vietqr import qr_svg

    view = _fees(request).invoice(request.caller, _reference(request))
    if view.vietqr is None:
        raise ConflictError("Hóa đơn không còn số tiền phải trả.", "Nothing is left to pay on this invoice.")
    return QrCode(reference=view.reference, payload=view.vietqr, svg=qr_svg(view.vietqr))


@router.route(
    "POST",
    "/fees/invoices/{reference}/cash",
    allow=OFFICE,
    summary="Record cash paid at the office (a retry with the same slip number pays once)",
    body=CashPayment,
    response=CallbackOutcome,
    tags=TAGS,
)
def record_cash(request: ApiRequest) -> CallbackOutcome:
    return _fees(request).record_cash(request.caller, _reference(request), request.body)


# ---------------------------------------------------------------- receipts


def _receipt_paths(request: ApiRequest, reference: str) -> str:
    return f"/fees/invoices/{reference}/receipt"


@router.route(
    "GET",
    "/fees/invoices/{reference}/receipt",
    allow=HOUSEHOLD_READERS,
    summary="The electronic receipt of a paid invoice",
    response=ReceiptView,
    tags=TAGS,
)
def get_receipt(request: ApiRequest) -> ReceiptView:
    from smartcommune.fees.logic.receipts import receipt_view

    reference = _reference(request)
    return receipt_view(_fees(request).receipt(request.caller, reference), _receipt_paths(request, reference))


@router.route(
    "GET",
    "/fees/invoices/{reference}/receipt.html",
    allow=HOUSEHOLD_READERS,
    summary="The receipt as a printable page",
    tags=TAGS,
    produces=("text/html",),
)
def receipt_page(request: ApiRequest) -> ApiResponse:
    from smartcommune.fees.logic.receipts import receipt_html

    receipt = _fees(request).receipt(request.caller, _reference(request))
    return ApiResponse(
        body=receipt_html(receipt),
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'",
        },
    )


@router.route(
    "GET",
    "/fees/invoices/{reference}/receipt.pdf",
    allow=HOUSEHOLD_READERS,
    summary="The receipt as a PDF (Vietnamese font embedded)",
    tags=TAGS,
    produces=("application/pdf",),
)
def receipt_pdf(request: ApiRequest) -> ApiResponse:
    service = _fees(request)
    receipt = service.receipt(request.caller, _reference(request))
    return ApiResponse(
        body=service.receipt_pdf(receipt),
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="bien-lai-{receipt.series}-{receipt.number:07d}.pdf"',
        },
    )


# ---------------------------------------------------------------- payments


@router.route(
    "POST",
    "/public/payments/{commune_id}/callback",
    allow=PUBLIC,
    summary="A bank's or provider's payment notification, signed (X-SC-Timestamp, X-SC-Signature)",
    response=CallbackOutcome,
    tags=TAGS,
)
def payment_callback(request: ApiRequest) -> CallbackOutcome:
    return _fees(request).callback(request.path_params["commune_id"], request.raw.headers, request.raw.body or b"")


@router.route(
    "GET",
    "/fees/payments/held",
    allow=OFFICE,
    summary="Payments waiting for staff (under, over, on a paid or unknown invoice)",
    response=PaymentList,
    tags=TAGS,
)
def held_payments(request: ApiRequest) -> PaymentList:
    return PaymentList(items=_fees(request).held(request.caller))


@router.route(
    "GET",
    "/fees/payments",
    allow=OFFICE,
    summary="The newest payments of every channel",
    query=PaymentsQuery,
    response=PaymentList,
    tags=TAGS,
)
def recent_payments(request: ApiRequest) -> PaymentList:
    query: PaymentsQuery = request.query
    return PaymentList(items=_fees(request).recent(request.caller, query.limit))


@router.route(
    "POST",
    "/fees/payments/{payment_id}/resolve",
    allow=OFFICE,
    summary="Apply a held payment to its invoice (excess refunded) or refund it",
    body=Resolution,
    response=Payment,
    tags=TAGS,
)
def resolve_payment(request: ApiRequest) -> Payment:
    return _fees(request).resolve(request.caller, unquote(request.path_params["payment_id"]), request.body)


@router.route(
    "GET",
    "/fees/criteria",
    allow=OFFICE,
    summary="Criteria 8.1 (households paying online, by fee) and 8.2 (businesses accepting it)",
    query=CriteriaQuery,
    response=CriteriaReport,
    tags=TAGS,
)
def fee_criteria(request: ApiRequest) -> CriteriaReport:
    query: CriteriaQuery = request.query
    return _fees(request).criteria(request.caller, query.since)


# ---------------------------------------------------------------- waste collection


@router.route(
    "GET",
    "/public/waste/calendars",
    allow=PUBLIC,
    summary="Every hamlet's waste-collection iCalendar feed: {hamlet, name, url}",
    query=CalendarQuery,
    response=CalendarList,
    tags=WASTE_TAGS,
)
def waste_calendars(request: ApiRequest) -> CalendarList:
    query: CalendarQuery = request.query
    return CalendarList(items=_waste(request).calendars(query.commune_id))


@router.route(
    "GET",
    "/public/waste/{commune_id}/{hamlet_id}",
    allow=PUBLIC,
    summary="A hamlet's collection routes and the next four weeks' collections",
    response=HamletSchedule,
    tags=WASTE_TAGS,
)
def waste_schedule(request: ApiRequest) -> HamletSchedule:
    return _waste(request).schedule(_commune_in_path(request), request.path_params["hamlet_id"])


@router.route(
    "GET",
    "/public/waste/{commune_id}/{hamlet_id}/calendar.ics",
    allow=PUBLIC,
    summary="A hamlet's collections as an iCalendar feed (RFC 5545) to subscribe to",
    tags=WASTE_TAGS,
    produces=("text/calendar",),
)
def waste_ical(request: ApiRequest) -> ApiResponse:
    text = _waste(request).ical(_commune_in_path(request), request.path_params["hamlet_id"])
    return ApiResponse(
        body=text, headers={"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "public, max-age=3600"}
    )


@router.route(
    "PUT",
    "/waste/routes",
    allow=OFFICE,
    summary="Create or change a hamlet's collection route",
    body=WasteRoute,
    response=WasteRoute,
    tags=WASTE_TAGS,
)
def put_waste_route(request: ApiRequest) -> WasteRoute:
    return _waste(request).put_route(request.caller, request.body)


@router.route(
    "POST",
    "/waste/changes",
    allow=OFFICE,
    summary="Move or cancel a day's collection; drafts the announcement for the alert channels",
    body=NewWasteChange,
    response=WasteChangeResult,
    status=201,
    tags=WASTE_TAGS,
)
def waste_change(request: ApiRequest) -> WasteChangeResult:
    return _waste(request).change(request.caller, request.body)


@router.route(
    "POST",
    "/waste/missed",
    allow=CITIZENS,
    summary="Report a missed collection: it becomes feedback in the environment field",
    body=MissedCollection,
    status=201,
    tags=WASTE_TAGS,
)
def report_missed(request: ApiRequest) -> dict[str, Any]:
    return _waste(request).report_missed(request.caller, request.body)


def _commune_in_path(request: ApiRequest) -> str:
    """The path's commune id, resolved through mergers (an old commune's links keep answering)."""
    from smartcommune.communes.wiring import current_commune_id

    return current_commune_id(request.services, request.path_params["commune_id"])
