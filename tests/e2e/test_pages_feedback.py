"""Citizen feedback end to end in Chromium against the running local stack: a citizen sends feedback with a photo,
staff of two roles take it to publication, the citizen sees the result and rates it, the public sees it without
personal data; double submission, comment moderation and the public filters."""

from __future__ import annotations

import base64
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
    """``open(viewport, **options) -> (page, problems)``; every context is closed and checked afterwards."""
    opened: list[tuple[Any, PageProblems]] = []

    def open_page(viewport: dict[str, int] = PHONE_VIEWPORT, **options: Any) -> tuple[Any, PageProblems]:
        context = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **options)
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


def new_citizen(stack: Any) -> tuple[str, str, str]:
    """A citizen registered by the office with a fresh mobile and CCCD: (as typed, E.164, CCCD)."""
    rest = f"{random.randrange(10**8):08d}"
    typed, e164 = f"09{rest}", f"+849{rest}"
    cccd = f"036090{random.randrange(10**6):06d}"
    body = {
        "full_name": f"Lê Thị {word().capitalize()}",
        "phone": e164,
        "hamlet_id": "tay-son",
        "address": "Số 12, Xóm Tây Sơn",
        "cccd": cccd,
    }
    status, answer = api_call(stack.api_url, "POST", "/citizens", body, token=staff_token(stack, "gp.office"))
    assert status == 201, answer
    return typed, e164, cccd


def citizen_api_token(stack: Any, e164: str) -> str:
    sent = len(stack.outbox())
    status, body = api_call(stack.api_url, "POST", "/auth/otp", {"commune_id": "giao-phong", "phone": e164})
    assert status in (200, 201, 202), body
    code = sms_code(stack, e164, after=sent)
    status, body = api_call(
        stack.api_url, "POST", "/auth/otp/verify", {"commune_id": "giao-phong", "phone": e164, "code": code}
    )
    assert status == 200, body
    return str(body["token"])


def sign_in_citizen(stack: Any, page: Any, typed: str, e164: str) -> None:
    sent = len(stack.outbox())
    page.get_by_label("Số điện thoại").fill(typed)
    page.get_by_role("button", name="Gửi mã").click()
    page.get_by_label("Mã xác thực").fill(sms_code(stack, e164, after=sent))
    page.get_by_role("button", name="Đăng nhập").click()


