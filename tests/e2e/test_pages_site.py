"""The commune website in a real browser on a 360-px phone, against the running local stack: the officials'
directory found without diacritics with tappable work numbers, the OCOP products with their stars, and an article
that appears only once the chairman publishes it, dated dd/mm/yyyy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.support.browser import PHONE_VIEWPORT, PageProblems, api_call, chromium, screenshot

pytestmark = pytest.mark.e2e
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def phone() -> Iterator[tuple[Any, PageProblems]]:
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        problems = PageProblems()
        yield problems.watch(context.new_page()), problems
        context.close()


def test_the_public_website_directory_ocop_and_news(local_stack: Any, phone: tuple[Any, PageProblems]) -> None:
    from tests.e2e.test_pages_admin import staff_token

    page, problems = phone
    api = local_stack.api_url
    # Given an article the culture officer drafted and sent for review, not yet published
    culture, chairman = staff_token(api, "gp.culture"), staff_token(api, "gp.admin")
    title = f"Lịch tiêm chủng mở rộng tháng {datetime.now(VN):%m/%Y}"
    body = {"title": title, "body": "Trạm y tế xã tổ chức tiêm chủng mở rộng.\n\nMang theo sổ tiêm chủng."}
    status, article = api_call(api, "POST", "/site/articles", body, culture)
    assert status == 201, article
    path = f"/site/articles/{article['id']}/transitions"
    status, article = api_call(api, "POST", path, {"action": "submit", "version": article["version"]}, culture)
    assert status == 200, article
    # When someone opens the website's directory and types "cong an" without diacritics
    page.goto(f"{local_stack.web_url}/site/")
    page.get_by_role("navigation", name="Chuyên mục").get_by_role("link", name="Danh bạ cán bộ").click()
    expect(page.locator("#dir-list li")).to_have_count(14)
    page.get_by_label("Tìm theo tên, chức vụ, đơn vị").fill("cong an")
    # Then only the police chief is listed, with his work number to tap
    expect(page.locator("#dir-list li")).to_have_count(1)
    expect(page.locator("#dir-list")).to_contain_text("Trưởng Công an xã")
    expect(page.get_by_role("link", name="☎ 0228 3999 113")).to_have_attribute("href", "tel:+842283999113")
    # And the OCOP products are the commune's six, each with its stars
    page.goto(f"{local_stack.web_url}/site/#/san-pham")
    page.get_by_label("Loại").select_option("ocop")
    expect(page.locator("#places-list li")).to_have_count(6)
    expect(page.locator("#places-list .ocop-stars").first).to_have_attribute("aria-label", "4 sao OCOP")
    # And the article waiting for review is not in the news
    page.goto(f"{local_stack.web_url}/site/#/tin-tuc")
    expect(page.locator("#news-list li")).to_have_count(2)
    expect(page.locator("#news-list")).not_to_contain_text(title)
    # When the chairman publishes it
    status, _ = api_call(api, "POST", path, {"action": "publish", "version": article["version"]}, chairman)
    assert status == 200
    # Then after a reload it leads the news, dated today as dd/mm/yyyy, and opens with its paragraphs
    page.reload()
    first = page.locator("#news-list li").first
    expect(first).to_contain_text(title)
    expect(first).to_contain_text(f"Ngày {datetime.now(VN):%d/%m/%Y}")
    first.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.locator("#bai-viet .article-body p")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "site-article-360")
    problems.assert_none()
