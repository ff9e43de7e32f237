"""Payments through the real app on moto: signed callbacks (the provider simulator), duplicates, forgeries, wrong
amounts held for staff, cash at the office, receipts numbered without gaps."""

from __future__ import annotations

import io
import threading

from pypdf import PdfReader


def _mine(fees) -> dict:
    fees.generate("2026-11")
    return fees.invoices()[0]


def _ledger(fees) -> tuple[list, list]:
    return (
        fees.ok("GET", "/fees/payments?limit=200", fees.office)["items"],
        fees.ok("GET", "/fees/payments/held", fees.office)["items"],
    )


def test_a_valid_callback_pays_the_invoice_and_issues_a_receipt(fees):
    invoice = _mine(fees)
    delivery = fees.provider.pay(invoice["reference"], 30000)
    assert delivery.status == 200 and delivery.answer["status"] == "applied"
    assert delivery.answer["invoice_status"] == "paid" and delivery.answer["receipt_no"] == "GP-26E/0000001"
    paid = fees.invoices()[0]
    assert (paid["status"], paid["balance_vnd"], paid["vietqr"], paid["receipt_no"]) == (
        "paid",
        0,
        None,
        "GP-26E/0000001",
    )
    receipt = fees.ok("GET", f"/fees/invoices/{invoice['reference']}/receipt", fees.citizen)
    assert receipt["amount_words"] == "Ba mươi nghìn đồng" and receipt["date"] == "29/11/2026"
    assert receipt["payer_name"] == "Nguyễn Văn An" and receipt["channel"] == "vietqr"


