"""The health station in a real browser: a citizen on a 360-px phone books a slot and sees the queue number; the
station's queue screen shows the number staff call."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.support.browser import PHONE_VIEWPORT, PageProblems, api_call, chromium, screenshot, sms_code

pytestmark = pytest.mark.e2e
VN = ZoneInfo("Asia/Ho_Chi_Minh")


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


def _wait_for_room_in_this_session(margin: timedelta = timedelta(minutes=12)) -> None:
    """Wait, only in the last minutes before noon or midnight, until the next queue session has begun.

    The station's queue is kept per half-day session (morning, afternoon): a walk-in booked at 11:58 for 12:00 is
    in the afternoon's queue, and the number called at 11:59 comes from the morning's. So the journey starts when
    it can finish inside one session (the campaign below ends at 23:59, so its last five-minute slot starts at
    23:50); at most twelve minutes of waiting, and only when a run reaches this test at those times.
    """
    now = datetime.now(VN)
    boundary = now.replace(hour=12 if now.hour < 12 else 0, minute=0, second=0, microsecond=0)
    if now.hour >= 12:
        boundary += timedelta(days=1)
    if boundary - now < margin:
        time.sleep((boundary - now).total_seconds() + 5)


def _next_open_day() -> str:
    """The next day the demo station works (Monday to Saturday), as the day picker's value."""
    day = datetime.now(VN).date() + timedelta(days=1)
    while day.weekday() == 6:
        day += timedelta(days=1)
    return day.isoformat()


def test_a_citizen_books_on_a_phone_and_sees_the_queue_number(
    local_stack: Any, phone: tuple[Any, PageProblems]
) -> None:
    page, problems = phone
    number = f"09{random.randint(10, 99)}{random.randint(100000, 999999)}"
    e164 = "+84" + number[1:]
    sent_before = len(local_stack.outbox())
    # Given a citizen signed in on the portal with their phone
    page.goto(f"{local_stack.web_url}/citizen/")
    page.get_by_label("Số điện thoại").fill(number)
    page.get_by_role("button", name="Gửi mã").click()
    page.get_by_label("Mã xác thực").fill(sms_code(local_stack, e164, after=sent_before))
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    # When they open the health station, choose a general check-up on the next working day and book the first slot
    page.goto(f"{local_stack.web_url}/citizen/#/kham-benh")
    expect(page.get_by_role("heading", name="Đặt lịch khám tại Trạm y tế")).to_be_visible()
    page.locator("#hb-service").select_option(label="Khám bệnh đa khoa")  # ("Dịch vụ" also names the home tiles)
    day = _next_open_day()
    page.get_by_label("Ngày khám").select_option(day)
    expect(page.locator("#hb-slots")).to_have_attribute("data-day", day)  # the list of that day is drawn
    first = page.locator("#hb-slots li.hb-slot").first
    expect(first).to_contain_text("còn 2 chỗ")
    first.get_by_role("button", name="Đặt lịch").click()
    # Then the page shows the queue number and booking code, and an SMS says the same
    expect(page.locator("#hb-result")).to_contain_text("Đã đặt lịch")
    queue = page.locator("#hb-queue").text_content() or ""
    code = page.locator("#hb-code").text_content() or ""
    assert queue.isdigit() and int(queue) >= 1 and len(code) == 6
    sms = local_stack.wait_for_sms(e164, after=sent_before, purpose="health_booking")
    assert f"Số thứ tự {queue}" in sms["text"] and code in sms["text"]
    # And the booking is listed with its number (the slot now has one place left), all within 360 px
    expect(page.locator("#hb-mine")).to_contain_text(f"Số thứ tự {queue}")
    expect(page.locator("#hb-slots")).to_have_attribute("data-day", day)
    expect(page.locator("#hb-slots li.hb-slot").first).to_contain_text("còn 1 chỗ")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "health-booked-360")
    problems.assert_none()


def test_the_queue_screen_shows_the_numbers_and_no_names(local_stack: Any, phone: tuple[Any, PageProblems]) -> None:
    page, problems = phone
    # Given the station's screen opened (it polls the public board)
    page.goto(f"{local_stack.web_url}/queue/")
    expect(page.locator("#commune-name")).to_have_text("Giao Phong")
    expect(page.locator("#updated")).to_contain_text("Cập nhật lúc")
    status, board = api_call(local_stack.api_url, "GET", "/communes/giao-phong/health/queue")
    assert status == 200
    # Then what it shows is the board's numbers (the serving ones, or a dash), never a name
    expected = " · ".join(str(n) for n in board["serving"]) or "—"
    expect(page.locator("#serving")).to_have_text(expected)
    assert page.locator("#waiting li").count() == len(board["waiting"])
    problems.assert_none()


