"""The fee ledger in the main table: every access by key or index, every change a conditional write.

==================  ==========================================  ======================  ================================
item                PK                                          SK                      indexes
==================  ==========================================  ======================  ================================
payee, fee, rate,   ``C#<c>#FEES``                              ``PAYEE``, ``TYPE#<f>``, -
period invoiced                                                 ``RATE#<f>#<cat>#<from>``,
                                                                ``PERIOD#<f>#<yyyy-mm>``
household           ``C#<c>#HOUSEHOLD#<id>``                    ``PROFILE``             GSI1 ``C#<c>#HOUSEHOLDS``
member link         ``C#<c>#HHMEMBER#<citizen>``                ``LINK``                -
exemption           ``C#<c>#EXEMPTIONS``                        ``<hh>#<fee>#<from>``   -
invoice             ``C#<c>#INVOICE#<reference>``               ``INVOICE``             GSI1 ``C#<c>#HHINV#<hh>`` /
                                                                                        period#fee; GSI2
                                                                                        ``C#<c>#FEEINV#<fee>#<period>``
                                                                                        / ``open|done#<hamlet>#<ref>``
payment             ``C#<c>#PAYMENT#<channel:tx>``              ``PAYMENT``             GSI1 ``C#<c>#PAYMENTS`` / time;
                                                                                        GSI2 ``C#<c>#HELD`` (held only)
receipt             ``C#<c>#RECEIPTS#<series>``                 ``N#<7 digits>``        -
receipt counter     ``C#<c>#RECEIPTS#<series>``                 ``COUNTER``             -
business            ``C#<c>#BUSINESS#<id>``                     ``PROFILE``             GSI1 ``C#<c>#BUSINESSES``
waste route/change  ``C#<c>#WASTE``                             ``ROUTE#…``/``CHANGE#…`` -
==================  ==========================================  ======================  ================================

A payment is written once per transaction id ("must not exist"): the same callback twice records one payment. An
invoice moves by optimistic locking (its version) and only if the payment is not yet among its ``payment_ids``, so
a payment is never applied twice. A receipt number N is claimed in one transaction with the series counter moving
from N-1 to N and the invoice taking the number: numbers have no gaps and an invoice has at most one.

Long because: the table layout of the whole ledger is one design, reviewed together (the key table above).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import PutError, TransactWriteError

from smartcommune.core.table import MainTable, MergePolicy, commune_pk, transaction
from smartcommune.fees.contracts import (
    Business,
    Exemption,
    FeeSchedule,
    FeeType,
    Household,
    Invoice,
    PayeeAccount,
    Payment,
    Rate,
    Receipt,
    WasteChange,
    WasteRoute,
)

M = TypeVar("M", bound=BaseModel)
RECEIPT_ATTEMPTS = 60


class FeeConfigItem(MainTable, discriminator="fee_config"):
    merge = MergePolicy.KEEP  # the payee account, fee types and rates are each commune's own: the new one sets its own

    data = UnicodeAttribute()


class HouseholdItem(MainTable, discriminator="fee_household"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()


class HouseholdLinkItem(MainTable, discriminator="fee_household_link"):
    merge = MergePolicy.MOVE

    household_id = UnicodeAttribute()


class ExemptionItem(MainTable, discriminator="fee_exemption"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()


class InvoiceItem(MainTable, discriminator="fee_invoice"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()
    version = VersionAttribute()


class PaymentItem(MainTable, discriminator="fee_payment"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()


class ReceiptItem(MainTable, discriminator="fee_receipt"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()


class ReceiptCounterItem(MainTable, discriminator="fee_receipt_counter"):
    merge = MergePolicy.MOVE

    last = NumberAttribute()


class BusinessItem(MainTable, discriminator="fee_business"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()


class WasteItem(MainTable, discriminator="waste_schedule"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()


def _load(model: type[M], item: Any) -> M:
    return model.model_validate_json(item.data)


def _fees_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "FEES")


def _invoice_item(invoice: Invoice) -> InvoiceItem:
    state = "open" if invoice.is_open else "done"
    item = InvoiceItem(
        commune_pk(invoice.commune_id, "INVOICE", invoice.reference),
        "INVOICE",
        gsi1pk=commune_pk(invoice.commune_id, "HHINV", invoice.household_id),
        gsi1sk=f"{invoice.period}#{invoice.fee_code}",
        gsi2pk=commune_pk(invoice.commune_id, "FEEINV", invoice.fee_code, invoice.period),
        gsi2sk=f"{state}#{invoice.hamlet_id}#{invoice.reference}",
        data=invoice.model_dump_json(exclude={"version"}),
    )
    if invoice.version is not None:
        item.version = invoice.version
    return item


def _invoice(item: InvoiceItem) -> Invoice:
    return Invoice.model_validate_json(item.data).model_copy(update={"version": item.version})


def _payment_item(payment: Payment) -> PaymentItem:
    stamp = f"{payment.received_at.isoformat()}#{payment.id}"
    held = payment.status == "held"
    return PaymentItem(
        commune_pk(payment.commune_id, "PAYMENT", payment.id),
        "PAYMENT",
        gsi1pk=commune_pk(payment.commune_id, "PAYMENTS"),
        gsi1sk=stamp,
        gsi2pk=commune_pk(payment.commune_id, "HELD") if held else None,
        gsi2sk=stamp if held else None,
        data=payment.model_dump_json(),
    )


class FeeRepository:
    """Implements ``smartcommune.fees.logic.ports.FeeStore`` and ``WasteStore``."""

    # ------------------------------------------------------------ configuration

    def schedule(self, commune_id: str) -> FeeSchedule:
        schedule = FeeSchedule(commune_id=commune_id)
        for item in FeeConfigItem.query(_fees_pk(commune_id)):
            kind = item.sk.split("#", 1)[0]
            if kind == "PAYEE":
                schedule.payee = _load(PayeeAccount, item)
            elif kind == "TYPE":
                schedule.fee_types.append(_load(FeeType, item))
            elif kind == "RATE":
                schedule.rates.append(_load(Rate, item))
            elif kind == "PERIOD":
                _, fee_code, period = item.sk.split("#")
                schedule.periods.setdefault(fee_code, []).append(period)
        return schedule

    def put_payee(self, commune_id: str, payee: PayeeAccount) -> None:
        FeeConfigItem(_fees_pk(commune_id), "PAYEE", data=payee.model_dump_json()).save()

    def put_fee_type(self, commune_id: str, fee: FeeType) -> None:
        FeeConfigItem(_fees_pk(commune_id), f"TYPE#{fee.code}", data=fee.model_dump_json()).save()

    def put_rate(self, commune_id: str, rate: Rate) -> None:
        sk = f"RATE#{rate.fee_code}#{rate.category}#{rate.valid_from}"
        FeeConfigItem(_fees_pk(commune_id), sk, data=rate.model_dump_json()).save()

    def add_period(self, commune_id: str, fee_code: str, period: str) -> None:
        FeeConfigItem(_fees_pk(commune_id), f"PERIOD#{fee_code}#{period}", data="{}").save()

    # ------------------------------------------------------------ households, exemptions, businesses

    def create_household(self, household: Household) -> bool:
        commune_id = household.commune_id
        try:
            with transaction() as tx:
                tx.save(
                    HouseholdItem(
                        commune_pk(commune_id, "HOUSEHOLD", household.id),
                        "PROFILE",
                        gsi1pk=commune_pk(commune_id, "HOUSEHOLDS"),
                        gsi1sk=f"{household.hamlet_id}#{household.id}",
                        data=household.model_dump_json(),
                    ),
                    condition=HouseholdItem.pk.does_not_exist(),
                )
                for citizen_id in household.member_citizen_ids:
                    tx.save(
                        HouseholdLinkItem(
                            commune_pk(commune_id, "HHMEMBER", citizen_id), "LINK", household_id=household.id
                        ),
                        condition=HouseholdLinkItem.pk.does_not_exist(),
                    )
        except TransactWriteError:
            return False
        return True

    def create_households(self, households: list[Household]) -> None:
        """Bulk import for the demo seeder and benchmarks (the caller checked nothing repeats)."""
        with HouseholdItem.batch_write() as batch:
            for household in households:
                batch.save(
                    HouseholdItem(
                        commune_pk(household.commune_id, "HOUSEHOLD", household.id),
                        "PROFILE",
                        gsi1pk=commune_pk(household.commune_id, "HOUSEHOLDS"),
                        gsi1sk=f"{household.hamlet_id}#{household.id}",
                        data=household.model_dump_json(),
                    )
                )
                for citizen_id in household.member_citizen_ids:
                    batch.save(
                        HouseholdLinkItem(
                            commune_pk(household.commune_id, "HHMEMBER", citizen_id), "LINK", household_id=household.id
                        )
                    )

    def get_household(self, commune_id: str, household_id: str) -> Household | None:
        try:
            item = HouseholdItem.get(commune_pk(commune_id, "HOUSEHOLD", household_id), "PROFILE")
        except HouseholdItem.DoesNotExist:
            return None
        return _load(Household, item)

    def households(self, commune_id: str) -> list[Household]:
        return [
            _load(Household, item)
            for item in HouseholdItem.gsi1.query(commune_pk(commune_id, "HOUSEHOLDS"))
            if isinstance(item, HouseholdItem)
        ]

    def household_of(self, commune_id: str, citizen_id: str) -> str | None:
        try:
            return str(HouseholdLinkItem.get(commune_pk(commune_id, "HHMEMBER", citizen_id), "LINK").household_id)
        except HouseholdLinkItem.DoesNotExist:
            return None

    def put_exemption(self, commune_id: str, exemption: Exemption) -> None:
        sk = f"{exemption.household_id}#{exemption.fee_code}#{exemption.valid_from}"
        ExemptionItem(commune_pk(commune_id, "EXEMPTIONS"), sk, data=exemption.model_dump_json()).save()

    def exemptions(self, commune_id: str) -> list[Exemption]:
        return [_load(Exemption, item) for item in ExemptionItem.query(commune_pk(commune_id, "EXEMPTIONS"))]

    def create_business(self, business: Business) -> None:
        BusinessItem(
            commune_pk(business.commune_id, "BUSINESS", business.id),
            "PROFILE",
            gsi1pk=commune_pk(business.commune_id, "BUSINESSES"),
            gsi1sk=f"{business.name}#{business.id}",
            data=business.model_dump_json(),
        ).save(condition=BusinessItem.pk.does_not_exist())

    def businesses(self, commune_id: str) -> list[Business]:
        return [
            _load(Business, item)
            for item in BusinessItem.gsi1.query(commune_pk(commune_id, "BUSINESSES"))
            if isinstance(item, BusinessItem)
        ]

    # ------------------------------------------------------------ invoices

    def create_invoice(self, invoice: Invoice) -> bool:
        """Write a new invoice; ``False`` if its reference exists (generation ran before)."""
        try:
            _invoice_item(invoice.model_copy(update={"version": None})).save(condition=InvoiceItem.pk.does_not_exist())
        except PutError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def get_invoice(self, commune_id: str, reference: str) -> Invoice | None:
        try:
            item = InvoiceItem.get(commune_pk(commune_id, "INVOICE", reference), "INVOICE", consistent_read=True)
        except InvoiceItem.DoesNotExist:
            return None
        return _invoice(item)

    def household_invoices(self, commune_id: str, household_id: str) -> list[Invoice]:
        return [
            _invoice(item)
            for item in InvoiceItem.gsi1.query(commune_pk(commune_id, "HHINV", household_id))
            if isinstance(item, InvoiceItem)
        ]

    def period_invoices(
        self, commune_id: str, fee_code: str, period: str, *, open_only: bool, hamlet_id: str | None = None
    ) -> list[Invoice]:
        prefix = ("open#" if open_only else "") + (f"{hamlet_id}#" if hamlet_id and open_only else "")
        condition = InvoiceItem.gsi2sk.startswith(prefix) if prefix else None
        items = InvoiceItem.gsi2.query(
            commune_pk(commune_id, "FEEINV", fee_code, period), range_key_condition=condition
        )
        invoices = [_invoice(item) for item in items if isinstance(item, InvoiceItem)]
        if hamlet_id and not open_only:
            invoices = [i for i in invoices if i.hamlet_id == hamlet_id]
        return invoices

    def _save_invoice(self, invoice: Invoice) -> bool:
        try:
            _invoice_item(invoice).save()  # the version attribute makes this conditional on the version read
        except PutError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def apply_payment(
        self, invoice: Invoice, payment_id: str, amount_vnd: int, *, online: bool, paid_at: datetime
    ) -> Invoice | None:
        """The invoice with the payment applied, or ``None`` if it changed since read (read again, decide again)."""
        if payment_id in invoice.payment_ids:
            return invoice
        paid = invoice.paid_vnd + amount_vnd
        status = "paid" if paid >= invoice.amount_vnd else ("partial" if paid > 0 else invoice.status)
        after = invoice.model_copy(
            update={
                "paid_vnd": paid,
                "status": status,
                "paid_at": paid_at if status == "paid" else invoice.paid_at,
                "paid_online": invoice.paid_online or online,
                "payment_ids": [*invoice.payment_ids, payment_id],
            }
        )
        if not self._save_invoice(after):
            return None
        return after.model_copy(update={"version": (invoice.version or 0) + 1})

    def mark_held(self, invoice: Invoice, payment_id: str, held: bool) -> None:
        """Note (or clear) a payment waiting for staff on its invoice; retried on a concurrent change."""
        current: Invoice | None = invoice
        for _ in range(8):
            if current is None or (payment_id in current.held_ids) == held:
                return
            ids = [*current.held_ids, payment_id] if held else [i for i in current.held_ids if i != payment_id]
            if self._save_invoice(current.model_copy(update={"held_ids": ids})):
                return
            current = self.get_invoice(invoice.commune_id, invoice.reference)

    # ------------------------------------------------------------ payments

    def add_payment(self, payment: Payment) -> Payment | None:
        """Record a new payment; if its id is known, the stored one (nothing is written)."""
        try:
            _payment_item(payment).save(condition=PaymentItem.pk.does_not_exist())
        except PutError as exc:
            if not _conditional(exc):
                raise
            existing = self.get_payment(payment.commune_id, payment.id)
            assert existing is not None
            return existing
        return None

    def save_payment(self, payment: Payment) -> None:
        _payment_item(payment).save(condition=PaymentItem.pk.exists())

    def get_payment(self, commune_id: str, payment_id: str) -> Payment | None:
        try:
            item = PaymentItem.get(commune_pk(commune_id, "PAYMENT", payment_id), "PAYMENT", consistent_read=True)
        except PaymentItem.DoesNotExist:
            return None
        return _load(Payment, item)

    def held_payments(self, commune_id: str) -> list[Payment]:
        return [
            _load(Payment, item)
            for item in PaymentItem.gsi2.query(commune_pk(commune_id, "HELD"), scan_index_forward=False)
            if isinstance(item, PaymentItem)
        ]

    def recent_payments(self, commune_id: str, limit: int) -> list[Payment]:
        items = PaymentItem.gsi1.query(commune_pk(commune_id, "PAYMENTS"), scan_index_forward=False, limit=limit)
        return [_load(Payment, item) for item in items if isinstance(item, PaymentItem)]

    # ------------------------------------------------------------ receipts

    def issue_receipt(self, invoice: Invoice, series: str, make: Callable[[int], Receipt]) -> Receipt | None:
        """Give the paid invoice the next number of ``series`` (see the module docstring); ``None`` if another
        delivery gave it one first."""
        pk = commune_pk(invoice.commune_id, "RECEIPTS", series)
        current: Invoice | None = invoice
        for attempt in range(RECEIPT_ATTEMPTS):
            if current is None or current.receipt_no is not None:
                return None
            try:
                counter = ReceiptCounterItem.get(pk, "COUNTER", consistent_read=True)
                last = int(counter.last)
            except ReceiptCounterItem.DoesNotExist:
                last = 0
            receipt = make(last + 1)
            after = current.model_copy(update={"receipt_no": receipt.receipt_no})
            try:
                with transaction() as tx:
                    tx.save(
                        ReceiptItem(pk, f"N#{receipt.number:07d}", data=receipt.model_dump_json()),
                        condition=ReceiptItem.pk.does_not_exist(),
                    )
                    tx.save(
                        ReceiptCounterItem(pk, "COUNTER", last=last + 1),
                        condition=(ReceiptCounterItem.last == last) if last else ReceiptCounterItem.pk.does_not_exist(),
                    )
                    tx.save(_invoice_item(after))  # conditional on the invoice's version
            except TransactWriteError:
                # Another payment took the number: back off a little (jittered) so the writers spread out.
                time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))  # noqa: S311 - jitter, not a secret
                current = self.get_invoice(invoice.commune_id, invoice.reference)
                continue
            return receipt
        return None

    def get_receipt(self, commune_id: str, series: str, number: int) -> Receipt | None:
        try:
            item = ReceiptItem.get(commune_pk(commune_id, "RECEIPTS", series), f"N#{number:07d}")
        except ReceiptItem.DoesNotExist:
            return None
        return _load(Receipt, item)

    def receipts(self, commune_id: str, series: str) -> list[Receipt]:
        pk = commune_pk(commune_id, "RECEIPTS", series)
        return [_load(Receipt, i) for i in ReceiptItem.query(pk, ReceiptItem.sk.startswith("N#"))]

    # ------------------------------------------------------------ waste collection

    def routes(self, commune_id: str) -> list[WasteRoute]:
        pk = commune_pk(commune_id, "WASTE")
        return [_load(WasteRoute, i) for i in WasteItem.query(pk, WasteItem.sk.startswith("ROUTE#"))]

    def put_route(self, commune_id: str, route: WasteRoute) -> None:
        sk = f"ROUTE#{route.hamlet_id}#{route.id}"
        WasteItem(commune_pk(commune_id, "WASTE"), sk, data=route.model_dump_json()).save()

    def changes(self, commune_id: str) -> list[WasteChange]:
        pk = commune_pk(commune_id, "WASTE")
        return [_load(WasteChange, i) for i in WasteItem.query(pk, WasteItem.sk.startswith("CHANGE#"))]

    def put_change(self, commune_id: str, change: WasteChange) -> None:
        sk = f"CHANGE#{change.day.isoformat()}#{change.hamlet_id}"
        WasteItem(commune_pk(commune_id, "WASTE"), sk, data=change.model_dump_json()).save()


def _conditional(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"
