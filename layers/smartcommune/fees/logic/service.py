"""The fee ledger's use cases: configuration, households, invoices, payments from every channel, receipts, criteria.

Long because: the ledger's use cases share one set of rules about who sees which household and how a payment moves
an invoice; the pure rules themselves live in ``billing``, ``payments`` and ``receipts`` beside this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from smartcommune.fees.contracts import (
    ONLINE_CHANNELS,
    ArrearsLine,
    ArrearsReport,
    Business,
    CallbackOutcome,
    CashPayment,
    CriteriaReport,
    Exemption,
    FeeSchedule,
    FeeShare,
    FeeType,
    GenerationReport,
    Household,
    Invoice,
    InvoiceList,
    InvoiceView,
    NewBusiness,
    NewExemption,
    NewHousehold,
    OpenInvoicesQuery,
    PayeeAccount,
    Payment,
    PaymentChannel,
    ProviderCallback,
    Rate,
    Receipt,
    Resolution,
    previous_period,
)
from smartcommune.fees.logic import billing, payments, receipts, vietqr

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.fees.logic.ports import CitizenDirectory, CommuneDirectory, FeeStore, Journal

STAFF_READERS = frozenset({Role.ADMIN, Role.OFFICE})
COMMUNE_CACHE_S = 60.0
GENERATE_WRITERS = 8
_RETRIES = 8


def _not_found(what: str = "hóa đơn", what_en: str = "invoice") -> NotFoundError:
    return NotFoundError(f"Không tìm thấy {what}.", f"No such {what_en}.")


def commune_prefix(commune_id: str) -> str:
    """``giao-phong`` → ``GP``: the receipt series' prefix."""
    return "".join(part[0] for part in commune_id.split("-") if part).upper()[:4]


@dataclass(frozen=True)
class FeeLimits:
    payment_key: str  # the platform secret every commune's callback secret derives from
    font_path: str  # a TrueType font with Vietnamese glyphs, embedded in receipt PDFs


