"""The citizen portal in a real browser, on a 360-px phone, against the running local stack."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import PHONE_VIEWPORT, PageProblems, chromium, screenshot, sms_code

pytestmark = pytest.mark.e2e

AN_PHONE_TYPED = "0912 345 678"
AN_PHONE = "+84912345678"
CSP_META = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, PageProblems]]:
    """A fresh phone-sized tab (no stored session) and the problems its pages report."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    problems = PageProblems()
    page = problems.watch(context.new_page())
    yield page, problems
    context.close()


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def test_a_citizen_signs_in_with_the_sms_code_fills_the_profile_and_sees_it_after_reload(
    local_stack: Any, phone: tuple[Any, PageProblems]
) -> None:
    page, problems = phone
    sent_before = len(local_stack.outbox())
    # Given Nguyễn Văn An opens the portal of Giao Phong on his phone
    page.goto(f"{local_stack.web_url}/citizen/")
    expect(page.locator("#brand")).to_contain_text("Công dân số Giao Phong")
    # When he asks for a code and types the one the SMS brought
    page.get_by_label("Số điện thoại").fill(AN_PHONE_TYPED)
    page.get_by_role("button", name="Gửi mã").click()
    expect(page.locator("#otp-alert")).to_contain_text("091****678")
    expect(page.locator("#resend")).to_be_disabled()
    code = sms_code(local_stack, AN_PHONE, after=sent_before)
    page.get_by_label("Mã xác thực").fill(code)
    page.get_by_role("button", name="Đăng nhập").click()
    # Then, a returning citizen, he lands on the services, greeted by name (not on a form)
    expect(page.get_by_role("heading", name="Xin chào, Nguyễn Văn An")).to_be_visible()
    expect(page.get_by_role("heading", name="Dịch vụ")).to_be_visible()
    expect(page.locator("#profile")).to_be_hidden()
    # When he opens his profile, he completes it
    page.get_by_role("link", name="Hồ sơ của tôi").click()
    expect(page.get_by_role("heading", name="Hồ sơ của tôi")).to_be_visible()
    expect(page.get_by_label("Họ và tên")).to_have_value("Nguyễn Văn An")
    # (his CCCD from the commune's records shows masked; he need not retype it)
    expect(page.locator("#cccd-hint")).to_contain_text("036*******")
    cccd_on_file = page.locator("#cccd-hint").text_content()
    address = f"Số {random.randint(200, 999)}, Xóm Tây Sơn, xã Giao Phong"
    page.get_by_label("Xóm").select_option(label="Xóm Tây Sơn")
    page.get_by_label("Địa chỉ").fill(address)
    page.get_by_label("Ngày sinh").fill("19/05/1978")
    page.get_by_role("button", name="Lưu hồ sơ").click()
    expect(page.locator("#profile-alert")).to_have_text("Đã lưu hồ sơ của bạn.")
    screenshot(page, "citizen-profile-saved")
    assert no_horizontal_scroll(page)
    # When he reloads the page (the session is kept on the phone)
    page.reload()
    # Then he is still signed in and sees what he saved, the date written dd/mm/yyyy
    expect(page.get_by_label("Địa chỉ")).to_have_value(address)
    expect(page.get_by_label("Xóm")).to_have_value("tay-son")
    expect(page.get_by_label("Ngày sinh")).to_have_value("19/05/1978")
    expect(page.locator("#cccd-hint")).to_have_text(cccd_on_file or "")
    # And signing out brings the sign-in form back
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    problems.assert_none()


def test_the_portal_is_served_with_its_csp_and_fits_a_360_px_phone(
    local_stack: Any, phone: tuple[Any, PageProblems]
) -> None:
    page, problems = phone
    # Given the portal opened on a 360-px wide phone
    response = page.goto(f"{local_stack.web_url}/citizen/")
    # Then the edge sends a CSP header and the page carries the same policy as a meta
    assert response is not None
    header = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in header
    assert "default-src 'self'" in header
    meta = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert meta == CSP_META
    # And nothing needs a sideways scroll, before or after an error message appears
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    assert no_horizontal_scroll(page)
    page.get_by_label("Số điện thoại").fill("12345")
    page.get_by_role("button", name="Gửi mã").click()
    # And the API's Vietnamese explanation is shown under the phone field
    expect(page.locator("#otp-request .field-error")).to_contain_text("Số điện thoại di động Việt Nam không hợp lệ")
    expect(page.get_by_label("Số điện thoại")).to_have_attribute("aria-invalid", "true")
    assert no_horizontal_scroll(page)
    screenshot(page, "citizen-signin-error")
    # And the "coming soon" service is announced as such; feedback and announcements are live
    expect(page.locator(".tile", has_text="Khảo sát")).to_contain_text("Sắp ra mắt")
    expect(page.locator(".tile", has_text="Thông báo")).not_to_contain_text("Sắp ra mắt")
    expect(page.locator(".tile", has_text="Phản ánh kiến nghị")).not_to_contain_text("Sắp ra mắt")
    problems.assert_none()


def test_an_unknown_commune_is_explained(local_stack: Any, phone: tuple[Any, PageProblems]) -> None:
    page, problems = phone
    # Given a link to a commune that is not on the platform
    page.goto(f"{local_stack.web_url}/citizen/?xa=khong-co-xa-nay")
    # Then the API's message says so, and no sign-in form is offered
    expect(page.locator("#page-alert")).to_contain_text("Không tìm thấy xã")
    expect(page.locator("#signin")).to_be_hidden()
    problems.assert_none()
