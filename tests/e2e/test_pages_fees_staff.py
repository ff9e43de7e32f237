"""The commune office's fees page in a real browser at 1280 px, against the running local stack: arrears by hamlet
and fee type with Vietnamese-style totals, a cash payment recorded for an open demo invoice (its receipt number on
the page, the invoice paid in the ledger), an API refusal shown as the API words it, and a payment of the wrong
amount (from the provider simulator) held for staff and refunded."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import DESKTOP_VIEWPORT, PageProblems, api_call, chromium, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def desk(browser: Any) -> Iterator[tuple[Any, PageProblems]]:
    context = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    problems = PageProblems()
    page = problems.watch(context.new_page())
    yield page, problems
    context.close()


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " ₫"


def _open_fees(page: Any, local_stack: Any) -> None:
    from tests.e2e.test_pages_admin import nav, sign_in

    sign_in(page, local_stack.web_url, "gp.office")
    nav(page, "Phí, lệ phí").click()
    expect(page.get_by_role("heading", name="Phí, lệ phí", exact=True)).to_be_visible()


def _open_invoices(local_stack: Any, count: int) -> list[dict[str, Any]]:
    listed = local_stack.cli("fees", "invoices", "--open", "--limit", str(count))
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines()]


def test_the_office_sees_arrears_and_records_a_cash_payment_with_its_receipt(
    local_stack: Any, desk: tuple[Any, PageProblems]
) -> None:
    from tests.e2e.test_pages_admin import staff_token

    page, problems = desk
    token = staff_token(local_stack.api_url, "gp.office")
    # Given the office clerk on the fees page
    _open_fees(page, local_stack)
    # Then the overdue waste fees are listed by hamlet, with the ledger's total in Vietnamese style
    status, report = api_call(
        local_stack.api_url, "GET", "/fees/arrears?fee_code=waste&overdue_only=true&limit=1000", token=token
    )
    assert status == 200 and report["lines"], "the demo ledger has overdue waste fees"
    expect(page.locator("#fa-total-vnd")).to_have_text(vnd(report["total_vnd"]))
    assert "." in vnd(report["total_vnd"])  # thousands grouped with dots: 1.250.000 ₫
    expect(page.locator("#fa-rows tr")).to_have_count(len(report["lines"]))
    hamlets = {line["hamlet_id"] for line in report["lines"]}
    expect(page.locator("#fa-hamlets tr")).to_have_count(len(hamlets))
    # And another fee type has its own arrears, then back to the waste fee
    status, stalls = api_call(
        local_stack.api_url, "GET", "/fees/arrears?fee_code=market-stall&overdue_only=true&limit=1000", token=token
    )
    assert status == 200 and stalls["total_vnd"] != report["total_vnd"]
    page.locator("#fa-fee").select_option("market-stall")
    expect(page.locator("#fa-total-vnd")).to_have_text(vnd(stalls["total_vnd"]))
    page.locator("#fa-fee").select_option(label="Phí thu gom rác thải sinh hoạt")
    expect(page.locator("#fa-total-vnd")).to_have_text(vnd(report["total_vnd"]))
    one = report["lines"][0]
    expect(page.locator(f'#fa-rows tr[data-household="{one["household_id"]}"]')).to_contain_text(
        vnd(one["balance_vnd"])
    )
    # When the clerk types an invoice code that does not exist, the API's refusal is shown in its own words
    wrong = "HP" + "A" * 10
    status, refused = api_call(
        local_stack.api_url,
        "POST",
        f"/fees/invoices/{wrong}/cash",
        {"amount_vnd": 30000, "payer_name": "Người nộp", "slip_no": "PT-x"},
        token,
    )
    assert 400 <= status < 500
    page.get_by_label("Mã hóa đơn").fill(wrong)
    page.get_by_label("Số tiền (đồng)").fill("30000")
    page.get_by_label("Người nộp").fill("Người nộp")
    page.get_by_label("Số phiếu thu").fill("PT-x")
    page.get_by_role("button", name="Ghi nhận tiền mặt").click()
    expect(page.locator("#fc-alert")).to_contain_text(refused["error"]["message"])
    # When they pick an overdue invoice in the list (amount and payer filled from it) and write the slip number
    invoice = one["references"][0]
    page.locator(f'#fa-rows button[data-reference="{invoice}"]').click()
    expect(page.get_by_label("Mã hóa đơn")).to_have_value(invoice)
    status, before = api_call(local_stack.api_url, "GET", f"/fees/invoices/{invoice}", token=token)
    expect(page.get_by_label("Số tiền (đồng)")).to_have_value(str(before["balance_vnd"]))
    page.get_by_label("Số phiếu thu").fill(f"PT-{random.randint(100000, 999999)}")
    page.get_by_role("button", name="Ghi nhận tiền mặt").click()
    # Then the page shows the receipt number, and the ledger holds the invoice paid with that receipt
    expect(page.locator("#fc-alert")).to_have_text("Đã ghi nhận tiền mặt.")
    receipt_no = page.locator("#fc-receipt-no")
    expect(receipt_no).to_be_visible()
    status, after = api_call(local_stack.api_url, "GET", f"/fees/invoices/{invoice}", token=token)
    assert status == 200 and after["status"] == "paid" and after["balance_vnd"] == 0
    expect(receipt_no).to_have_text(after["receipt_no"])
    expect(page.locator("#fc-invoice-status")).to_have_text("Đã thanh toán")
    # And the arrears list no longer offers that invoice
    expect(page.locator(f'#fa-rows button[data-reference="{invoice}"]')).to_have_count(0)
    screenshot(page, "admin-fees-cash-1280")
    problems.assert_none()


def test_a_payment_of_the_wrong_amount_waits_for_the_office_and_is_refunded(
    local_stack: Any, desk: tuple[Any, PageProblems]
) -> None:
    from tests.e2e.test_pages_admin import staff_token

    page, problems = desk
    token = staff_token(local_stack.api_url, "gp.office")
    # Given the bank reports a transfer of 1.000 ₫ for an open invoice (the provider simulator)
    invoice = random.choice(_open_invoices(local_stack, 10))
    assert invoice["amount_vnd"] > 1000
    paid = local_stack.cli("fees", "pay", invoice["invoice_id"], "--amount", "1000")
    assert paid.returncode == 0, paid.stderr
    answer = json.loads(paid.stdout.splitlines()[0])["answer"]
    assert answer["status"] == "held" and answer["hold_reason"] == "underpaid"
    # When the clerk opens the fees page
    _open_fees(page, local_stack)
    # Then the payment is listed as waiting, with its amount and reason
    row = page.locator(f'#fh-rows tr[data-id="{answer["payment_id"]}"]')
    expect(row).to_contain_text("Chuyển thiếu tiền")
    expect(row).to_contain_text(vnd(1000))
    expect(row).to_contain_text(invoice["invoice_id"])
    # When they refund it with a note
    row.get_by_placeholder("Ghi chú (bắt buộc)").fill("Hộ chuyển nhầm số tiền, hoàn lại")
    row.get_by_role("button", name="Hoàn trả").click()
    # Then the page confirms, the row is gone, and the ledger no longer holds it; the invoice is still open
    expect(page.locator("#fh-alert")).to_have_text(f"Đã hoàn trả {vnd(1000)}.")
    expect(row).to_have_count(0)
    status, held = api_call(local_stack.api_url, "GET", "/fees/payments/held", token=token)
    assert status == 200 and answer["payment_id"] not in [p["id"] for p in held["items"]]
    status, still = api_call(local_stack.api_url, "GET", f"/fees/invoices/{invoice['invoice_id']}", token=token)
    assert still["status"] in {"open", "partial"} and still["receipt_no"] is None
    screenshot(page, "admin-fees-held-1280")
    problems.assert_none()
