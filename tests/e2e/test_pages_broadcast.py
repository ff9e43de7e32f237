"""Bulletins and loudspeakers in Chromium against the running local stack (mosquitto + 40 simulated speakers): the
culture officer drafts an emergency bulletin, the chairman approves it in another browser, the delivery report
fills to 40 played; the loudspeaker view shows the speakers live and sets a volume; citizens see the alert without
signing in, and a signed-in citizen chooses the hamlets whose alerts reach them by SMS."""

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

REPORT_TIMEOUT_MS = 45_000


def demo_password() -> str:
    from smartcommune_local.demo_data import DEMO_PASSWORD

    return DEMO_PASSWORD


def word() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=7))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    """``open(viewport) -> (page, problems)``; every context is closed and checked for script errors/CSP afterwards."""
    opened: list[tuple[Any, PageProblems]] = []

    def open_page(viewport: dict[str, int] = DESKTOP_VIEWPORT) -> tuple[Any, PageProblems]:
        context = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        problems = PageProblems()
        opened.append((context, problems))
        return problems.watch(context.new_page()), problems

    yield open_page
    for context, problems in opened:
        context.close()
        problems.assert_none()


def staff_token(stack: Any, username: str) -> str:
    status, body = api_call(
        stack.api_url, "POST", "/auth/staff/login", {"username": username, "password": demo_password()}
    )
    assert status == 200, body
    return str(body["token"])