class FeeService:
    """Fees of every commune; each call is bounded by the caller's commune (the callback: by its signed path)."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        store: FeeStore,
        citizens: CitizenDirectory,
        communes: CommuneDirectory,
        limits: FeeLimits,
        audit: Journal | None = None,
    ) -> None:
        self._clock = clock
        self._store = store
        self._citizens = citizens
        self._communes = communes
        self._limits = limits
        self._audit = audit
        self._commune_cache: dict[str, tuple[float, Commune]] = {}

    def _commune(self, commune_id: str) -> Commune | None:
        """The commune's profile, kept for a minute (every callback and receipt needs its name; it rarely changes)."""
        now = time.monotonic()
        cached = self._commune_cache.get(commune_id)
        if cached is not None and now - cached[0] < COMMUNE_CACHE_S:
            return cached[1]
        commune = self._communes.get(commune_id)
        if commune is not None:
            self._commune_cache[commune_id] = (now, commune)
        return commune

    def _trail(self, caller: Principal, action: str, target: str, after: dict[str, object]) -> None:
        """An audit entry for a staff action, after its write (the write itself is idempotent)."""
        if self._audit is None:
            return
        from smartcommune.audit.contracts import AuditRecord

        record = AuditRecord(
            actor_id=caller.subject_id, actor_role=caller.primary_role, action=action, target=target, after=after
        )
        self._audit.commit(caller.commune_id, record)

    def _today(self) -> date:
        return self._clock().astimezone(VN_TZ).date()

    # ------------------------------------------------------------ configuration (office, admin)

    def schedule(self, commune_id: str) -> FeeSchedule:
        return self._store.schedule(commune_id)

    def put_payee(self, caller: Principal, payee: PayeeAccount) -> None:
        self._store.put_payee(caller.commune_id, payee)
        self._trail(caller, "fees.payee", "fees/payee", payee.model_dump())

    def put_fee_type(self, caller: Principal, fee: FeeType) -> None:
        self._store.put_fee_type(caller.commune_id, fee)
        self._trail(caller, "fees.fee_type", f"fee/{fee.code}", fee.model_dump())

    def put_rate(self, caller: Principal, rate: Rate) -> None:
        if self._store.schedule(caller.commune_id).fee(rate.fee_code) is None:
            raise InvalidInputError("Không có khoản thu này.", "No such fee.")
        self._store.put_rate(caller.commune_id, rate)
        self._trail(caller, "fees.rate", f"rate/{rate.fee_code}/{rate.category}", rate.model_dump())

    def payee_secret(self, commune_id: str) -> str:
        """The commune's callback secret; empty when no platform key is configured (then nothing verifies)."""
        if not self._limits.payment_key:
            return ""
        return payments.commune_secret(self._limits.payment_key, commune_id)

    # ------------------------------------------------------------ households

    def register_household(self, caller: Principal, new: NewHousehold) -> Household:
        commune_id = caller.commune_id
        commune = self._communes.get(commune_id)
        if commune is None or commune.hamlet(new.hamlet_id) is None:
            raise InvalidInputError("Xóm không thuộc xã.", "The hamlet is not one of the commune's.")
        for citizen_id in new.member_citizen_ids:
            if self._citizens.get(commune_id, citizen_id) is None:
                raise InvalidInputError(
                    f"Không có công dân {citizen_id} trong xã.", f"No citizen {citizen_id} in the commune."
                )
        household = Household(**new.model_dump(), commune_id=commune_id, created_at=self._clock())
        if not self._store.create_household(household):
            raise ConflictError(
                "Mã hộ đã có, hoặc một thành viên đã thuộc hộ khác.",
                "The household id exists, or a member already belongs to another household.",
            )
        return household

    def household(self, caller: Principal, household_id: str) -> Household:
        household = self._store.get_household(caller.commune_id, household_id)
        if household is None:
            raise _not_found("hộ", "household")
        return household

    def grant_exemption(self, caller: Principal, household_id: str, new: NewExemption) -> Exemption:
        self.household(caller, household_id)
        exemption = self.exempt(caller.commune_id, household_id, new, caller.subject_id)
        self._trail(caller, "fees.exemption", f"household/{household_id}", new.model_dump(mode="json"))
        return exemption

    def exempt(self, commune_id: str, household_id: str, new: NewExemption, granted_by: str) -> Exemption:
        """Record an exemption (the caller checked the household); invoices generated from now on apply it."""
        if new.valid_until is not None and new.valid_until < new.valid_from:
            raise InvalidInputError("Kỳ kết thúc trước kỳ bắt đầu.", "The last period is before the first.")
        if self._store.schedule(commune_id).fee(new.fee_code) is None:
            raise InvalidInputError("Không có khoản thu này.", "No such fee.")
        exemption = Exemption(
            **new.model_dump(), household_id=household_id, granted_by=granted_by, granted_at=self._clock()
        )
        self._store.put_exemption(commune_id, exemption)
        return exemption

    def register_business(self, caller: Principal, new: NewBusiness, business_id: str) -> Business:
        return self.add_business(caller.commune_id, new, business_id)

    def add_business(self, commune_id: str, new: NewBusiness, business_id: str) -> Business:
        business = Business(**new.model_dump(), id=business_id, commune_id=commune_id, registered_at=self._clock())
        self._store.create_business(business)
        return business

    # ------------------------------------------------------------ invoices

    def generate(self, commune_id: str, fee_code: str, period: str) -> GenerationReport:
        """Bill every household of the commune for ``fee_code`` in ``period``; running it again creates nothing."""
        started = time.perf_counter()
        schedule = self._store.schedule(commune_id)
        fee = schedule.fee(fee_code)
        if fee is None or not fee.active:
            raise InvalidInputError("Không có khoản thu này.", "No such fee.")
        now = self._clock()
        exemptions: dict[str, list[Exemption]] = {}
        for exemption in self._store.exemptions(commune_id):
            exemptions.setdefault(exemption.household_id, []).append(exemption)
        earlier: dict[str, list[Invoice]] = {}
        for earlier_period in schedule.periods.get(fee_code, []):
            if earlier_period < period:
                for unpaid in self._store.period_invoices(commune_id, fee_code, earlier_period, open_only=True):
                    earlier.setdefault(unpaid.household_id, []).append(unpaid)
        self._store.add_period(commune_id, fee_code, period)
        households = [h for h in self._store.households(commune_id) if fee_code in h.fee_codes]
        invoices = [
            invoice
            for household in households
            if (
                invoice := billing.build_invoice(
                    schedule,
                    fee,
                    household,
                    period,
                    exemptions=exemptions.get(household.id, []),
                    earlier_open=earlier.get(household.id, []),
                    now=now,
                )
            )
            is not None
        ]
        # Each write is conditional on its own key, so they may go out side by side (DynamoDB takes them in parallel).
        with ThreadPoolExecutor(max_workers=GENERATE_WRITERS) as pool:
            written = list(pool.map(self._store.create_invoice, invoices))
        created = sum(written)
        already = len(written) - created
        exempt = sum(1 for invoice, new in zip(invoices, written, strict=True) if new and invoice.status == "exempt")
        return GenerationReport(
            fee_code=fee_code,
            period=period,
            households=len(households),
            created=created,
            already_there=already,
            exempt=exempt,
            seconds=round(time.perf_counter() - started, 3),
        )

    def vietqr_of(self, schedule: FeeSchedule, invoice: Invoice) -> str | None:
        if schedule.payee is None or not invoice.is_open or invoice.balance_vnd <= 0:
            return None
        return vietqr.payload(
            vietqr.TransferRequest(
                schedule.payee.bank_bin, schedule.payee.account_no, invoice.balance_vnd, invoice.reference
            )
        )

    def _view(self, schedule: FeeSchedule, invoice: Invoice) -> InvoiceView:
        return billing.view(
            invoice,
            self._today(),
            self.vietqr_of(schedule, invoice),
            pending_review=bool(invoice.held_ids),
        )

    def my_household(self, caller: Principal) -> Household:
        household_id = self._store.household_of(caller.commune_id, caller.subject_id)
        household = self._store.get_household(caller.commune_id, household_id) if household_id else None
        if household is None:
            raise NotFoundError(
                "Tài khoản của bạn chưa gắn với hộ nào; hãy liên hệ văn phòng xã.",
                "Your account is not linked to a household yet; please ask the commune office.",
            )
        return household

    def my_invoices(self, caller: Principal) -> InvoiceList:
        household = self.my_household(caller)
        return self.household_invoices(caller.commune_id, household.id)

    def household_invoices(self, commune_id: str, household_id: str) -> InvoiceList:
        schedule = self._store.schedule(commune_id)
        invoices = sorted(
            self._store.household_invoices(commune_id, household_id),
            key=lambda i: (i.period, i.fee_code),
            reverse=True,
        )
        views = [self._view(schedule, i) for i in invoices]
        return InvoiceList(items=views, total_due_vnd=sum(v.balance_vnd for v in views))

    def _readable(self, caller: Principal, reference: str) -> Invoice:
        invoice = self._store.get_invoice(caller.commune_id, reference)
        if invoice is None:
            raise _not_found()
        if not caller.roles & STAFF_READERS:
            household_id = self._store.household_of(caller.commune_id, caller.subject_id)
            if household_id != invoice.household_id:
                raise _not_found()  # another household's invoice does not exist for this caller
        return invoice

    def invoice(self, caller: Principal, reference: str) -> InvoiceView:
        return self._view(self._store.schedule(caller.commune_id), self._readable(caller, reference))

    def open_invoices(self, commune_id: str, limit: int) -> list[tuple[Invoice, str]]:
        """Up to ``limit`` open invoices with their VietQR payloads (the CLI's ``fees invoices --open``)."""
        schedule = self._store.schedule(commune_id)
        out: list[tuple[Invoice, str]] = []
        for fee in schedule.fee_types:
            for period in sorted(schedule.periods.get(fee.code, []), reverse=True):
                for invoice in self._store.period_invoices(commune_id, fee.code, period, open_only=True):
                    payload = self.vietqr_of(schedule, invoice)
                    if payload is not None:
                        out.append((invoice, payload))
                    if len(out) >= limit:
                        return out
        return out

    def arrears(self, caller: Principal, query: OpenInvoicesQuery) -> ArrearsReport:
        """Open balances of one fee by household (optionally one hamlet): overdue ones by default."""
        schedule = self._store.schedule(caller.commune_id)
        today = self._today()
        lines: dict[str, ArrearsLine] = {}
        for period in sorted(schedule.periods.get(query.fee_code, [])):
            for invoice in self._store.period_invoices(
                caller.commune_id, query.fee_code, period, open_only=True, hamlet_id=query.hamlet_id
            ):
                if query.overdue_only and invoice.due_date >= today:
                    continue
                line = lines.setdefault(
                    invoice.household_id,
                    ArrearsLine(
                        household_id=invoice.household_id,
                        head_name=invoice.head_name,
                        hamlet_id=invoice.hamlet_id,
                        periods=[],
                        references=[],
                        balance_vnd=0,
                    ),
                )
                line.periods.append(invoice.period)
                line.references.append(invoice.reference)
                line.balance_vnd += invoice.balance_vnd
        ordered = sorted(lines.values(), key=lambda x: (-x.balance_vnd, x.hamlet_id, x.household_id))
        return ArrearsReport(
            fee_code=query.fee_code,
            hamlet_id=query.hamlet_id,
            households=len(ordered),
            total_vnd=sum(x.balance_vnd for x in ordered),
            lines=ordered[: query.limit],
        )

    # ------------------------------------------------------------ payments

    def callback(self, commune_id: str, headers: dict[str, str], body: bytes) -> CallbackOutcome:
        """A provider's signed notification: verified before anything is read, then recorded once and matched."""
        commune = self._commune(commune_id)
        if commune is None:
            raise _not_found("xã", "commune")
        # Signed with the secret of the commune the provider was given; a merged one's invoices live on in the
        # commune it is part of now (``commune.id``), where the payment is recorded.
        payments.verify(self.payee_secret(commune_id), headers, body, self._clock())
        commune_id = commune.id
        from pydantic import ValidationError

        from smartcommune.core.validation import invalid_input

        try:
            notice = ProviderCallback.model_validate_json(body)
        except ValidationError as exc:
            raise invalid_input(exc) from exc
        reference = payments.find_reference(notice.reference) or notice.reference[:60]
        payment = Payment(
            id=f"{notice.channel}:{notice.transaction_id}",
            commune_id=commune_id,
            channel=notice.channel,
            transaction_id=notice.transaction_id,
            reference=reference,
            amount_vnd=notice.amount_vnd,
            paid_at=notice.paid_at,
            received_at=self._clock(),
            payer_name=notice.payer_name,
        )
        return self._settle(payment, automatic=True)

    def record_cash(self, caller: Principal, reference: str, cash: CashPayment) -> CallbackOutcome:
        """Money counted at the office: up to the balance (a partial payment is fine; change is given back)."""
        outcome = self.cash(self._readable(caller, reference), cash, caller.subject_id)
        if not outcome.duplicate:
            after = {"amount_vnd": cash.amount_vnd, "slip_no": cash.slip_no, "invoice_status": outcome.invoice_status}
            self._trail(caller, "fees.cash", f"invoice/{reference}", after)
        return outcome

    def cash(self, invoice: Invoice, cash: CashPayment, recorded_by: str) -> CallbackOutcome:
        payment_id = f"cash:{invoice.reference}:{cash.slip_no}"
        known = self._store.get_payment(invoice.commune_id, payment_id)
        if known is None and cash.amount_vnd > invoice.balance_vnd:
            raise InvalidInputError(
                f"Số tiền vượt số còn phải nộp ({invoice.balance_vnd} đồng).",
                f"The amount is more than the balance ({invoice.balance_vnd} VND).",
            )
        now = self._clock()
        payment = Payment(
            id=payment_id,
            commune_id=invoice.commune_id,
            channel="cash",
            transaction_id=f"{invoice.reference}:{cash.slip_no}",
            reference=invoice.reference,
            amount_vnd=cash.amount_vnd,
            paid_at=now,
            received_at=now,
            payer_name=cash.payer_name,
            resolved_by=recorded_by,
        )
        return self._settle(payment, automatic=False)

    def _settle(self, payment: Payment, *, automatic: bool) -> CallbackOutcome:
        existing = self._store.add_payment(payment)
        duplicate = existing is not None
        if existing is not None:
            if existing.status != "received":
                return self._outcome(existing, duplicate=True, heal=True)
            payment = existing  # a first delivery stopped half-way: finish it
        invoice = self._store.get_invoice(payment.commune_id, payment.reference)
        for _ in range(_RETRIES):
            if invoice is not None and payment.id in invoice.payment_ids:
                break  # applied by the delivery that stopped half-way
            if automatic:
                decision = payments.decide(invoice, payment.amount_vnd, payment.paid_at)
            else:
                assert invoice is not None
                decision = payments.staff_apply(invoice, payment.amount_vnd)
            if decision.hold is not None or invoice is None:
                payment = payment.model_copy(
                    update={"status": "held", "hold_reason": decision.hold, "late": decision.late}
                )
                if invoice is not None:
                    payment = payment.model_copy(
                        update={"invoice_ref": invoice.reference, "household_id": invoice.household_id}
                    )
                    self._store.mark_held(invoice, payment.id, True)
                self._store.save_payment(payment)
                return self._outcome(payment, duplicate=duplicate, invoice=invoice)
            updated = self._store.apply_payment(
                invoice,
                payment.id,
                decision.apply_vnd,
                online=payment.channel in ONLINE_CHANNELS,
                paid_at=payment.paid_at,
            )
            if updated is not None:
                invoice = updated
                break
            invoice = self._store.get_invoice(payment.commune_id, payment.reference)  # changed under us: again
        else:
            raise ConflictError("Hóa đơn đang được cập nhật; thử lại sau.", "The invoice is busy; try again.")
        assert invoice is not None
        payment = payment.model_copy(
            update={
                "status": "applied",
                "applied_vnd": payment.amount_vnd,
                "invoice_ref": invoice.reference,
                "household_id": invoice.household_id,
                "fee_code": invoice.fee_code,
                "late": payment.paid_at.astimezone(VN_TZ).date() > invoice.due_date,
            }
        )
        # The receipt before the payment is marked applied: if numbering fails, the payment stays "received" and
        # the provider's retry finishes it (a paid invoice never stays without its receipt).
        receipt_no = self._ensure_receipt(invoice, payment) if invoice.status == "paid" else None
        self._store.save_payment(payment)
        return self._outcome(payment, duplicate=duplicate, invoice=invoice, receipt_no=receipt_no)

    def _outcome(
        self,
        payment: Payment,
        *,
        duplicate: bool,
        invoice: Invoice | None = None,
        receipt_no: str | None = None,
        heal: bool = False,
    ) -> CallbackOutcome:
        if invoice is None and payment.invoice_ref:
            invoice = self._store.get_invoice(payment.commune_id, payment.invoice_ref)
        if heal and invoice is not None and invoice.status == "paid" and invoice.receipt_no is None:
            receipt_no = self._ensure_receipt(invoice, payment)  # a receipt an earlier delivery could not number
        return CallbackOutcome(
            payment_id=payment.id,
            status=payment.status,
            duplicate=duplicate,
            hold_reason=payment.hold_reason,
            invoice_status=invoice.status if invoice else None,
            receipt_no=receipt_no or (invoice.receipt_no if invoice else None),
        )

    def held(self, caller: Principal) -> list[Payment]:
        return self._store.held_payments(caller.commune_id)

    def recent(self, caller: Principal, limit: int) -> list[Payment]:
        return self._store.recent_payments(caller.commune_id, limit)

    def resolve(self, caller: Principal, payment_id: str, resolution: Resolution) -> Payment:
        """Staff settle a held payment: apply it (up to the balance; the excess is noted for refund) or refund it."""
        payment = self._store.get_payment(caller.commune_id, payment_id)
        if payment is None:
            raise _not_found("khoản thanh toán", "payment")
        if payment.status != "held":
            raise ConflictError("Khoản thanh toán này không chờ xử lý.", "This payment is not waiting for staff.")
        invoice = self._store.get_invoice(caller.commune_id, payment.invoice_ref) if payment.invoice_ref else None
        if resolution.action == "refund" or invoice is None or not invoice.is_open:
            if resolution.action == "apply":
                raise ConflictError(
                    "Không có hóa đơn còn nợ để ghi khoản này; chỉ có thể hoàn tiền.",
                    "No open invoice to apply this to; it can only be refunded.",
                )
            done = payment.model_copy(
                update={"status": "refunded", "note": resolution.note, "resolved_by": caller.subject_id}
            )
            self._store.save_payment(done)
            if invoice is not None:
                self._store.mark_held(invoice, payment.id, False)
            self._trail(caller, "fees.refund", f"payment/{payment.id}", {"amount_vnd": payment.amount_vnd})
            return done
        for _ in range(_RETRIES):
            decision = payments.staff_apply(invoice, payment.amount_vnd)
            updated = self._store.apply_payment(
                invoice,
                payment.id,
                decision.apply_vnd,
                online=payment.channel in ONLINE_CHANNELS,
                paid_at=payment.paid_at,
            )
            if updated is not None:
                invoice = updated
                break
            fresh = self._store.get_invoice(caller.commune_id, invoice.reference)
            assert fresh is not None
            invoice = fresh
        else:
            raise ConflictError("Hóa đơn đang được cập nhật; thử lại sau.", "The invoice is busy; try again.")
        excess = payment.amount_vnd - decision.apply_vnd
        note = resolution.note + (f" (hoàn lại {excess} đồng)" if excess > 0 else "")
        done = payment.model_copy(
            update={
                "status": "applied",
                "applied_vnd": decision.apply_vnd,
                "fee_code": invoice.fee_code,
                "note": note,
                "resolved_by": caller.subject_id,
            }
        )
        self._store.save_payment(done)
        self._store.mark_held(invoice, payment.id, False)
        if invoice.status == "paid":
            self._ensure_receipt(invoice, done)
        after = {"applied_vnd": decision.apply_vnd, "refund_vnd": excess, "invoice": invoice.reference}
        self._trail(caller, "fees.apply", f"payment/{payment.id}", after)
        return done

    # ------------------------------------------------------------ receipts

    def _ensure_receipt(self, invoice: Invoice, payment: Payment) -> str:
        """The paid invoice's receipt number, issuing it if needed; ``ConflictError`` if the series stays busy."""
        receipt = self._receipt_for(invoice, payment)
        if receipt is not None:
            return receipt.receipt_no
        fresh = self._store.get_invoice(invoice.commune_id, invoice.reference)
        if fresh is not None and fresh.receipt_no is not None:
            return fresh.receipt_no
        raise ConflictError(
            "Đang cấp số biên lai, vui lòng gửi lại sau.", "Receipt numbering is busy; please send it again."
        )

    def _receipt_for(self, invoice: Invoice, payment: Payment) -> Receipt | None:
        if invoice.receipt_no is not None:
            return None
        commune = self._commune(invoice.commune_id)
        now = self._clock()
        series = receipts.series_for(commune_prefix(invoice.commune_id), now)
        channel: PaymentChannel = payment.channel

        def make(number: int) -> Receipt:
            return Receipt(
                series=series,
                number=number,
                commune_id=invoice.commune_id,
                commune_name=commune.name if commune else invoice.commune_id,
                invoice_ref=invoice.reference,
                household_id=invoice.household_id,
                payer_name=invoice.head_name,
                fee_name=invoice.fee_name,
                period=invoice.period,
                amount_vnd=invoice.amount_vnd,
                amount_words=receipts.amount_in_words(invoice.amount_vnd),
                channel=channel,
                issued_at=now,
            )

        return self._store.issue_receipt(invoice, series, make)

    def receipt(self, caller: Principal, reference: str) -> Receipt:
        invoice = self._readable(caller, reference)
        if invoice.receipt_no is None:
            raise NotFoundError("Hóa đơn chưa thanh toán xong: chưa có biên lai.", "Not paid yet: no receipt.")
        series, _, number = invoice.receipt_no.partition("/")
        receipt = self._store.get_receipt(caller.commune_id, series, int(number))
        if receipt is None:
            raise _not_found("biên lai", "receipt")
        return receipt

    def receipt_pdf(self, receipt: Receipt) -> bytes:
        return receipts.receipt_pdf(receipt, self._limits.font_path)

    # ------------------------------------------------------------ criteria 8.1 and 8.2

    def criteria(self, caller: Principal, since: str | None) -> CriteriaReport:
        commune_id = caller.commune_id
        schedule = self._store.schedule(commune_id)
        first = since
        if first is None:
            first = f"{self._today().year:04d}-{self._today().month:02d}"
            for _ in range(11):
                first = previous_period(first)
        shares: list[FeeShare] = []
        billed_all: set[str] = set()
        online_all: set[str] = set()
        counted: list[str] = []
        for fee in schedule.fee_types:
            billed: set[str] = set()
            online: set[str] = set()
            for period in schedule.periods.get(fee.code, []):
                if period < first:
                    continue
                counted.append(period)
                for invoice in self._store.period_invoices(commune_id, fee.code, period, open_only=False):
                    if invoice.status == "exempt":
                        continue
                    billed.add(invoice.household_id)
                    if invoice.paid_online:
                        online.add(invoice.household_id)
            billed_all |= billed
            online_all |= online
            if billed:
                shares.append(
                    FeeShare(
                        fee_code=fee.code,
                        households_billed=len(billed),
                        households_paying_online=len(online),
                        share=round(len(online) / len(billed), 4),
                    )
                )
        businesses = self._store.businesses(commune_id)
        accepting = sum(1 for b in businesses if b.accepts_online)
        return CriteriaReport(
            commune_id=commune_id,
            periods=sorted(set(counted)),
            c81_by_fee=shares,
            c81_share=round(len(online_all) / len(billed_all), 4) if billed_all else 0.0,
            c82_businesses=len(businesses),
            c82_online=accepting,
            c82_share=round(accepting / len(businesses), 4) if businesses else 0.0,
        )


def forbid_citizen(caller: Principal) -> None:
    if not caller.roles & STAFF_READERS:
        raise ForbiddenError("Chỉ cán bộ văn phòng xã.", "Commune office staff only.")
