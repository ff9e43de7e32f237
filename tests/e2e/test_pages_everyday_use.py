"""Everyday use on small screens and slow links (issue 9), in Chromium against the running local stack: what the
citizen reads by SMS after each step, the feedback form's errors, photo sizes, tracking codes and deadlines on a
360-px phone, the admin header, pages that never scroll sideways, the audit log in plain words, the inbox order,
and the citizen's SMS choices and sign-in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.test_pages_feedback import (
    _submit,
    citizen_api_token,
    do_action,
    new_citizen,
    sign_in_citizen,
    sign_in_staff,
    word,
)
from tests.support.browser import PHONE_VIEWPORT, PageProblems, chromium

DESKTOP_VIEWPORT = {"width": 1366, "height": 768}

pytestmark = pytest.mark.e2e

WAIT_MS = 20_000  # the machine running these is shared and slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    """``open(viewport, **options) -> (page, problems)``; every context is closed and checked afterwards."""
    opened: list[tuple[Any, PageProblems]] = []

    def open_page(viewport: dict[str, int] = PHONE_VIEWPORT, **options: Any) -> tuple[Any, PageProblems]:
        context = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **options)
        problems = PageProblems()
        opened.append((context, problems))
        page = problems.watch(context.new_page())
        page.set_default_timeout(WAIT_MS)
        return page, problems

    yield open_page
    for context, problems in opened:
        context.close()
        problems.assert_none()


def feedback_of_new_citizen(stack: Any, field_code: str = "roads") -> tuple[str, dict[str, Any]]:
    """A new citizen's feedback item, sent through the API: (E.164 phone, the item)."""
    _, e164, _ = new_citizen(stack)
    body = {
        "field_code": field_code,
        "title": f"Cống tắc xóm Tây Sơn {word()}",
        "description": "Cống thoát nước bị tắc, nước tràn ra đường khi trời mưa.",
        "hamlet_id": "tay-son",
        "upload_ids": [],
        "anonymous_public": True,
    }
    return e164, _submit(stack, citizen_api_token(stack, e164), body)


def texts_to(stack: Any, phone: str, after: int) -> list[str]:
    return [m["text"] for m in stack.outbox()[after:] if m.get("phone") == phone]


def wait_for_text(stack: Any, phone: str, after: int, needle: str, timeout_s: float = 20) -> list[str]:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        texts = texts_to(stack, phone, after)
        if any(needle in t for t in texts):
            return texts
        time.sleep(0.2)
    raise AssertionError(f"no SMS containing {needle!r}; got {texts_to(stack, phone, after)}")


# ---------------------------------------------------------------- a. the SMS says what was done


def test_the_citizen_is_told_assigned_when_staff_assign_and_transferred_when_they_transfer(
    local_stack: Any, contexts: Any
) -> None:
    e164, item = feedback_of_new_citizen(local_stack)
    # Given the office on a phone, on a newly received item
    office, _ = contexts(PHONE_VIEWPORT)
    sign_in_staff(local_stack, office, "gp.office", f"#/feedback/{item['id']}")
    expect(office.locator("#fb-detail")).to_contain_text(item["tracking_code"], timeout=WAIT_MS)
    before = len(local_stack.outbox())
    # When they press "Giao xử lý"
    do_action(office, "Giao xử lý")
    # Then the citizen reads that it was given to the unit, not that it was transferred
    texts = wait_for_text(local_stack, e164, before, "đã được giao cho")
    assert item["tracking_code"] in texts[-1] and "Xây dựng - Giao thông - Thủy lợi" in texts[-1]
    assert not any("chuyển" in t for t in texts)
    # And when they transfer it to another unit, the citizen reads "chuyển sang" and the new unit
    before = len(local_stack.outbox())
    office.locator("#fb-actions").get_by_role("button", name="Chuyển đơn vị").click()
    office.locator("#fb-action-form form select").select_option(label="Công an xã")
    office.locator("#fb-action-form form").get_by_role("button", name="Xác nhận: Chuyển đơn vị").click()
    expect(office.locator("#fb-action-alert")).to_contain_text("Đã cập nhật", timeout=WAIT_MS)
    texts = wait_for_text(local_stack, e164, before, "đã được chuyển sang")
    assert "Công an xã" in texts[-1]


