"""The staff admin site and the operations dashboard in a real browser, against the running local stack."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    DESKTOP_VIEWPORT,
    PHONE_VIEWPORT,
    PageProblems,
    api_call,
    chromium,
    screenshot,
    sms_code,
)

pytestmark = pytest.mark.e2e

XSS_NAME = "<img src=x onerror=window.__xss=1>"


def demo_password() -> str:
    from smartcommune_local.demo_data import DEMO_PASSWORD

    return DEMO_PASSWORD


def new_mobile() -> tuple[str, str]:
    """A fresh Vietnamese mobile number: (as typed, E.164)."""
    rest = f"{random.randrange(10**8):08d}"
    return f"09{rest}", f"+849{rest}"


def unique_word() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=6)).capitalize()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def tab(browser: Any) -> Iterator[tuple[Any, PageProblems]]:
    """A fresh desktop tab (no session) and the problems its pages report."""
    context = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    problems = PageProblems()
    yield problems.watch(context.new_page()), problems
    context.close()


def sign_in(page: Any, web_url: str, username: str) -> None:
    page.goto(f"{web_url}/admin/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(demo_password())
    page.get_by_role("button", name="Đăng nhập").click()
    # Staff passwords are hashed at OWASP cost (scrypt 2^17): on a busy 2-core machine a sign-in takes seconds
    expect(page.locator("#user-box")).to_be_visible(timeout=30_000)


def staff_token(api_url: str, username: str) -> str:
    status, body = api_call(api_url, "POST", "/auth/staff/login", {"username": username, "password": demo_password()})
    assert status == 200, body
    return str(body["token"])


def nav(page: Any, section: str) -> Any:
    """The link to ``section`` in the site's navigation bar."""
    return page.get_by_role("navigation").get_by_role("link", name=section)


def search(page: Any, text: str) -> None:
    page.get_by_label("Tìm kiếm").fill(text)
    page.get_by_role("button", name="Tìm", exact=True).click()


