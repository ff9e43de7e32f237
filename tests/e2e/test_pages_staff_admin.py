"""The admin site's staff accounts and CCCD claims in a real browser, against the running local stack."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import PHONE_VIEWPORT, PageProblems, api_call, chromium, screenshot, sms_code

pytestmark = pytest.mark.e2e

LAPTOP_VIEWPORT = {"width": 1366, "height": 768}


def demo_password() -> str:
    from smartcommune_local.demo_data import DEMO_PASSWORD

    return DEMO_PASSWORD


def word() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=6))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    """Open tabs in fresh contexts (``open_page(viewport)``), closed at the end; their problems are collected."""
    opened: list[Any] = []
    problems = PageProblems()

    def open_page(viewport: dict[str, int], **options: Any) -> Any:
        context = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **options)
        opened.append(context)
        return problems.watch(context.new_page())

    yield open_page, problems
    for context in opened:
        context.close()


def sign_in(page: Any, web_url: str, username: str) -> None:
    page.goto(f"{web_url}/admin/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(demo_password())
    page.get_by_role("button", name="Đăng nhập").click()
    # Staff passwords are hashed at OWASP cost (scrypt 2^17): on a busy 2-core machine a sign-in takes seconds
    expect(page.locator("#user-box")).to_be_visible(timeout=30_000)


def login(api_url: str, username: str, password: str) -> tuple[int, Any]:
    return api_call(api_url, "POST", "/auth/staff/login", {"username": username, "password": password})


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def confirm(page: Any, form: Any, reason: str, button: str) -> Any:
    """Give ``reason`` in ``form``, press ``button`` and return the confirmation shown (not yet accepted)."""
    form.get_by_label("Lý do (ghi vào nhật ký)").fill(reason)
    form.get_by_role("button", name=button, exact=True).click()
    question = form.get_by_role("alertdialog")
    expect(question).to_be_visible()
    return question


def test_the_chairman_creates_locks_unlocks_and_re_roles_a_staff_account_but_cannot_lock_himself(
    local_stack: Any, contexts: Any
) -> None:
    open_page, problems = contexts
    api = local_stack.api_url
    page = open_page(LAPTOP_VIEWPORT)
    # Given the chairman signed in on a laptop, in the staff section
    sign_in(page, local_stack.web_url, "gp.admin")
    page.get_by_role("navigation").get_by_role("link", name="Cán bộ").click()
    office = page.locator('#st-list li[data-username="gp.office"]')
    expect(office).to_contain_text("Văn phòng - Thống kê")
    expect(office).to_contain_text("Đang hoạt động")

    # When he creates an office clerk's account with the page's form
    username, password, name = f"e2e.{word()}", f"Mat-khau-{word()}-2025", f"Cán bộ {word().capitalize()}"
    page.get_by_role("button", name="Thêm cán bộ").click()
    form = page.locator("#st-new")
    form.get_by_label("Tên đăng nhập").fill(username)
    form.get_by_label("Họ và tên").fill(name)
    form.get_by_label("Mật khẩu ban đầu").fill(password)
    form.get_by_label("Văn phòng - Thống kê").check()
    form.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.locator("#st-alert")).to_contain_text(f"Đã tạo tài khoản {name} ({username})")
    card = page.locator(f'#st-list li[data-username="{username}"]')
    expect(card).to_contain_text("Văn phòng - Thống kê")
    # And that clerk has a session open elsewhere
    status, session = login(api, username, password)
    assert status == 200, session
    clerk = session["token"]
    assert api_call(api, "GET", "/me", token=clerk)[0] == 200

    # When the chairman locks the account with a reason: the confirmation names who will be signed out
    card.get_by_role("link", name=name).click()
    question = confirm(page, page.locator("#st-lock"), "Kiểm thử: nghỉ phép dài ngày", "Khóa tài khoản")
    expect(question).to_contain_text(f"{name} ({username})")
    expect(question).to_contain_text("đăng xuất ngay trên mọi thiết bị")
    question.get_by_role("button", name="Xác nhận: Khóa tài khoản").click()
    # Then the account shows locked, and the clerk's open session is refused at its next request
    expect(page.locator("#st-one-alert")).to_contain_text(f"Đã khóa tài khoản của {name}")
    expect(page.locator("#st-account .badge")).to_have_text("Đã khóa")
    status, body = api_call(api, "GET", "/me", token=clerk)
    assert status == 401, body
    assert login(api, username, password)[0] != 200
    screenshot(page, "admin-staff-locked")
    page.get_by_role("link", name="← Danh sách cán bộ").click()
    expect(card).to_contain_text("Đã khóa")

    # When he unlocks it / Then it is active again and the clerk can sign in anew (the old session stays ended)
    card.get_by_role("link", name=name).click()
    question = confirm(page, page.locator("#st-unlock"), "Kiểm thử: đã đi làm lại", "Mở khóa tài khoản")
    expect(question).to_contain_text(f"{name} ({username})")
    question.get_by_role("button", name="Xác nhận: Mở khóa tài khoản").click()
    expect(page.locator("#st-account .badge")).to_have_text("Đang hoạt động")
    assert api_call(api, "GET", "/me", token=clerk)[0] == 401
    status, session = login(api, username, password)
    assert status == 200, session

    # When he moves the clerk from the office to the commune police / Then the page and the account say so
    roles = page.locator("#st-roles")
    roles.get_by_label("Văn phòng - Thống kê").uncheck()
    roles.get_by_label("Công an xã").check()
    roles.get_by_role("button", name="Lưu vai trò").click()
    expect(page.locator("#st-one-alert")).to_contain_text(f"Vai trò của {name}: Công an xã")
    expect(page.locator("#st-roles-now")).to_have_text("Công an xã")
    status, me = api_call(api, "GET", "/me", token=session["token"])
    assert (status, me["roles"]) == (200, ["police"])
    # When he signs the clerk out everywhere / Then that session is refused too, and the account stays active
    question = confirm(page, page.locator("#st-sign-out"), "Kiểm thử: mất điện thoại", "Đăng xuất khỏi mọi thiết bị")
    expect(question).to_contain_text(f"Đăng xuất {name} ({username}) khỏi mọi thiết bị")
    question.get_by_role("button", name="Xác nhận").click()
    expect(page.locator("#st-one-alert")).to_contain_text(f"Đã đăng xuất {name} khỏi mọi thiết bị")
    assert api_call(api, "GET", "/me", token=session["token"])[0] == 401
    expect(page.locator("#st-account .badge")).to_have_text("Đang hoạt động")

    # When the chairman tries to lock his own account / Then the API's refusal is shown and nothing changes
    page.get_by_role("link", name="← Danh sách cán bộ").click()
    page.locator('#st-list li[data-username="gp.admin"] a').click()
    lock = page.locator("#st-lock")
    confirm(page, lock, "Kiểm thử: tự khóa", "Khóa tài khoản").get_by_role("button", name="Xác nhận").click()
    expect(lock.locator(".alert-error")).to_contain_text("Bạn không thể tự khóa tài khoản của chính mình.")
    expect(page.locator("#st-account .badge")).to_have_text("Đang hoạt động")
    assert api_call(api, "GET", "/me", token=page.evaluate("sessionStorage.getItem('sc.admin.token')"))[0] == 200

    # And on a 360-px phone the list and one account fit the screen's width
    page.set_viewport_size(PHONE_VIEWPORT)
    assert no_horizontal_scroll(page)
    screenshot(page, "admin-staff-one-phone")
    page.get_by_role("link", name="← Danh sách cán bộ").click()
    expect(card).to_be_visible()
    assert no_horizontal_scroll(page)
    screenshot(page, "admin-staff-list-phone")
    problems.assert_none()


def citizen_session(stack: Any, e164: str) -> str:
    """Sign a citizen in by SMS code through the API (the first sign-in creates the account)."""
    sent = len(stack.outbox())
    status, body = api_call(stack.api_url, "POST", "/auth/otp", {"commune_id": "giao-phong", "phone": e164})
    assert status == 202, body
    code = sms_code(stack, e164, after=sent)
    body = {"commune_id": "giao-phong", "phone": e164, "code": code}
    status, body = api_call(stack.api_url, "POST", "/auth/otp/verify", body)
    assert status == 200, body
    return str(body["token"])


def test_a_cccd_a_citizen_claims_is_verified_by_the_office_typing_it_from_the_card(
    local_stack: Any, contexts: Any
) -> None:
    open_page, problems = contexts
    # Given a citizen who gives their CCCD on their own profile (through the API)
    rest = f"{random.randrange(10**8):08d}"
    e164 = f"+849{rest}"
    cccd = f"036190{random.randrange(10**6):06d}"  # Nam Định, a woman born in 1990
    masked = f"036*******{cccd[-2:]}"
    name = f"Phạm Thị {word().capitalize()}"
    token = citizen_session(local_stack, e164)
    profile = {"full_name": name, "hamlet_id": "tay-son", "address": "Số 3, Xóm Tây Sơn", "cccd": cccd}
    status, me = api_call(local_stack.api_url, "PUT", "/me/profile", profile, token=token)
    assert status == 200, me
    assert me["cccd_pending_masked"] == masked

    # When the office clerk opens the pending CCCDs on a 360-px phone
    page = open_page(PHONE_VIEWPORT)
    sign_in(page, local_stack.web_url, "gp.office")
    page.get_by_role("navigation").get_by_role("link", name="Công dân").click()
    page.locator("#citizens").get_by_role("link", name="CCCD chờ xác minh").click()
    # Then the citizen is listed, and the list fits the screen
    expect(page.locator('#cc-list[aria-busy="false"]')).to_have_count(1, timeout=20_000)  # on-demand view
    item = page.locator("#cc-list li", has_text=name)
    expect(item).to_have_count(1)
    assert no_horizontal_scroll(page)
    screenshot(page, "admin-cccd-pending-phone")

    # When they open the citizen: only the masked number is shown
    item.get_by_role("link", name=name).click()
    expect(page.locator("#cc-pending")).to_have_text(masked)
    expect(page.locator("#cc-verified")).to_have_text("—")
    assert cccd not in page.locator("main").inner_text()
    assert no_horizontal_scroll(page)
    # And a number that is not the one on the card is refused under the field
    form = page.locator("#cc-verify")
    wrong = cccd[:-1] + str((int(cccd[-1]) + 1) % 10)
    form.get_by_label("Số CCCD trên thẻ").fill(wrong)
    form.get_by_role("button", name="Xác minh").click()
    expect(form.locator(".field-error")).to_contain_text("không khớp")
    # When they type the number from the card
    form.get_by_label("Số CCCD trên thẻ").fill(cccd)
    form.get_by_role("button", name="Xác minh").click()
    # Then it is verified, shown masked, and the full number is not left on the page
    expect(page.locator("#cc-alert")).to_contain_text(f"Đã xác minh CCCD của {name}: {masked}")
    expect(page.locator("#cc-verified")).to_have_text(masked)
    expect(page.locator("#cc-pending")).to_have_text("—")
    expect(page.locator("#cc-verify")).to_have_count(0)
    assert cccd not in page.locator("main").inner_text()
    screenshot(page, "admin-cccd-verified-phone")
    # And the citizen is no longer in the pending list
    page.get_by_role("link", name="← CCCD chờ xác minh").click()
    expect(page.locator('#cc-list[aria-busy="false"]')).to_have_count(1, timeout=20_000)  # on-demand view
    expect(page.locator("#cc-list li", has_text=name)).to_have_count(0)

    # And the citizen's own profile page shows the number verified, masked
    init = f"localStorage.setItem('sc.citizen.giao-phong.token', {json.dumps(token)})"
    portal = open_page(PHONE_VIEWPORT)
    portal.add_init_script(init)
    portal.goto(f"{local_stack.web_url}/citizen/#/ho-so")
    expect(portal.locator("#cccd-hint")).to_contain_text(f"Đã lưu: {masked}")
    expect(portal.locator("#cccd-hint")).not_to_contain_text("chờ")
    assert cccd not in portal.locator("body").inner_text()
    # with the commune's address as it is since 1/7/2025, and the one people still say
    expect(portal.locator("#profile-unit")).to_have_text(
        "Địa giới hành chính: Xã Giao Ninh, Tỉnh Ninh Bình (trước đây: Xã Giao Phong, Huyện Giao Thủy, Tỉnh Nam Định)"
    )
    problems.assert_none()


def test_a_number_already_on_another_account_is_explained_moved_on_purpose_and_a_wrong_claim_is_turned_down(
    local_stack: Any, contexts: Any
) -> None:
    open_page, problems = contexts
    api = local_stack.api_url
    # Given a CCCD the office registered on one citizen, and a second citizen who claims that same number
    cccd = f"036085{random.randrange(10**6):06d}"
    masked = f"036*******{cccd[-2:]}"
    office = login(api, "gp.office", demo_password())[1]["token"]
    first = {"full_name": f"Trần Văn {word().capitalize()}", "phone": f"+849{random.randrange(10**8):08d}"}
    first |= {"hamlet_id": "tay-son", "address": "Số 8, Xóm Tây Sơn", "cccd": cccd}
    status, holder = api_call(api, "POST", "/citizens", first, token=office)
    assert status == 201, holder
    name = f"Trần Văn {word().capitalize()}"
    token = citizen_session(local_stack, f"+849{random.randrange(10**8):08d}")
    profile = {"full_name": name, "hamlet_id": "tay-son", "address": "Số 9, Xóm Tây Sơn", "cccd": cccd}
    assert api_call(api, "PUT", "/me/profile", profile, token=token)[0] == 200
    citizen_id = api_call(api, "GET", "/me", token=token)[1]["id"]

    # When the commune police verify the claim from the card
    page = open_page(LAPTOP_VIEWPORT)
    sign_in(page, local_stack.web_url, "gp.police")
    page.goto(f"{local_stack.web_url}/admin/#/cccd/{citizen_id}")
    form = page.locator("#cc-verify")
    form.get_by_label("Số CCCD trên thẻ").fill(cccd)
    form.get_by_role("button", name="Xác minh").click()
    # Then the API's 409 explains the number is on another account, and the page offers to move it
    expect(form.locator(".alert-error")).to_contain_text("đang gắn với một tài khoản khác")
    form.get_by_label("Chuyển số CCCD từ tài khoản kia sang công dân này").check()
    form.get_by_role("button", name="Xác minh").click()
    expect(page.locator("#cc-verified")).to_have_text(masked)
    status, before = api_call(api, "GET", f"/citizens/{holder['id']}", token=office)
    assert (status, before["cccd_masked"]) == (200, None)

    # Given the same citizen then claims a number that is not theirs / When the police turn it down with a reason
    other = f"036085{random.randrange(10**6):06d}"
    assert api_call(api, "PUT", "/me/profile", profile | {"cccd": other}, token=token)[0] == 200
    page.reload()
    reject = page.locator("#cc-reject")
    reject.get_by_role("button", name="Từ chối số CCCD").click()
    expect(reject.locator(".field-error")).to_contain_text("lý do")
    reject.get_by_label("Lý do (ghi vào nhật ký)").fill("Kiểm thử: số trên thẻ khác")
    reject.get_by_role("button", name="Từ chối số CCCD").click()
    # Then the claim is gone and the verified number stays
    expect(page.locator("#cc-alert")).to_contain_text(f"Đã từ chối số CCCD của {name}")
    expect(page.locator("#cc-pending")).to_have_text("—")
    expect(page.locator("#cc-verified")).to_have_text(masked)
    status, me = api_call(api, "GET", "/me", token=token)
    assert (me["cccd_masked"], me["cccd_pending_masked"]) == (masked, None)
    problems.assert_none()