def sign_in_staff(stack: Any, page: Any, username: str, hash_: str) -> None:
    page.goto(f"{stack.web_url}/admin/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(demo_password())
    page.get_by_role("button", name="Đăng nhập").click()
    # Staff passwords are hashed at OWASP cost (scrypt 2^17): on a busy 2-core machine a sign-in takes seconds
    expect(page.locator("#user-box")).to_be_visible(timeout=30_000)
    page.goto(f"{stack.web_url}/admin/{hash_}")


def do_action(page: Any, button: str, text: str | None = None) -> None:
    page.locator("#fb-actions").get_by_role("button", name=button).click()
    form = page.locator("#fb-action-form form")
    if text is not None:
        form.locator("textarea, input").first.fill(text)
    form.get_by_role("button", name=f"Xác nhận: {button}").click()
    expect(page.locator("#fb-action-alert")).to_contain_text("Đã cập nhật")


def jpeg(page: Any) -> bytes:
    data_url = page.evaluate(
        "() => { const c = document.createElement('canvas'); c.width = 640; c.height = 480;"
        " const g = c.getContext('2d'); g.fillStyle = '#777'; g.fillRect(0, 0, 640, 480);"
        " g.fillStyle = '#222'; g.beginPath(); g.arc(320, 240, 120, 0, 7); g.fill();"
        " return c.toDataURL('image/jpeg'); }"
    )
    return base64.b64decode(data_url.split(",", 1)[1])


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def fill_form(page: Any, title: str, field: str = "Đường giao thông", hamlet: str = "Xóm Tây Sơn") -> None:
    form = page.locator("#fb-form")
    form.get_by_label("Lĩnh vực").select_option(label=field)
    form.get_by_label("Tiêu đề").fill(title)
    form.get_by_label("Nội dung").fill(f"{title}: ổ gà sâu giữa đường, xe máy đi qua rất nguy hiểm khi trời mưa.")
    form.get_by_label("Xóm", exact=True).select_option(label=hamlet)


def test_a_citizen_sends_feedback_with_a_photo_staff_publish_it_and_the_citizen_rates_the_result(
    local_stack: Any, contexts: Any
) -> None:
    typed, e164, cccd = new_citizen(local_stack)
    title = f"Ổ gà đường trục xóm Tây Sơn {word()}"
    phone, _ = contexts(PHONE_VIEWPORT)
    # Given a citizen who opens "send feedback" on their phone: they are asked to sign in with a code first
    phone.goto(f"{local_stack.web_url}/citizen/#/phan-anh/moi")
    expect(phone.locator("#otp-alert")).to_contain_text("Vui lòng đăng nhập")
    sign_in_citizen(local_stack, phone, typed, e164)
    # When they fill the form, attach a photo and send
    expect(phone.get_by_role("heading", name="Gửi phản ánh, kiến nghị")).to_be_visible()
    fill_form(phone, title)
    phone.get_by_label("Ảnh (không bắt buộc)").set_input_files(
        {"name": "o-ga.jpg", "mimeType": "image/jpeg", "buffer": jpeg(phone)}
    )
    assert no_horizontal_scroll(phone)
    phone.locator("#fb-submit").click()
    # Then a tracking code is given and the item opens as received, with the photo
    expect(phone.locator("#fb-sent")).to_contain_text("Mã theo dõi của bạn: GP-")
    code = re.search(r"GP-\d{2}-\d+", phone.locator("#fb-sent").inner_text())
    assert code
    tracking = code.group(0)
    phone.get_by_role("link", name="Xem phản ánh").click()
    detail = phone.locator("#fb-detail")
    expect(detail).to_contain_text(tracking)
    expect(detail.locator(".badge")).to_have_text("Đã tiếp nhận")
    expect(detail).to_contain_text("Hạn trả lời: còn ")
    expect(detail.locator(".photos img")).to_have_count(1)
    # (the photo is really served, through the edge's /media/ and a presigned GET)
    phone.wait_for_function("() => document.querySelector('.photos img')?.naturalWidth > 0", timeout=10000)
    assert no_horizontal_scroll(phone)
    screenshot(phone, "citizen-feedback-received")

    # When the office assigns it, the infrastructure unit works on it and records the result
    office, _ = contexts(DESKTOP_VIEWPORT)
    sign_in_staff(local_stack, office, "gp.office", "#/feedback")
    office.get_by_label("Sắp xếp").select_option(label="Mới nhất trước (tất cả)")  # the inbox opens by deadline
    row = office.locator("#fb-table tbody tr", has_text=tracking)
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    do_action(office, "Giao xử lý")
    expect(office.locator("#fb-detail .badge").first).to_have_text("Đã giao xử lý")
    item_hash = office.evaluate("location.hash")
    unit, _ = contexts(DESKTOP_VIEWPORT)
    sign_in_staff(local_stack, unit, "gp.infrastructure", item_hash)
    do_action(unit, "Bắt đầu xử lý")
    do_action(unit, "Ghi tiến độ", "Đã khảo sát hiện trường, chuẩn bị vật liệu.")
    result = "Đã vá ổ gà bằng bê tông nhựa ngày hôm nay."
    do_action(unit, "Ghi kết quả", result)
    expect(unit.locator("#fb-detail .badge").first).to_have_text("Đã có kết quả")
    # (the unit that resolved cannot approve its own result: the page does not offer it)
    expect(unit.locator("#fb-actions").get_by_role("button", name="Duyệt kết quả")).to_have_count(0)
    # And the office (another role) approves and publishes it
    office.reload()
    do_action(office, "Duyệt kết quả")
    do_action(office, "Công khai")
    expect(office.locator("#fb-detail .badge").first).to_have_text("Đã công khai")
    expect(office.locator("#fb-timeline li")).to_have_count(7)
    screenshot(office, "admin-feedback-published")

    # Then the citizen sees the result and the timeline, and rates it 4 stars
    phone.reload()
    expect(detail.locator(".badge").first).to_have_text("Đã công khai")
    expect(detail).to_contain_text(result)
    expect(phone.locator("#fb-timeline")).to_contain_text("Đã khảo sát hiện trường")
    phone.locator("#fb-rate-form").get_by_text("4 ★").click()
    phone.get_by_label("Nhận xét (không bắt buộc)").fill("Xử lý nhanh, cảm ơn xã.")
    phone.get_by_role("button", name="Gửi đánh giá").click()
    expect(phone.locator("#fb-rating")).to_contain_text("Bạn đã đánh giá")
    expect(phone.locator("#fb-rating .stars")).to_have_text("★★★★☆")
    screenshot(phone, "citizen-feedback-rated")

    # And anyone (not signed in) finds it among published feedback, without the citizen's phone or CCCD
    public, _ = contexts(PHONE_VIEWPORT)
    public.goto(f"{local_stack.web_url}/citizen/#/cong-dong")
    public.get_by_label("Tìm kiếm").fill(title.rsplit(maxsplit=1)[-1])
    public.get_by_role("button", name="Tìm", exact=True).click()
    card = public.locator("#fb-public li", has_text=tracking)
    expect(card).to_have_count(1)
    card.get_by_role("link").click()
    shown = public.locator("#fb-public-detail")
    expect(shown).to_contain_text(result)
    expect(shown.locator(".stars")).to_have_text("★★★★☆")
    text = public.locator("body").inner_text()
    for secret in (typed, e164, e164[3:], cccd, typed[-6:]):
        assert secret not in text
    status, body = api_call(local_stack.api_url, "GET", f"/communes/giao-phong/feedback?q={tracking}")
    assert status == 200
    raw = str(body)
    assert e164 not in raw and typed not in raw and cccd not in raw and "citizen_id" not in raw
    assert no_horizontal_scroll(public)
    screenshot(public, "citizen-feedback-public")


def test_a_double_tap_and_a_retry_after_a_lost_answer_store_one_record(local_stack: Any, contexts: Any) -> None:
    typed, e164, _ = new_citizen(local_stack)
    title = f"Đèn đường hỏng {word()}"
    phone, _ = contexts(PHONE_VIEWPORT)
    phone.goto(f"{local_stack.web_url}/citizen/")
    sign_in_citizen(local_stack, phone, typed, e164)
    expect(phone.locator("#account")).to_be_visible()  # signed in: the services, greeted by name
    answers: list[int] = []

    def lose_first_answer(route: Any) -> None:
        # The server gets the request and stores the item; the phone's link drops before the answer arrives.
        response = route.fetch()
        answers.append(response.status)
        if len(answers) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    phone.route("**/api/feedback", lose_first_answer)
    phone.goto(f"{local_stack.web_url}/citizen/#/phan-anh/moi")
    fill_form(phone, title, field="Điện, chiếu sáng")
    # When the citizen double-taps Send, sees the network error, and taps again
    phone.locator("#fb-submit").dblclick()
    expect(phone.locator(".alert-error")).to_contain_text("Không kết nối được máy chủ")
    phone.locator("#fb-submit").click()
    expect(phone.locator("#fb-sent")).to_be_visible()
    # Then the server saw two requests with one key and answered both 201; the citizen has one record
    assert answers == [201, 201]
    status, mine = api_call(local_stack.api_url, "GET", "/me/feedback", token=citizen_api_token(local_stack, e164))
    assert status == 200
    assert [item["title"] for item in mine["items"]].count(title) == 1
    phone.get_by_role("link", name="Phản ánh của tôi").click()
    expect(phone.locator("#fb-mine li", has_text=title)).to_have_count(1)


def test_staff_hide_a_comment_and_the_citizen_no_longer_sees_it(local_stack: Any, contexts: Any) -> None:
    typed, e164, _ = new_citizen(local_stack)
    token = citizen_api_token(local_stack, e164)
    body = {
        "field_code": "environment",
        "title": f"Rác ven kênh {word()}",
        "description": "Rác thải tồn đọng ven kênh N1 đã nhiều ngày.",
        "hamlet_id": "nam-phong",
        "upload_ids": [],
        "anonymous_public": True,
    }
    created = _submit(local_stack, token, body)
    rude = f"Bình luận cần ẩn {word()}"
    for text in ("Xin cho biết khi nào xử lý?", rude):
        status, answer = api_call(
            local_stack.api_url, "POST", f"/feedback/{created['id']}/comments", {"body": text}, token
        )
        assert status == 201, answer
    # Given the culture officer (a moderator) on the item
    staff, _ = contexts(DESKTOP_VIEWPORT)
    sign_in_staff(local_stack, staff, "gp.culture", f"#/feedback/{created['id']}")
    comment = staff.locator("#fb-comments li", has_text=rude)
    expect(comment).to_have_count(1)
    # When they hide the comment, and reply as the commune
    comment.get_by_role("button", name="Ẩn").click()
    expect(staff.locator("#fb-action-alert")).to_contain_text("Đã ẩn bình luận")
    expect(staff.locator("#fb-comments li", has_text=rude)).to_contain_text("Đã ẩn")
    staff.get_by_label("Trả lời với tư cách UBND xã").fill("UBND xã đã tiếp nhận, sẽ xử lý trong tuần.")
    staff.get_by_role("button", name="Gửi trả lời").click()
    expect(staff.locator("#fb-comments")).to_contain_text("UBND xã đã tiếp nhận")
    # Then the citizen sees the other comment and the commune's reply, not the hidden one
    phone, _ = contexts(PHONE_VIEWPORT)
    phone.goto(f"{local_stack.web_url}/citizen/#/phan-anh/{created['id']}")
    sign_in_citizen(local_stack, phone, typed, e164)
    comments = phone.locator("#fb-comments")
    expect(comments).to_contain_text("Xin cho biết khi nào xử lý?")
    # (a staff reply names the unit that wrote it: the culture officer's)
    expect(comments).to_contain_text("Văn hóa - Thông tin · ")
    expect(comments).to_contain_text("UBND xã đã tiếp nhận")
    expect(comments).not_to_contain_text(rude)
    screenshot(phone, "citizen-feedback-comments")


def _submit(stack: Any, token: str, body: dict[str, Any]) -> dict[str, Any]:
    import json
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - the local stack
        f"{stack.api_url}/feedback",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Idempotency-Key": word() * 2},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 201
        return dict(json.loads(response.read()))


def _publish(stack: Any, item: dict[str, Any], unit: str) -> None:
    office, worker = staff_token(stack, "gp.office"), staff_token(stack, f"gp.{unit}")
    steps = [
        (office, {"action": "assign", "unit": unit}),
        (worker, {"action": "start"}),
        (worker, {"action": "resolve", "result": "Đã xử lý xong theo phản ánh."}),
        (office, {"action": "approve"}),
        (office, {"action": "publish"}),
    ]
    version = item["version"]
    for token, body in steps:
        status, answer = api_call(
            stack.api_url, "POST", f"/feedback/{item['id']}/actions", {**body, "expected_version": version}, token
        )
        assert status == 200, answer
        version = answer["version"]


def test_the_public_list_filters_by_field_and_hamlet_and_search_ignores_diacritics(
    local_stack: Any, contexts: Any
) -> None:
    # Given three published items: roads in Tây Sơn, roads in Bắc Hải, environment in Tây Sơn
    _, e164, _ = new_citizen(local_stack)
    token = citizen_api_token(local_stack, e164)
    tag = word()
    specs = [
        ("roads", "tay-son", f"Cầu tre xuống cấp {tag}", "infrastructure"),
        ("roads", "bac-hai", f"Đường đất lầy lội {tag}", "infrastructure"),
        ("environment", "tay-son", f"Khói đốt rơm rạ {tag}", "environment"),
    ]
    for field, hamlet, title, unit in specs:
        body = {"field_code": field, "title": title, "description": f"{title} — mô tả chi tiết.", "hamlet_id": hamlet}
        _publish(local_stack, _submit(local_stack, token, {**body, "upload_ids": []}), unit)
    page, _ = contexts(PHONE_VIEWPORT)
    page.goto(f"{local_stack.web_url}/citizen/#/cong-dong")
    items = page.locator("#fb-public li").filter(has_text=tag)
    filters = page.locator("#fb-filter")
    # When searching the tag (all three), then filtering by field and by hamlet
    page.get_by_label("Tìm kiếm").fill(tag)
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(items).to_have_count(3)
    filters.get_by_label("Lĩnh vực").select_option(label="Đường giao thông")
    expect(items).to_have_count(2)
    filters.get_by_label("Xóm").select_option(label="Xóm Tây Sơn")
    expect(items).to_have_count(1)
    expect(items).to_contain_text("Cầu tre xuống cấp")
    # And a search typed without diacritics finds the Vietnamese title
    filters.get_by_label("Lĩnh vực").select_option(value="")
    filters.get_by_label("Xóm").select_option(value="")
    page.get_by_label("Tìm kiếm").fill(f"khoi dot rom ra {tag}")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(items).to_have_count(1)
    expect(items).to_contain_text("Khói đốt rơm rạ")
    assert no_horizontal_scroll(page)
    screenshot(page, "citizen-feedback-public-filtered")