# ---------------------------------------------------------------- b, c. the feedback form on a phone


def test_a_field_loses_its_error_as_soon_as_it_is_right_and_a_small_photo_reads_in_kb(
    local_stack: Any, contexts: Any
) -> None:
    typed, e164, _ = new_citizen(local_stack)
    phone, _ = contexts(PHONE_VIEWPORT)
    phone.goto(f"{local_stack.web_url}/citizen/#/phan-anh/moi")
    sign_in_citizen(local_stack, phone, typed, e164)
    form = phone.locator("#fb-form")
    expect(form).to_be_visible()
    # Given a citizen who sends the form empty: four fields are marked wrong
    phone.locator("#fb-submit").click()
    expect(form.locator(".field-error")).to_have_count(4)
    # When they type a long enough title, the title's error goes at once (the others stay)
    form.get_by_label("Tiêu đề").fill("Ổ")
    expect(phone.locator("#fb-form-title-error")).to_be_visible()
    form.get_by_label("Tiêu đề").fill("Ổ gà trước nhà văn hóa")
    expect(phone.locator("#fb-form-title-error")).to_have_count(0)
    expect(form.get_by_label("Tiêu đề")).not_to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field-error")).to_have_count(3)
    # And choosing a field and a hamlet clears theirs, without sending anything
    form.get_by_label("Lĩnh vực").select_option(label="Đường giao thông")
    form.get_by_label("Xóm", exact=True).select_option(label="Xóm Tây Sơn")
    expect(form.locator(".field-error")).to_have_count(1)
    expect(phone.locator("#fb-form-description-error")).to_be_visible()
    # When they attach a 12.7 KB photo, its size reads in kilobytes, Vietnamese style
    phone.get_by_label("Ảnh (không bắt buộc)").set_input_files(
        {"name": "anh-nho.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * (13005 - 8)}
    )
    expect(phone.locator("#fb-photo-list .photo-name")).to_have_text("anh-nho.png · 12,7 KB")


# ---------------------------------------------------------------- d. tracking code and deadline on a phone


def test_on_a_phone_the_tracking_code_stays_on_one_line_and_the_deadline_says_what_it_is_for(
    local_stack: Any, contexts: Any
) -> None:
    typed, e164, _ = new_citizen(local_stack)
    phone, _ = contexts(PHONE_VIEWPORT)
    phone.goto(f"{local_stack.web_url}/citizen/#/phan-anh/moi")
    sign_in_citizen(local_stack, phone, typed, e164)
    # Given a citizen who sends a roads item (7 days to answer) from a 360-px phone
    form = phone.locator("#fb-form")
    form.get_by_label("Lĩnh vực").select_option(label="Đường giao thông")
    form.get_by_label("Tiêu đề").fill(f"Ổ gà đường liên xóm {word()}")
    form.get_by_label("Nội dung").fill("Ổ gà sâu giữa đường liên xóm, xe máy đi qua rất nguy hiểm.")
    form.get_by_label("Xóm", exact=True).select_option(label="Xóm Tây Sơn")
    phone.locator("#fb-submit").click()
    # Then the code in the confirmation and on the item is on one line (one line-height tall)
    code = phone.locator("#fb-sent .mono")
    expect(code).to_have_text(re.compile(r"^GP-\d{2}-\d{6}$"))
    one_line = "el => el.getClientRects().length === 1"
    assert code.evaluate(one_line)
    phone.get_by_role("link", name="Xem phản ánh").click()
    detail = phone.locator("#fb-detail")
    expect(detail.locator(".fb-meta .mono")).to_have_count(1)
    assert detail.locator(".fb-meta .mono").evaluate(one_line)
    # And the time left names the deadline it counts down to, in whole days
    expect(detail.locator(".fb-remaining")).to_have_text("Hạn trả lời: còn 7 ngày")
    # And in the list of their feedback too
    phone.get_by_role("link", name="Phản ánh của tôi").click()
    item = phone.locator("#fb-mine li").first
    expect(item.locator(".fb-remaining")).to_have_text("Hạn trả lời: còn 7 ngày")
    assert item.locator(".mono").evaluate(one_line)


# ---------------------------------------------------------------- e. the admin header names the role once


@pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, DESKTOP_VIEWPORT], ids=["360", "1366"])
def test_the_admin_home_names_the_officials_role_once(local_stack: Any, contexts: Any, viewport: Any) -> None:
    # Given the office clerk, whose name as the commune wrote it already says her role
    page, _ = contexts(viewport)
    sign_in_staff(local_stack, page, "gp.office", "#/")
    expect(page.locator("#home-title")).to_have_text("Xin chào, Vũ Thị Hương")
    # Then the whole page says "Văn phòng - Thống kê" once (in the header, beside her name)
    assert page.locator("body").inner_text().count("Văn phòng - Thống kê") == 1
    expect(page.locator("#user-box")).to_contain_text("Vũ Thị Hương (Văn phòng - Thống kê)")