def sign_in_staff(stack: Any, page: Any, username: str, hash_: str) -> None:
    page.goto(f"{stack.web_url}/admin/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(demo_password())
    page.get_by_role("button", name="Đăng nhập").click()
    # Staff passwords are hashed at OWASP cost (scrypt 2^17): on a busy 2-core machine a sign-in takes seconds
    expect(page.locator("#user-box")).to_be_visible(timeout=30_000)
    page.goto(f"{stack.web_url}/admin/{hash_}")


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


@pytest.fixture(scope="module")
def published(local_stack: Any) -> str:
    """An emergency bulletin drafted by gp.culture and approved by gp.admin through the API; its headline."""
    headline = f"Cảnh báo triều cường {word()}"
    draft = {
        "headline": headline,
        "text": "Triều cường dâng cao chiều nay. Bà con xóm ven biển chú ý an toàn.",
        "instruction": "Không ra bãi bồi sau 16 giờ.",
        "priority": "emergency",
        "category": "Met",
    }
    status, body = api_call(local_stack.api_url, "POST", "/bulletins", draft, staff_token(local_stack, "gp.culture"))
    assert status == 201, body
    status, approved = api_call(
        local_stack.api_url,
        "POST",
        f"/bulletins/{body['id']}/approve",
        {"version": body["version"]},
        staff_token(local_stack, "gp.admin"),
    )
    assert status == 200, approved
    return headline


def test_culture_drafts_an_emergency_bulletin_the_chairman_approves_it_and_40_speakers_play_it(
    local_stack: Any, contexts: Any
) -> None:
    drafter, _ = contexts()
    # Given the culture officer in the admin site's broadcast section
    sign_in_staff(local_stack, drafter, "gp.culture", "#/broadcast")
    expect(drafter.locator('#nav a[data-view="broadcast"]')).to_have_text("Truyền thanh")
    expect(drafter.locator('#nav a[data-view="devices"]')).to_be_visible()
    # When she drafts an emergency bulletin for the whole commune, to play as soon as it is approved
    drafter.get_by_role("link", name="Soạn bản tin").click()
    headline = f"Khẩn: bão số 3 đổ bộ {word()}"
    drafter.get_by_label("Tiêu đề").fill(headline)
    drafter.get_by_label("Nội dung (loa sẽ đọc)").fill("Bão số 3 sắp đổ bộ. Bà con chằng chống nhà cửa, không ra khơi.")
    drafter.get_by_label("Mức ưu tiên").select_option(label="Khẩn cấp")
    drafter.get_by_label("Lĩnh vực").select_option("Met")
    drafter.get_by_role("button", name="Lưu bản nháp và gửi duyệt").click()
    # Then the draft opens, waiting for approval, and she is not offered to approve her own bulletin
    detail = drafter.locator("#bd-detail")
    expect(detail.get_by_role("heading", name=headline)).to_be_visible(timeout=20_000)
    expect(detail).to_contain_text("Chờ duyệt")
    expect(detail).to_contain_text("Khẩn cấp")
    expect(drafter.get_by_role("button", name="Duyệt và phát")).to_have_count(0)
    expect(drafter.locator("#bd-actions").locator("..")).to_contain_text("phải được một người khác")
    bulletin_hash = "#" + drafter.url.split("#", 1)[1]
    assert re.fullmatch(r"#/broadcast/[0-9a-f]{32}", bulletin_hash)

    # When the chairman, in his own browser, opens it from the list and approves it
    approver, _ = contexts()
    sign_in_staff(local_stack, approver, "gp.admin", "#/broadcast")
    approver.locator("#bl-table").get_by_role("link", name=headline).click()
    expect(approver.locator("#bd-detail")).to_contain_text("Mai Văn Sơn")
    approver.get_by_role("button", name="Duyệt và phát").click()
    # Then he is asked to confirm what plays where, and confirms
    confirm = approver.locator("#bd-confirm")
    expect(confirm).to_contain_text("tới 40 loa của cả xã?", timeout=20_000)
    confirm.get_by_role("button", name="Duyệt và phát ngay").click()
    # Then it is approved, and the delivery report refreshes itself until all 40 speakers have played it
    expect(approver.locator("#bd-action-alert")).to_contain_text("Đã duyệt", timeout=30_000)  # sends to 40 first
    expect(approver.locator("#dr-targeted")).to_contain_text("40", timeout=REPORT_TIMEOUT_MS)
    expect(approver.locator("#dr-played strong")).to_have_text("40", timeout=REPORT_TIMEOUT_MS)
    expect(approver.locator("#dr-failed strong")).to_have_text("0")
    expect(approver.locator("#dr-state")).to_contain_text("Đã nhận đủ phản hồi")
    expect(approver.locator('#dr-table tbody tr[data-state="finished"]')).to_have_count(40)
    expect(approver.locator("#dr-table tbody tr").first).to_contain_text("Đã phát")
    screenshot(approver, "admin-broadcast-delivered")

    # And the drafter, reloading, sees who approved it and the same report
    drafter.reload()  # (the reloaded page loads its broadcast module again: slow on a busy machine)
    expect(drafter.locator("#bd-detail")).to_contain_text("Trần Văn Thịnh", timeout=20_000)
    expect(drafter.locator("#dr-played strong")).to_have_text("40")
    # And the list shows it played
    drafter.goto(f"{local_stack.web_url}/admin/#/broadcast")
    row = drafter.locator("#bl-table tbody tr", has_text=headline)
    expect(row).to_contain_text("Đã phát")
    expect(row).to_contain_text("Khẩn cấp")


def test_the_loudspeaker_view_lists_the_40_speakers_online_and_sets_a_volume(
    local_stack: Any, contexts: Any, published: str
) -> None:
    page, _ = contexts()
    # Given the culture officer opens the loudspeakers (after a broadcast every speaker has answered recently)
    sign_in_staff(local_stack, page, "gp.culture", "#/devices")
    # Then all 40 speakers are listed online, with their cluster and hamlet
    expect(page.locator("#dv-table tbody tr")).to_have_count(40, timeout=20_000)
    expect(page.locator("#dv-online strong")).to_have_text("40", timeout=20_000)
    expect(page.locator('#dv-table tbody tr[data-online="true"]')).to_have_count(40)
    first = page.locator('#dv-table tbody tr[data-thing="gp-spk-01a"]')
    expect(first).to_contain_text("gp-cl-01")
    expect(first).to_contain_text("Xóm Đông Thành")
    expect(first).to_contain_text("Trực tuyến")
    # When she sets speaker 01a's normal volume to 65
    volume = random.randint(40, 69)
    first.get_by_role("button").click()
    expect(page.get_by_label("Loa", exact=True)).to_have_value("gp-spk-01a")
    page.get_by_label("Âm lượng thường (0–100)").fill(str(volume))
    page.get_by_role("button", name="Lưu âm lượng").click()
    # Then it is saved and the table shows the new desired volume
    expect(page.locator("#dv-form-alert")).to_contain_text(f"thường {volume}")
    expect(first.locator("td.num").first).to_contain_text(f"{volume} /")
    # And an out-of-range volume is refused on the form
    page.get_by_label("Âm lượng thường (0–100)").fill("150")
    page.get_by_role("button", name="Lưu âm lượng").click()
    expect(page.locator("#dv-form .field-error")).to_contain_text("từ 0 đến 100")
    screenshot(page, "admin-loudspeakers")


def test_staff_without_a_broadcast_role_do_not_see_the_sections(local_stack: Any, contexts: Any) -> None:
    page, _ = contexts()
    # Given the school's account (no broadcast role) / When it opens the broadcast section by its address
    sign_in_staff(local_stack, page, "gp.school", "#/broadcast")
    # Then neither section is offered, and the home page is shown instead
    expect(page.locator("#home")).to_be_visible()
    expect(page.locator('#nav a[data-view="broadcast"]')).to_be_hidden()
    expect(page.locator('#nav a[data-view="devices"]')).to_be_hidden()
    expect(page.locator("#broadcast")).to_be_hidden()


def new_citizen(stack: Any) -> tuple[str, str]:
    """A citizen registered by the office with a fresh mobile: (as typed, E.164)."""
    rest = f"{random.randrange(10**8):08d}"
    typed, e164 = f"09{rest}", f"+849{rest}"
    name = f"Đỗ Thị {word().capitalize()}"
    body = {"full_name": name, "phone": e164, "hamlet_id": "tay-son", "address": "Xóm Tây Sơn"}
    status, answer = api_call(stack.api_url, "POST", "/citizens", body, token=staff_token(stack, "gp.office"))
    assert status == 201, answer
    return typed, e164


def test_citizens_see_the_alert_without_signing_in_and_a_citizen_subscribes_to_hamlets(
    local_stack: Any, contexts: Any, published: str
) -> None:
    page, _ = contexts(PHONE_VIEWPORT)
    # Given anyone opens the portal's announcements on a 360-px phone, without signing in
    page.goto(f"{local_stack.web_url}/citizen/")
    page.locator("#alerts-tile").get_by_role("link", name="Xem thông báo").click()
    # Then the approved emergency alert is listed, highlighted, with its instruction
    alert = page.locator("#al-list li", has_text=published)
    expect(alert).to_be_visible()
    expect(alert).to_have_class(re.compile(r"\bal-emergency\b"))
    expect(alert).to_contain_text("Khẩn cấp")
    expect(alert).to_contain_text("Không ra bãi bồi sau 16 giờ.")
    expect(alert).to_contain_text(re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"))
    # And filtering by a hamlet keeps a whole-commune alert
    page.locator("#al-filter").get_by_label("Xóm").select_option(label="Xóm Tây Sơn")
    expect(page.locator("#al-list li", has_text=published)).to_be_visible()
    # And the SMS subscription asks to sign in first
    expect(page.locator("#al-sub")).to_contain_text("Đăng nhập để nhận cảnh báo")
    assert no_horizontal_scroll(page)
    screenshot(page, "citizen-alerts")

    # When a citizen signs in and comes back to the announcements
    typed, e164 = new_citizen(local_stack)
    page.goto(f"{local_stack.web_url}/citizen/#/")
    sent = len(local_stack.outbox())
    page.get_by_label("Số điện thoại").fill(typed)
    page.get_by_role("button", name="Gửi mã").click()
    page.get_by_label("Mã xác thực").fill(sms_code(local_stack, e164, after=sent))
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#account")).to_be_visible()  # signed in: the services, greeted by name
    page.goto(f"{local_stack.web_url}/citizen/#/thong-bao")
    form = page.locator("#al-sub-form")
    # And turns SMS alerts on for two hamlets
    form.get_by_label("Nhận tin nhắn SMS cảnh báo").check()
    form.get_by_label("Xóm Tây Sơn").check()
    form.get_by_label("Xóm Nam Phong").check()
    form.get_by_role("button", name="Lưu đăng ký").click()
    # Then it is saved, and still chosen after a reload
    expect(page.locator("#al-sub-alert")).to_contain_text("Đã lưu đăng ký nhận cảnh báo")
    page.reload()
    expect(page.locator("#al-sub-form").get_by_label("Xóm Tây Sơn")).to_be_checked()
    expect(page.locator("#al-sub-form").get_by_label("Xóm Nam Phong")).to_be_checked()
    expect(page.locator("#al-sub-form").get_by_label("Xóm Bắc Hải")).not_to_be_checked()
    # And turning alerts on with no hamlet is explained
    for name in ("Xóm Tây Sơn", "Xóm Nam Phong"):
        page.locator("#al-sub-form").get_by_label(name).uncheck()
    page.locator("#al-sub-form").get_by_role("button", name="Lưu đăng ký").click()
    expect(page.locator("#al-sub-alert")).to_contain_text("Chọn ít nhất một xóm")
    assert no_horizontal_scroll(page)