def test_an_admin_finds_a_citizen_locks_another_and_the_audit_trail_shows_it(
    local_stack: Any, tab: tuple[Any, PageProblems], browser: Any
) -> None:
    page, problems = tab
    # Given the commune's administrator signed in
    sign_in(page, local_stack.web_url, "gp.admin")
    expect(nav(page, "Công dân")).to_be_visible()
    expect(nav(page, "Nhật ký hệ thống")).to_be_visible()
    nav(page, "Công dân").click()
    # Then the list opens a page at a time (the commune has hundreds of citizens)
    rows = page.locator("#citizens-table tbody tr")
    expect(rows).to_have_count(20)
    page.get_by_role("button", name="Xem thêm").click()
    expect(rows).to_have_count(40)
    # When they search without diacritics / Then the citizen is found, phone and CCCD masked
    search(page, "nguyen van an")
    row = page.locator("#citizens-table tbody tr", has_text="Nguyễn Văn An")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("091****678")
    expect(row).not_to_contain_text("0912345678")

    # When they register a new citizen with the form
    typed_phone, e164 = new_mobile()
    cccd = f"036090{random.randrange(10**6):06d}"  # Nam Định, a man born in 1990
    name = f"Đoàn Văn {unique_word()}"
    page.get_by_role("button", name="Thêm công dân").click()
    form = page.locator("#new-citizen-form")
    form.get_by_label("Họ và tên").fill(name)
    form.get_by_label("Số điện thoại").fill(typed_phone)
    form.get_by_label("Xóm").select_option(label="Xóm Bắc Hải")
    form.get_by_label("Địa chỉ").fill("Số 7, Xóm Bắc Hải, xã Giao Phong")
    form.get_by_label("Số CCCD").fill(cccd)
    form.get_by_label("Ngày sinh").fill("05/09/1990")
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#citizens-alert")).to_contain_text(f"Đã thêm công dân {name}")

    # And lock them, giving a reason in the page's own form
    search(page, name)
    row = page.locator("#citizens-table tbody tr", has_text=name)
    expect(row).to_have_count(1)
    # (personal numbers are masked in the list)
    expect(row).to_contain_text(f"036*******{cccd[-2:]}")
    expect(row).not_to_contain_text(cccd)
    expect(row).not_to_contain_text(typed_phone)
    citizen_id = row.get_attribute("data-id")
    # (no lock button on the list's rows: locking lives on the citizen's own page)
    expect(page.locator("#citizens-table").get_by_role("button")).to_have_count(0)
    row.get_by_role("link", name=name).click()
    page.get_by_role("button", name="Khóa tài khoản").click()
    dialog = page.locator("#lock-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Khóa", exact=True).click()
    expect(dialog.locator(".field-error")).to_have_text("Vui lòng nhập lý do.")
    dialog.get_by_label("Lý do").fill("Kiểm thử: số điện thoại bị báo mất")
    dialog.get_by_role("button", name="Khóa", exact=True).click()
    # Then their page says locked, and why
    expect(dialog).to_have_count(0)
    expect(page.locator("#citizen-card .badge")).to_have_text("Đã khóa")
    expect(page.locator("#citizen-alert")).to_contain_text(f"Đã khóa tài khoản của {name}")
    expect(page.locator("#citizen-card")).to_contain_text("Kiểm thử: số điện thoại bị báo mất")
    # And so does the list
    nav(page, "Công dân").click()
    search(page, name)
    expect(page.locator(f'#citizens-table tr[data-id="{citizen_id}"] .badge')).to_have_text("Đã khóa")
    screenshot(page, "admin-citizens-locked")

    # And that citizen can no longer sign in on their phone: the API's message is shown
    phone_context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN")
    try:
        portal = problems.watch(phone_context.new_page())
        sent_before = len(local_stack.outbox())
        portal.goto(f"{local_stack.web_url}/citizen/")
        portal.get_by_label("Số điện thoại").fill(typed_phone)
        portal.get_by_role("button", name="Gửi mã").click()
        portal.get_by_label("Mã xác thực").fill(sms_code(local_stack, e164, after=sent_before))
        portal.get_by_role("button", name="Đăng nhập").click()
        expect(portal.locator("#otp-alert")).to_contain_text("bị khóa")
        expect(portal.locator("#profile")).to_be_hidden()
        screenshot(portal, "citizen-locked-refused")
    finally:
        phone_context.close()

    # And the audit trail records the lock, and its chain verifies
    nav(page, "Nhật ký hệ thống").click()
    entry = page.locator("#audit-table tbody tr", has=page.locator(f'a[href="#/citizens/{citizen_id}"]')).filter(
        has_text="khóa tài khoản công dân"
    )
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("khóa tài khoản công dân: «Kiểm thử: số điện thoại bị báo mất»")
    expect(entry.locator("td").nth(1)).to_have_text(re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$"))
    page.get_by_role("button", name="Kiểm tra toàn vẹn").click()
    expect(page.locator("#verify-result")).to_contain_text("Chuỗi nhật ký toàn vẹn")
    screenshot(page, "admin-audit-verified")
    problems.assert_none()


def test_a_culture_officer_sees_no_citizen_section_and_the_api_refuses_them(
    local_stack: Any, tab: tuple[Any, PageProblems]
) -> None:
    page, problems = tab
    # Given the culture officer signed in
    sign_in(page, local_stack.web_url, "gp.culture")
    # Then neither the citizens nor the audit section is offered
    expect(page.locator("#user-box")).to_contain_text("Văn hóa - Thông tin")
    expect(nav(page, "Công dân")).to_be_hidden()
    expect(nav(page, "Nhật ký hệ thống")).to_be_hidden()
    expect(page.locator("#home-sections")).not_to_contain_text("Công dân")
    expect(nav(page, "Phản ánh")).to_be_visible()  # feedback is every staff role's (culture publishes, moderates)
    # And typing the address of the section by hand does not show it
    page.goto(f"{local_stack.web_url}/admin/#/citizens")
    expect(page.locator("#home")).to_be_visible()
    expect(page.locator("#citizens")).to_be_hidden()
    screenshot(page, "admin-culture-home")
    # And the API refuses their session if called directly, in Vietnamese
    token = page.evaluate("sessionStorage.getItem('sc.admin.token')")
    assert token
    status, body = api_call(local_stack.api_url, "GET", "/citizens", token=token)
    assert status == 403
    assert "không có quyền" in body["error"]["message"]
    problems.assert_none()


def test_a_name_made_of_markup_is_shown_as_text_and_never_runs(local_stack: Any, tab: tuple[Any, PageProblems]) -> None:
    page, problems = tab
    # Given a citizen whose name is an HTML snippet that would run script if parsed
    _, e164 = new_mobile()
    token = staff_token(local_stack.api_url, "gp.office")
    status, body = api_call(
        local_stack.api_url,
        "POST",
        "/citizens",
        {"full_name": XSS_NAME, "phone": e164, "hamlet_id": "nam-phong", "address": "Số 1, Xóm Nam Phong"},
        token=token,
    )
    assert status == 201, body
    # When the administrator lists them
    sign_in(page, local_stack.web_url, "gp.admin")
    nav(page, "Công dân").click()
    search(page, "onerror xss")
    row = page.locator("#citizens-table tbody tr", has_text="onerror")
    expect(row.first).to_be_visible()
    # Then the name reads literally, no image element exists and the script never ran
    expect(row.first.locator("td").first).to_have_text(XSS_NAME)
    assert page.locator("#citizens-table img").count() == 0
    # And the audit trail, which repeats the name, is just as inert
    nav(page, "Nhật ký hệ thống").click()
    expect(page.locator("#audit-table tbody tr").first).to_be_visible()
    assert page.locator("#audit-table img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    problems.assert_none()


def test_the_dashboard_shows_the_commune_its_health_and_its_live_tiles(
    local_stack: Any, tab: tuple[Any, PageProblems]
) -> None:
    page, problems = tab
    # Given the operations dashboard
    page.goto(f"{local_stack.web_url}/dashboard/")
    # Then it names the commune and reports the platform healthy, check by check
    expect(page.locator(".brand")).to_contain_text("Giao Phong", timeout=30_000)  # the whole payload first
    expect(page.locator("#health-badge")).to_have_text("Hoạt động bình thường")
    expect(page.locator("#health-checks li").first).to_be_visible()
    expect(page.locator("#health-time")).to_contain_text("Cập nhật lúc")
    # And the components running on the platform have live tiles, cameras and water quality among them (the
    # loudspeakers' figures: tests/e2e/test_pages_speakers_dashboard.py; the scorecard: test_pages_dashboard.py)
    for tile in ("cameras", "water"):
        expect(page.locator(f'#tiles li[data-tile="{tile}"] .ops-metrics li').first).to_be_visible(timeout=20_000)
    screenshot(page, "dashboard")
    problems.assert_none()