# ---------------------------------------------------------------- g. the audit log in plain words


@pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, DESKTOP_VIEWPORT], ids=["360", "1366"])
def test_the_audit_log_says_in_plain_vietnamese_who_did_what_with_the_raw_record_one_click_away(
    local_stack: Any, contexts: Any, viewport: Any
) -> None:
    # Given an item the office assigned to the infrastructure unit
    _, item = feedback_of_new_citizen(local_stack)
    office, _ = contexts(DESKTOP_VIEWPORT)
    sign_in_staff(local_stack, office, "gp.office", f"#/feedback/{item['id']}")
    do_action(office, "Giao xử lý")
    # When the chairman opens the audit log
    page, _ = contexts(viewport)
    sign_in_staff(local_stack, page, "gp.admin", "#/audit")
    entry = page.locator("#audit-table tbody tr", has=page.get_by_role("link", name=item["tracking_code"])).first
    # Then the entry names the person and says what happened, linking to the item by its code
    expect(entry).to_contain_text("Vũ Thị Hương")
    expect(entry.locator(".said")).to_have_text(
        f"giao phản ánh cho Xây dựng - Giao thông - Thủy lợi xử lý — {item['tracking_code']}"
    )
    # And no raw action code or id shows until the raw record is opened
    visible = entry.inner_text()
    assert "feedback.assign" not in visible and item["id"] not in visible
    entry.get_by_text("Bản ghi gốc").click()
    expect(entry.locator("details dd").first).to_have_text("feedback.assign")
    expect(entry.locator("details")).to_contain_text(item["id"])
    # And every entry on the page is told in words (no "thực hiện «code»" fallback)
    expect(page.locator("#audit-table tbody tr").first).to_be_visible()
    saids = page.locator("#audit-table .said").all_inner_texts()
    assert saids and not [s for s in saids if "thực hiện «" in s]
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


# ---------------------------------------------------------------- f. no page scrolls sideways on a 360-px phone

FITS = "document.documentElement.scrollWidth <= innerWidth"
ADMIN_VIEWS = ["#/", "#/feedback", "#/stats", "#/citizens", "#/cccd", "#/audit", "#/broadcast", "#/devices", "#/staff"]


def settle(page: Any) -> None:
    """Wait until the view has drawn (its 'Đang tải…' placeholder is gone)."""
    page.wait_for_function(
        "() => ![...document.querySelectorAll('main p.muted')]"
        ".some(p => p.offsetParent && p.textContent === 'Đang tải…')"
    )
    page.wait_for_timeout(300)


def overflowing(page: Any) -> str:
    """The widest elements beyond the viewport, for the failure message."""
    return str(
        page.evaluate(
            "() => [...document.querySelectorAll('main *')]"
            ".filter(e => e.getBoundingClientRect().right > innerWidth + 1 && e.offsetParent)"
            ".slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' '"
            " + Math.round(e.getBoundingClientRect().right))"
        )
    )


