"""A citizen pays a household fee by VietQR on a 360-px phone, in a real browser against the running local stack:
the invoice shows its QR code, the provider simulator confirms the payment, the page shows the receipt."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from vietqr_emvco import VietQRParser

from tests.support.browser import PHONE_VIEWPORT, PageProblems, chromium, screenshot, sms_code

pytestmark = pytest.mark.e2e

AN_PHONE = "+84912345678"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, PageProblems]]:
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    problems = PageProblems()
    page = problems.watch(context.new_page())
    yield page, problems
    context.close()


def _sign_in(page: Any, stack: Any) -> None:
    sent_before = len(stack.outbox())
    page.goto(f"{stack.web_url}/citizen/#/phi")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_role("button", name="Gửi mã").click()
    page.get_by_label("Mã xác thực").fill(sms_code(stack, AN_PHONE, after=sent_before))
    page.get_by_role("button", name="Đăng nhập").click()


def test_a_citizen_opens_an_invoice_sees_its_vietqr_and_gets_the_receipt_once_paid(
    local_stack: Any, phone: tuple[Any, PageProblems]
) -> None:
    page, problems = phone
    # Given Nguyễn Văn An opened his household's invoices on his phone: signing in brings him back to them
    _sign_in(page, local_stack)
    expect(page.get_by_role("heading", name="Phí, lệ phí của hộ")).to_be_visible()
    expect(page.locator("#fee-total")).to_contain_text("Tổng còn phải nộp")
    first = page.locator("#fee-list .fee-open").first
    expect(first).to_contain_text("Phí thu gom rác thải sinh hoạt")
    reference = first.get_attribute("data-reference")
    assert reference
    # When he opens the open invoice
    first.get_by_role("link", name="Xem và thanh toán").click()
    qr = page.locator("#fee-qr")
    expect(qr).to_be_visible()
    expect(page.locator("#fee-reference")).to_have_text(reference)
    expect(page.locator("#fee-status")).to_have_text("Đang chờ ngân hàng xác nhận thanh toán…")
    # Then the code on the screen decodes to the invoice's VietQR: the commune's account, the exact amount, the code
    payload = qr.get_attribute("data-payload")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert [d.text for d in decoded] == [payload]
    parsed = VietQRParser.parse(payload)
    assert parsed["memo"] == reference and VietQRParser.verify_checksum(payload)
    amount = int(parsed["raw_tags"]["54"])
    expect(page.locator("#fee-amount")).to_have_text(f"{amount:,}".replace(",", ".") + " ₫")
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 200  # large enough to scan from another phone
    screenshot(page, "citizen-fee-vietqr")
    # When the bank confirms the transfer (the provider simulator, through the CLI, as twice: a duplicate)
    paid = local_stack.cli("fees", "pay", reference, "--duplicate")
    assert paid.returncode == 0, paid.stderr
    answers = [json.loads(line) for line in paid.stdout.splitlines()]
    assert [a["answer"]["duplicate"] for a in answers] == [False, True]
    # Then, without a reload, the page shows the receipt
    receipt = page.locator("#fee-receipt")
    expect(receipt).to_be_visible(timeout=15_000)
    expect(page.locator("#fee-alert")).to_have_text("Đã thanh toán. Cảm ơn bạn!")
    expect(page.locator("#fee-receipt-no")).to_have_text(answers[0]["answer"]["receipt_no"])
    expect(page.locator("#fee-receipt-words")).to_contain_text("nghìn đồng")
    expect(page.locator("#fee-receipt-date")).to_have_text(re.compile(r"^\d{2}/\d{2}/\d{4}$"))
    expect(page.locator("#fee-receipt-pdf")).to_have_attribute("href", re.compile(r"^blob:"))
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "citizen-fee-receipt")
    problems.assert_none()


def test_the_cli_lists_open_invoices_of_the_running_stack(local_stack: Any) -> None:
    listed = local_stack.cli("fees", "invoices", "--open", "--limit", "3")
    assert listed.returncode == 0, listed.stderr
    items = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(items) == 3
    for item in items:
        assert set(item) == {"invoice_id", "household_id", "amount_vnd", "vietqr"}
        assert VietQRParser.parse(item["vietqr"])["amount"] == item["amount_vnd"]
