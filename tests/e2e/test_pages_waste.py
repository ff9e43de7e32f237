"""The waste-collection schedule in a real browser on a 360-px phone, against the running local stack: anyone sees
their hamlet's next collections (dd/mm/yyyy with the weekday, a moved day with its reason) and the hamlet's
iCalendar feed; a signed-in citizen's hamlet is chosen for them and their missed-collection report becomes
environment feedback."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from playwright.sync_api import expect

from tests.support.browser import PHONE_VIEWPORT, PageProblems, api_call, chromium, screenshot, sms_code

pytestmark = pytest.mark.e2e
VN = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


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


def _label(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}"


def _staff_token(local_stack: Any, username: str) -> str:
    from tests.e2e.test_pages_admin import staff_token

    return staff_token(local_stack.api_url, username)


def test_anyone_sees_a_hamlets_next_collections_a_moved_day_and_the_calendar_feed(
    local_stack: Any, phone: tuple[Any, PageProblems]
) -> None:
    page, problems = phone
    hamlet = "nam-phong"
    # Given the office moved one of Xóm Nam Phong's coming collections to the next day (a village festival)
    status, before = api_call(local_stack.api_url, "GET", f"/public/waste/giao-phong/{hamlet}")
    assert status == 200 and before["upcoming"]
    planned = next(c["day"] for c in before["upcoming"] if c["note"] is None)
    moved_to = (date.fromisoformat(planned) + timedelta(days=1)).isoformat()
    change = {"hamlet_id": hamlet, "day": planned, "moved_to": moved_to, "reason": "Lễ hội làng", "announce": False}
    status, _ = api_call(local_stack.api_url, "POST", "/waste/changes", change, _staff_token(local_stack, "gp.office"))
    assert status == 201
    status, schedule = api_call(local_stack.api_url, "GET", f"/public/waste/giao-phong/{hamlet}")
    assert status == 200
    # When someone not signed in opens the schedule from the services list and chooses Xóm Nam Phong
    page.goto(f"{local_stack.web_url}/citizen/")
    page.locator("#waste-tile").get_by_role("link", name="Lịch thu gom rác").click()
    expect(page.get_by_role("heading", name="Lịch thu gom rác")).to_be_visible()
    page.locator("#waste-hamlet").select_option(hamlet)
    expect(page.locator("#waste-list")).to_have_attribute("data-hamlet", hamlet)
    # Then every coming collection is listed with its weekday and dd/mm/yyyy date, time window and route
    items = page.locator("#waste-list li.waste-item")
    expect(items).to_have_count(len(schedule["upcoming"]))
    first = schedule["upcoming"][0]
    expect(items.first.locator(".waste-day")).to_have_text(_label(first["day"]))
    expect(items.first).to_contain_text(f"{first['start']}–{first['end']} · {first['route_name']}")
    # And the moved day says so, with the day it was planned for and why
    moved = page.locator(f'#waste-list li.waste-moved[data-day="{moved_to}"]').first
    expect(moved).to_contain_text("Đổi ngày")
    expect(moved.locator(".waste-day")).to_have_text(_label(moved_to))
    expect(moved).to_contain_text(f"Lịch cũ: {_label(planned)} — Đổi lịch: Lễ hội làng")
    # And the feed link is the hamlet's iCalendar feed, which parses and holds the moved collection
    link = page.get_by_role("link", name="Đăng ký lịch vào điện thoại")
    href = link.get_attribute("href") or ""
    status, calendars = api_call(local_stack.api_url, "GET", "/public/waste/calendars?commune_id=giao-phong")
    [listed] = [c for c in calendars["items"] if c["hamlet"] == hamlet]
    assert href.endswith(listed["url"])
    status, _, text = local_stack.get(f"{local_stack.web_url}{href}" if href.startswith("/") else href)
    assert status == 200
    feed = icalendar.Calendar.from_ical(text)
    starts = {e.decoded("dtstart").astimezone(VN).date().isoformat() for e in feed.walk("VEVENT")}
    assert moved_to in starts
    # And without signing in, the missed-collection report asks to sign in first
    expect(page.locator("#waste-missed")).to_contain_text("Đăng nhập để báo xe chưa đến thu gom.")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "citizen-waste-360")
    problems.assert_none()


def test_a_signed_in_citizen_sees_their_hamlet_and_reports_a_missed_collection(
    local_stack: Any, phone: tuple[Any, PageProblems]
) -> None:
    from smartcommune_local.demo_data import all_demo_citizens

    page, problems = phone
    # Given a demo citizen who does not live in the first hamlet (so choosing theirs is the page's doing)
    rng = random.Random()
    citizen = rng.choice([c for c in all_demo_citizens()["giao-phong"][1:] if c.hamlet_id != "dong-thanh"])
    sent_before = len(local_stack.outbox())
    page.goto(f"{local_stack.web_url}/citizen/")
    page.get_by_label("Số điện thoại").fill("0" + citizen.phone[3:])
    page.get_by_role("button", name="Gửi mã").click()
    page.get_by_label("Mã xác thực").fill(sms_code(local_stack, citizen.phone, after=sent_before))
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    # When they open the schedule
    page.goto(f"{local_stack.web_url}/citizen/#/thu-gom-rac")
    expect(page.locator("#waste-list")).to_have_attribute("data-hamlet", citizen.hamlet_id)
    expect(page.locator("#waste-hamlet")).to_have_value(citizen.hamlet_id)
    # And report that the truck did not come today
    today = datetime.now(VN).date()
    expect(page.get_by_label("Ngày thu gom (dd/mm/yyyy)")).to_have_value(f"{today:%d/%m/%Y}")
    page.get_by_label("Chi tiết (không bắt buộc)").fill("Rác để từ sáng ở đầu ngõ chưa ai thu.")
    page.get_by_role("button", name="Báo chưa thu gom").click()
    # Then the page confirms it with a tracking code
    alert = page.locator("#waste-missed-alert")
    expect(alert).to_contain_text("Đã gửi báo cáo chưa thu gom. Mã theo dõi:")
    feedback_id = alert.get_attribute("data-feedback")
    assert feedback_id
    # And it is feedback in the environment field, in the environment officer's inbox
    token = _staff_token(local_stack, "gp.environment")
    status, item = api_call(local_stack.api_url, "GET", f"/feedback/{feedback_id}", token=token)
    assert status == 200, item
    assert item["field_code"] == "environment" and item["hamlet_id"] == citizen.hamlet_id
    assert f"{today:%d/%m/%Y}" in item["title"] and "đầu ngõ" in item["description"]
    expect(alert).to_contain_text(item["tracking_code"])
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "citizen-waste-missed-360")
    problems.assert_none()