def test_no_admin_view_scrolls_sideways_on_a_360_px_phone(local_stack: Any, contexts: Any) -> None:
    # Given the chairman (every section) on a 360-px phone, and an item to open
    _, item = feedback_of_new_citizen(local_stack)
    page, _ = contexts(PHONE_VIEWPORT)
    sign_in_staff(local_stack, page, "gp.admin", "#/")
    staff_id = page.evaluate(
        "fetch('/api/me', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('sc.admin.token')}})"
        ".then(r => r.json()).then(m => m.id || m.subject_id)"
    )
    views = [*ADMIN_VIEWS, f"#/feedback/{item['id']}", "#/broadcast/moi", f"#/staff/{staff_id}"]
    wide = {}
    for view in views:
        # When each view is opened
        page.goto(f"{local_stack.web_url}/admin/{view}")
        expect(page.locator("#user-box")).to_be_visible()
        settle(page)
        # Then the page is no wider than the phone
        if not page.evaluate(FITS):
            wide[view] = overflowing(page)
    assert wide == {}


def test_no_citizen_view_scrolls_sideways_on_a_360_px_phone(local_stack: Any, contexts: Any) -> None:
    typed, e164, _ = new_citizen(local_stack)
    _, item = feedback_of_new_citizen(local_stack)
    page, _ = contexts(PHONE_VIEWPORT)
    page.goto(f"{local_stack.web_url}/citizen/")
    expect(page.get_by_label("Số điện thoại")).to_be_visible()
    assert page.evaluate(FITS), overflowing(page)  # signed out: the sign-in form
    sign_in_citizen(local_stack, page, typed, e164)
    expect(page.locator("#account")).to_be_visible()  # signed in: the services, greeted by name
    token = citizen_api_token(local_stack, e164)
    mine = _submit(
        local_stack,
        token,
        {
            "field_code": "roads",
            "title": f"Đường sạt lở {word()}",
            "description": "Mép đường bê tông bị sạt lở dài khoảng ba mét.",
            "hamlet_id": "tay-son",
            "upload_ids": [],
            "anonymous_public": False,
        },
    )
    views = ["#/", "#/ho-so", "#/phan-anh", "#/phan-anh/moi", f"#/phan-anh/{mine['id']}", "#/cong-dong", "#/thong-bao"]
    views.append(f"#/cong-dong/{item['id']}")
    wide = {}
    for view in views:
        page.goto(f"{local_stack.web_url}/citizen/{view}")
        settle(page)
        if not page.evaluate(FITS):
            wide[view] = overflowing(page)
    assert wide == {}


# ---------------------------------------------------------------- i. admin on a phone: a compact menu, tables as cards


def test_on_a_phone_the_admin_menu_is_one_scrolling_row_and_the_inbox_is_a_list_of_cards(
    local_stack: Any, contexts: Any
) -> None:
    feedback_of_new_citizen(local_stack)
    # Given the chairman on a 360x740 phone, in the feedback inbox
    page, _ = contexts(PHONE_VIEWPORT)
    sign_in_staff(local_stack, page, "gp.admin", "#/feedback")
    first = page.locator("#fb-table tbody tr").first
    expect(first).to_be_visible()
    # Then the header and the menu leave most of the screen to the content
    nav = page.locator("#nav")
    assert nav.bounding_box()["height"] < 56
    assert page.locator("main").bounding_box()["y"] < 150
    # And the menu is one row scrolled sideways, every section still reachable in it
    assert nav.locator(".wrap").evaluate("el => el.scrollWidth > el.clientWidth")
    page.locator("#nav a", has_text="Cán bộ").scroll_into_view_if_needed()
    expect(page.locator("#nav a", has_text="Cán bộ")).to_be_in_viewport()
    assert page.evaluate(FITS)
    # And each inbox row is a card whose cells say what they are
    expect(page.locator("#fb-table thead")).not_to_be_in_viewport()
    assert first.evaluate("el => getComputedStyle(el).display") == "block"
    labels = first.locator("td").evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
    assert labels[:2] == ['"Mã: "', '"Tiêu đề: "']
    # While on a 1366-px screen it stays a table with its header row
    wide, _ = contexts(DESKTOP_VIEWPORT)
    sign_in_staff(local_stack, wide, "gp.admin", "#/feedback")
    expect(wide.locator("#fb-table thead th").first).to_be_visible()
    assert wide.locator("#fb-table tbody tr").first.evaluate("el => getComputedStyle(el).display") == "table-row"