def test_staff_check_in_and_call_the_number_and_the_station_screen_shows_it(local_stack: Any, browser: Any) -> None:
    from tests.e2e.test_pages_admin import sign_in, staff_token

    token = staff_token(local_stack.api_url, "gp.health")
    _wait_for_room_in_this_session()
    # Given a walk-in clinic today with five-minute slots (a campaign day of the nurse), so a slot is ahead now
    service = {"code": "walk-in", "name": "Khám nhanh", "duration_min": 5, "capacity": 50}
    assert api_call(local_stack.api_url, "PUT", "/health/setup/services/walk-in", service, token)[0] == 200
    today = datetime.now(VN).date().isoformat()
    campaign = {
        "id": "e2e-walk-in",
        "day": today,
        "kind": "campaign",
        "practitioner_id": "dd-mai",
        "service": "walk-in",
        "start": "00:00",
        "end": "23:59",
        "reason": "Khám nhanh (kiểm thử)",
    }
    assert api_call(local_stack.api_url, "PUT", "/health/setup/exceptions/e2e-walk-in", campaign, token)[0] == 200
    status, slots = api_call(
        local_stack.api_url, "GET", f"/communes/giao-phong/health/slots?day={today}&service=walk-in"
    )
    assert status == 200 and slots["items"], "a five-minute slot is ahead of now"
    # When the nurse, on the admin site, books an elderly person who phoned, checks them in and calls the number
    phone = f"09{random.randint(10000000, 99999999)}"
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    problems = PageProblems()
    staff = problems.watch(context.new_page())
    sign_in(staff, local_stack.web_url, "gp.health")
    staff.goto(f"{local_stack.web_url}/admin/#/health")
    staff.locator("#hb-phone").fill(phone)  # (the citizens section has its own phone field)
    staff.locator("#hb-name").fill("Cụ Đặng Văn Tư")
    staff.locator("#hb-slot").select_option(slots["items"][0]["id"])
    staff.get_by_role("button", name="Đặt lịch hộ").click()
    expect(staff.locator("#hb-staff-alert")).to_contain_text("Đã đặt lịch: số thứ tự")
    status, day = api_call(local_stack.api_url, "GET", f"/health/bookings?day={today}", token=token)
    [booking] = [b for b in day["items"] if b["patient_name"] == "Cụ Đặng Văn Tư" and b["status"] == "booked"]
    sms = local_stack.wait_for_sms("+84" + phone[1:], purpose="health_booking")
    assert f"Số thứ tự {booking['queue_number']}" in sms["text"]
    row = staff.locator(f'#hq-rows tr[data-id="{booking["id"]}"]')
    expect(row).to_contain_text("Cụ Đặng Văn Tư")
    row.get_by_role("button", name="Đã đến").click()
    expect(row).to_contain_text("Đã đến, đang chờ")
    screen = problems.watch(context.new_page())
    screen.goto(f"{local_stack.web_url}/queue/")
    expect(screen.locator("#waiting")).to_contain_text(str(booking["queue_number"]))
    staff.get_by_role("button", name="Gọi số tiếp theo").click()
    expect(staff.locator("#hq-alert")).to_contain_text("Mời số")
    # Then the station's screen shows a number being served within its 5-second refresh, and no name
    expect(screen.locator("#serving")).not_to_have_text("—", timeout=12_000)
    assert "Đặng" not in (screen.locator("main").text_content() or "")
    screenshot(screen, "health-queue-screen")
    # And the nurse opens the patient's record, writes the visit with an ICD-10 code, and a wrong code is refused
    row.get_by_role("button", name="Hồ sơ").click()
    expect(staff.locator("#hr-entries")).to_contain_text("Chưa có ghi nhận nào.")
    staff.get_by_label("Ghi chú khám").fill("Huyết áp 150/95")
    staff.get_by_label("Mã chẩn đoán ICD-10 (cách nhau bởi dấu phẩy)").fill("I10, X99.9")
    staff.get_by_role("button", name="Lưu lần khám").click()
    expect(staff.locator("#hr-alert")).to_contain_text("ICD-10")
    staff.get_by_label("Mã chẩn đoán ICD-10 (cách nhau bởi dấu phẩy)").fill("I10")
    staff.get_by_label("Thuốc").fill("Amlodipin 5mg")
    staff.get_by_label("Liều dùng").fill("1 viên buổi sáng")
    staff.get_by_label("Số ngày").fill("30")
    staff.get_by_role("button", name="Lưu lần khám").click()
    expect(staff.locator("#hr-entries")).to_contain_text("I10 Tăng huyết áp vô căn (nguyên phát)")
    expect(staff.locator("#hr-entries")).to_contain_text("Amlodipin 5mg: 1 viên buổi sáng, 30 ngày")
    # And when the same caller phones for his granddaughter, the nurse adds her to his household while booking,
    # and she is listed under his phone the next time
    staff.locator("#hb-phone").fill(phone)
    staff.locator("#hb-phone").dispatch_event("change")
    expect(staff.locator("#hb-patient")).to_have_attribute("data-phone", phone)
    staff.locator("#hb-patient").select_option(label="Người khác trong hộ (thêm mới)…")
    staff.get_by_label("Họ và tên người khám").fill("Đặng Thu An")
    staff.get_by_label("Ngày sinh (dd/mm/yyyy)").fill("01/09/2025")
    staff.get_by_label("Quan hệ với người gọi").select_option(label="Cháu")
    staff.locator("#hb-slot").select_option(slots["items"][0]["id"])
    staff.get_by_role("button", name="Đặt lịch hộ").click()
    expect(staff.locator("#hb-staff-alert")).to_contain_text("Đã đặt lịch: số thứ tự")
    expect(staff.locator("#hq-rows")).to_contain_text("Đặng Thu An")
    staff.locator("#hb-phone").fill(phone)
    staff.locator("#hb-phone").dispatch_event("change")
    expect(staff.locator("#hb-patient")).to_contain_text("Đặng Thu An (Cháu, sinh 01/09/2025)")
    context.close()
    problems.assert_none()