def test_the_same_payment_twice_pays_once(fees):
    invoice = _mine(fees)
    first = fees.provider.pay(invoice["reference"], 30000, transaction_id="FT2633400001")
    again = fees.provider.duplicate(first)
    assert (first.answer["duplicate"], again.answer["duplicate"]) == (False, True)
    assert again.status == 200 and again.answer["status"] == "applied"  # the provider stops retrying
    # And at once, from eight threads: still one payment
    other = fees.invoices(fees.neighbour)[0]
    answers: list = []
    body = fees.provider.body(other["reference"], 30000, "FT2633400002")
    threads = [threading.Thread(target=lambda: answers.append(fees.provider.deliver(body))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a.status == 200 for a in answers) and sum(not a.answer["duplicate"] for a in answers) == 1
    payments, held = _ledger(fees)
    assert len(payments) == 2 and held == []
    for reference in (invoice["reference"], other["reference"]):
        stored = fees.invoice(reference)
        assert (stored["paid_vnd"], stored["status"]) == (30000, "paid")
    assert sorted(fees.invoice(r)["receipt_no"] for r in (invoice["reference"], other["reference"])) == [
        "GP-26E/0000001",
        "GP-26E/0000002",
    ]


def test_forged_tampered_or_stale_callbacks_are_refused_and_nothing_is_written(fees):
    invoice = _mine(fees)
    for delivery in (
        fees.provider.forged(invoice["reference"], 30000),
        fees.provider.tampered(invoice["reference"], 3000),
        fees.provider.stale(invoice["reference"], 30000),
    ):
        assert delivery.status == 401, delivery.answer
        assert "Chữ ký" in delivery.answer["error"]["message"]
    # Signed for another commune: refused too
    status, _ = fees.call("POST", "/public/payments/bach-long/callback", None, {"transaction_id": "X"})
    assert status == 401
    assert _ledger(fees) == ([], [])
    after = fees.invoice(invoice["reference"])
    assert (after["status"], after["paid_vnd"]) == ("open", 0)


def test_a_wrong_amount_is_held_for_staff_and_the_invoice_is_not_paid(fees):
    invoice = _mine(fees)
    under = fees.provider.pay(invoice["reference"], 20000)
    assert under.answer["status"] == "held" and under.answer["hold_reason"] == "underpaid"
    stored = fees.invoices()[0]
    assert (stored["status"], stored["paid_vnd"], stored["pending_review"]) == ("open", 0, True)
    held = fees.ok("GET", "/fees/payments/held", fees.office)["items"]
    assert [(p["amount_vnd"], p["hold_reason"], p["invoice_ref"]) for p in held] == [
        (20000, "underpaid", invoice["reference"])
    ]
    # Staff apply it: a partial payment; then the rest arrives and pays
    resolved = fees.ok(
        "POST", f"/fees/payments/{held[0]['id']}/resolve", fees.office, {"action": "apply", "note": "Đã gọi chủ hộ"}
    )
    assert (resolved["status"], resolved["applied_vnd"]) == ("applied", 20000)
    partial = fees.invoices()[0]
    assert (partial["status"], partial["balance_vnd"], partial["pending_review"]) == ("partial", 10000, False)
    assert fees.provider.pay(invoice["reference"], 10000).answer["invoice_status"] == "paid"
    assert fees.ok("GET", "/fees/payments/held", fees.office)["items"] == []


def test_overpaid_late_and_unknown_payments_are_shown_to_staff(fees):
    invoice = _mine(fees)
    over = fees.provider.pay(invoice["reference"], 50000)
    assert over.answer["hold_reason"] == "overpaid" and fees.invoice(invoice["reference"])["status"] == "open"
    unknown = fees.provider.pay("HPAAAAAAAAAA", 30000)
    assert unknown.answer["hold_reason"] == "unknown_reference"
    held = {p["hold_reason"]: p for p in fees.ok("GET", "/fees/payments/held", fees.office)["items"]}
    assert set(held) == {"overpaid", "unknown_reference"}
    # The overpayment applied: paid, the excess noted for refund; the unknown one refunded
    done = fees.ok(
        "POST", f"/fees/payments/{held['overpaid']['id']}/resolve", fees.office, {"action": "apply", "note": "Hoàn"}
    )
    assert done["applied_vnd"] == 30000 and "hoàn lại 20000 đồng" in done["note"]
    assert fees.invoice(invoice["reference"])["status"] == "paid"
    status, _ = fees.call(
        "POST",
        f"/fees/payments/{held['unknown_reference']['id']}/resolve",
        fees.office,
        {"action": "apply", "note": "x" * 3},
    )
    assert status == 409
    refunded = fees.ok(
        "POST", f"/fees/payments/{held['unknown_reference']['id']}/resolve", fees.office,
        {"action": "refund", "note": "Không rõ hóa đơn"},
    )  # fmt: skip
    assert refunded["status"] == "refunded"
    # A second transfer for a paid invoice is held too, never paid twice
    again = fees.provider.pay(invoice["reference"], 30000)
    assert again.answer["hold_reason"] == "already_paid" and fees.invoice(invoice["reference"])["paid_vnd"] == 30000
    # A payment made after the due date pays and is marked late
    fees.generate("2026-10")
    october = next(i for i in fees.invoices() if i["period"] == "2026-10")
    late = fees.provider.pay(october["reference"], 30000)
    assert late.answer["invoice_status"] == "paid"
    payment = next(
        p for p in fees.ok("GET", "/fees/payments", fees.office)["items"] if p["invoice_ref"] == october["reference"]
    )
    assert payment["late"] is True


def test_cash_at_the_office_pays_once_per_slip_and_never_more_than_the_balance(fees):
    invoice = _mine(fees)
    path = f"/fees/invoices/{invoice['reference']}/cash"
    body = {"amount_vnd": 10000, "payer_name": "Nguyễn Văn An", "slip_no": "PT-0042"}
    assert fees.ok("POST", path, fees.office, body)["invoice_status"] == "partial"
    assert fees.ok("POST", path, fees.office, body)["duplicate"] is True
    assert fees.invoice(invoice["reference"])["paid_vnd"] == 10000
    status, error = fees.call("POST", path, fees.office, {**body, "slip_no": "PT-0043", "amount_vnd": 25000})
    assert status == 422 and "20000" in error["error"]["message"]
    paid = fees.ok("POST", path, fees.office, {**body, "slip_no": "PT-0043", "amount_vnd": 20000})
    assert paid["invoice_status"] == "paid" and paid["receipt_no"] == "GP-26E/0000001"
    receipt = fees.ok("GET", f"/fees/invoices/{invoice['reference']}/receipt", fees.citizen)
    assert receipt["channel"] == "cash"
    assert fees.call("POST", path, fees.citizen, body)[0] == 403
    # Each slip is in the audit trail once (the retry added nothing), with who recorded it
    from smartcommune.core.contracts import Role
    from tests.support.identities import staff_token

    entries = fees.ok("GET", "/audit?limit=20", staff_token(fees.services, Role.ADMIN))["entries"]
    slips = [e["after"]["slip_no"] for e in entries if e["action"] == "fees.cash"]
    assert sorted(slips) == ["PT-0042", "PT-0043"] and {e["actor_role"] for e in entries} >= {"office"}


def test_receipts_are_numbered_without_gaps_and_read_back_from_the_pdf(fees):
    fees.generate("2026-10")
    fees.generate("2026-11")
    references = [i["reference"] for i in fees.invoices() + fees.invoices(fees.neighbour)]
    threads = [threading.Thread(target=fees.provider.pay, args=(r, 30000)) for r in references]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = sorted(fees.invoice(r)["receipt_no"] for r in references)
    assert numbers == [f"GP-26E/{n:07d}" for n in range(1, 5)]
    reference = fees.invoices()[0]["reference"]
    status, page = fees.call("GET", f"/fees/invoices/{reference}/receipt.html", fees.citizen)
    assert status == 200 and "Ba mươi nghìn đồng" in page.decode()
    # (API Gateway and Chalice send binary bodies to clients that accept them: the page asks for application/pdf)
    status, pdf = fees.call("GET", f"/fees/invoices/{reference}/receipt.pdf", fees.citizen, accept="application/pdf")
    assert status == 200 and pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Ba mươi nghìn đồng" in text and "Nguyễn Văn An" in text and "29/11/2026" in text
    assert (
        fees.call("GET", f"/fees/invoices/{reference}/receipt.pdf", fees.neighbour, accept="application/pdf")[0] == 404
    )


def test_a_receipt_that_could_not_be_numbered_is_issued_when_the_provider_retries(fees, monkeypatch):
    from smartcommune.fees.storage import FeeRepository
    from smartcommune.fees.wiring import fee_repository

    invoice = _mine(fees)
    store = fees.services.get(fee_repository)
    # Given the receipt series stays busy for the first delivery (every attempt at a number loses)
    monkeypatch.setattr(store, "issue_receipt", lambda *args, **kwargs: None)
    first = fees.provider.pay(invoice["reference"], 30000)
    # Then the provider is told to try again, and the payment is not yet marked applied
    assert first.status == 409
    assert fees.ok("GET", "/fees/payments", fees.office)["items"][0]["status"] == "received"
    # When it sends the notification again and numbering works
    monkeypatch.setattr(store, "issue_receipt", FeeRepository.issue_receipt.__get__(store))
    again = fees.provider.duplicate(first)
    assert again.status == 200 and again.answer["receipt_no"] == "GP-26E/0000001"
    paid = fees.invoice(invoice["reference"])
    assert (paid["status"], paid["paid_vnd"], paid["receipt_no"]) == ("paid", 30000, "GP-26E/0000001")
    assert fees.ok("GET", "/fees/payments", fees.office)["items"][0]["status"] == "applied"