# ---------------------------------------------------------------- j. the inbox


def test_an_item_waiting_on_another_unit_says_who_acts_next(local_stack: Any, contexts: Any) -> None:
    # Given an item the office gave to the infrastructure unit
    _, item = feedback_of_new_citizen(local_stack)
    office, _ = contexts(PHONE_VIEWPORT)
    sign_in_staff(local_stack, office, "gp.office", f"#/feedback/{item['id']}")
    do_action(office, "Giao xử lý")
    # Then the office, which has nothing to do now, reads who does and what
    expect(office.locator("#fb-next")).to_have_text("Đang chờ Xây dựng - Giao thông - Thủy lợi bắt đầu xử lý.")
    expect(office.locator("body")).not_to_contain_text("Vai trò của bạn không có thao tác nào")


def test_citizen_rows_have_no_lock_button_and_locking_on_the_citizens_page_asks_first(
    local_stack: Any, contexts: Any
) -> None:
    # Given the office on a phone, in the citizens list
    page, _ = contexts(PHONE_VIEWPORT)
    sign_in_staff(local_stack, page, "gp.office", "#/citizens")
    rows = page.locator("#citizens-table tbody tr")
    expect(rows.first).to_be_visible()
    # Then no row carries a red lock button; each name opens the citizen's page
    expect(page.locator("#citizens-table button")).to_have_count(0)
    name = rows.first.locator("td").first.inner_text()
    rows.first.get_by_role("link").click()
    card = page.locator("#citizen-card")
    expect(card.locator("h1")).to_have_text(name)
    assert page.evaluate(FITS), overflowing(page)
    # When they press lock and change their mind, nothing happens
    page.locator("#citizen-lock").click()
    dialog = page.locator("#lock-dialog")
    expect(dialog).to_contain_text("không đăng nhập được")
    dialog.get_by_role("button", name="Hủy").click()
    expect(dialog).to_have_count(0)
    expect(card.locator(".badge")).to_have_text("Đang hoạt động")


def test_the_inbox_opens_nearest_deadline_first_and_the_sort_can_be_changed(local_stack: Any, contexts: Any) -> None:
    _, newest = feedback_of_new_citizen(local_stack, field_code="other")
    # Given the office opening the inbox on a phone
    page, _ = contexts(PHONE_VIEWPORT)
    with page.expect_request(lambda r: "/api/staff/feedback?" in r.url and "sort=deadline" in r.url):
        sign_in_staff(local_stack, page, "gp.office", "#/feedback")
    rows = page.locator("#fb-table tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.get_by_label("Sắp xếp")).to_have_value("deadline")
    # Then the overdue lead, and the deadlines never go backwards down the list
    deadlines = rows.evaluate_all(
        "rows => rows.map(r => r.querySelector('[data-label=\"Hạn xử lý\"]')"
        ".textContent.match(/\\d{2}\\/\\d{2}\\/\\d{4}/))"
    )
    days = [d[0] if d else None for d in deadlines]
    overdue = rows.evaluate_all("rows => rows.map(r => r.classList.contains('is-overdue'))")
    assert overdue == sorted(overdue, reverse=True)
    in_time = [d.split("/")[::-1] for d, late in zip(days, overdue, strict=True) if d and not late]
    assert in_time == sorted(in_time)
    # When they choose newest first, the item just sent leads
    page.get_by_label("Sắp xếp").select_option(label="Mới nhất trước (tất cả)")
    expect(rows.first).to_contain_text(newest["tracking_code"])


# ---------------------------------------------------------------- k. what citizens need: sign-in that leads back


def _unregistered_phone() -> tuple[str, str]:
    import random

    rest = f"{random.randrange(10**7):07d}"  # 038: a Viettel mobile prefix nobody in the demo data has
    return f"038{rest}", f"+8438{rest}"


@pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, DESKTOP_VIEWPORT], ids=["360", "1366"])
def test_a_new_number_is_told_its_account_was_created_and_can_choose_portal_only_updates(
    local_stack: Any, contexts: Any, viewport: Any
) -> None:
    from tests.e2e.test_pages_feedback import api_call

    typed, e164 = _unregistered_phone()
    page, _ = contexts(viewport)
    # Given a number the commune has never seen signs in on the portal's home
    page.goto(f"{local_stack.web_url}/citizen/")
    sign_in_citizen(local_stack, page, typed, e164)
    # Then they are told plainly that an account was created, and what the profile is for
    notice = page.locator("#profile-alert")
    expect(notice).to_contain_text("Đã tạo tài khoản Công dân số cho số")
    expect(notice).to_contain_text("xóm nào")
    expect(notice).to_contain_text("bổ sung sau")
    # And SMS news is the default, which they can turn to portal-only
    expect(page.get_by_label("Qua SMS ở các bước chính (tiếp nhận, giao xử lý, có kết quả)")).to_be_checked()
    page.get_by_label("Họ và tên").fill(f"Phạm Văn {word().capitalize()}")
    page.get_by_label("Xóm").select_option(label="Xóm Tây Sơn")
    page.get_by_label("Địa chỉ").fill("Số 5, Xóm Tây Sơn")
    page.get_by_label("Chỉ xem trên Cổng (không nhận SMS)").check()
    page.get_by_role("button", name="Lưu hồ sơ").click()
    expect(page.locator("#profile-alert")).to_have_text("Đã lưu hồ sơ của bạn.")
    status, me = api_call(local_stack.api_url, "GET", "/me", token=citizen_api_token(local_stack, e164))
    assert status == 200 and me["status_updates"] == "portal"
    # And "Về trang dịch vụ" takes them to the services, greeted by name
    page.get_by_role("link", name="Về trang dịch vụ").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Xin chào, Phạm Văn"))).to_be_visible()
    assert page.evaluate(FITS), overflowing(page)


@pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, DESKTOP_VIEWPORT], ids=["360", "1366"])
def test_a_citizen_asked_to_sign_in_on_the_feedback_form_comes_back_to_the_form(
    local_stack: Any, contexts: Any, viewport: Any
) -> None:
    typed, e164, _ = new_citizen(local_stack)
    page, _ = contexts(viewport)
    # Given a signed-out citizen who opens "Gửi phản ánh"
    page.goto(f"{local_stack.web_url}/citizen/#/phan-anh/moi")
    expect(page.locator("#otp-alert")).to_contain_text("Vui lòng đăng nhập")
    # When they sign in
    sign_in_citizen(local_stack, page, typed, e164)
    # Then the feedback form is back, not a profile form
    expect(page.get_by_role("heading", name="Gửi phản ánh, kiến nghị")).to_be_visible()
    expect(page.locator("#profile")).to_be_hidden()


@pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, DESKTOP_VIEWPORT], ids=["360", "1366"])
def test_a_code_already_received_can_be_entered_after_the_page_reloads(
    local_stack: Any, contexts: Any, viewport: Any
) -> None:
    from tests.e2e.test_pages_feedback import sms_code

    typed, e164, _ = new_citizen(local_stack)
    page, _ = contexts(viewport)
    page.goto(f"{local_stack.web_url}/citizen/")
    sent = len(local_stack.outbox())
    # Given a citizen who asked for a code
    page.get_by_label("Số điện thoại").fill(typed)
    page.get_by_role("button", name="Gửi mã").click()
    code = sms_code(local_stack, e164, after=sent)
    # When the page reloads before they type it (a tap on a notification, a flaky link)
    page.reload()
    # Then the code step is back, saying the code is still valid, and resending still waits its turn
    expect(page.get_by_label("Mã xác thực")).to_be_visible()
    expect(page.locator("#otp-alert")).to_contain_text("còn hiệu lực")
    expect(page.locator("#resend")).to_be_disabled()
    # And the code they received signs them in
    page.get_by_label("Mã xác thực").fill(code)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#account")).to_be_visible()
    # And after signing out, a reload starts from the phone number again (the used code is forgotten)
    page.get_by_role("button", name="Đăng xuất").click()
    page.reload()
    expect(page.get_by_label("Số điện thoại")).to_be_visible()
    expect(page.get_by_label("Mã xác thực")).to_be_hidden()
