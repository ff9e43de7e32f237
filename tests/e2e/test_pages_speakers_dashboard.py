"""Issue 9, the loudspeakers in Chromium at 360x740 and 1366x768 against the running local stack (40 simulated
speakers): the speakers table fits its card with the description readable and its states in Vietnamese; the
operations dashboard names each part of the platform by what it does for the commune, and its loudspeaker tile
shows how many speakers are online instead of "Sắp ra mắt"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e import test_pages_broadcast as base
from tests.e2e.test_pages_broadcast import no_horizontal_scroll, sign_in_staff, staff_token, word
from tests.support.browser import PHONE_VIEWPORT, api_call, screenshot

pytestmark = pytest.mark.e2e

browser = base.browser  # the fixtures of the bulletin page tests: one Chromium, contexts checked for script errors
contexts = base.contexts

WIDE_VIEWPORT = {"width": 1366, "height": 768}
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, WIDE_VIEWPORT], ids=["360", "1366"])
SPEAKERS_MS = 45_000  # 40 speakers answering on a loaded 2-core machine
ENGLISH_STATES = re.compile(r"\b(pending|sent|received|started|finished|failed|expired)\b")
DEVELOPER_WORDS = re.compile(r"\b(table|moto|web|triggers|edge|mqtt|snapshots|ok|down)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def aired(local_stack: Any) -> str:
    """A bulletin played on every speaker (so each has a last command to show); its id."""
    body = {"headline": f"Thông báo thử loa {word()}", "text": "Thử hệ thống loa truyền thanh của xã."}
    status, draft = api_call(local_stack.api_url, "POST", "/bulletins", body, staff_token(local_stack, "gp.culture"))
    assert status == 201, draft
    status, approved = api_call(
        local_stack.api_url,
        "POST",
        f"/bulletins/{draft['id']}/approve",
        {"version": draft["version"]},
        staff_token(local_stack, "gp.admin"),
    )
    assert status == 200, approved
    return str(draft["id"])


@VIEWPORTS
def test_the_speakers_table_fits_its_card_reads_in_vietnamese_and_keeps_the_description_readable(
    local_stack: Any, contexts: Any, viewport: dict[str, int], aired: str
) -> None:
    page, _ = contexts(viewport)
    # Given every speaker has played a bulletin, the culture officer opens the loudspeakers
    sign_in_staff(local_stack, page, "gp.culture", "#/devices")
    expect(page.locator("#dv-table tbody tr")).to_have_count(40, timeout=20_000)
    # Then their last command reads "Đã phát", and no state is shown in English
    played = page.locator('#dv-table td[data-state="finished"]')
    expect(played.first).to_have_text("Đã phát", timeout=SPEAKERS_MS)
    expect(page.locator("#dv-table tbody")).not_to_contain_text(ENGLISH_STATES)
    # And a speaker's description is one readable block, not a 60-px column of broken words
    first = page.locator('#dv-table tbody tr[data-thing="gp-spk-01a"]')
    expect(first.locator("td.dv-label")).to_contain_text("Cụm loa số 01 - xóm Đông Thành - loa A")
    label_width = first.locator("td.dv-label").bounding_box()["width"]
    assert label_width >= (180 if viewport is WIDE_VIEWPORT else 100), label_width
    if viewport is WIDE_VIEWPORT:
        # And on a 1366-px screen the whole table fits its card: the last column is not cut off
        fits = page.locator("#dv-table").evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
        assert fits
        expect(first.get_by_role("button", name="Chỉnh âm lượng: gp-spk-01a")).to_be_in_viewport()
    assert no_horizontal_scroll(page)
    screenshot(page, f"admin-loudspeakers-{viewport['width']}")


@VIEWPORTS
def test_the_dashboard_speaks_plainly_and_shows_the_speakers_online(
    local_stack: Any, contexts: Any, viewport: dict[str, int]
) -> None:
    page, _ = contexts(viewport)
    # Given anyone opens the operations dashboard
    page.goto(f"{local_stack.web_url}/dashboard/")
    checks = page.locator("#health-checks")
    # Then each part of the platform is named by what it does for the commune, and says whether it works
    speakers_link = checks.locator('li[data-part="mqtt"]')
    expect(speakers_link).to_contain_text("Đường truyền tới loa", timeout=20_000)
    expect(speakers_link).to_contain_text("Hoạt động tốt")
    expect(checks.locator('li[data-part="table"]')).to_contain_text("Kho dữ liệu của xã")
    expect(checks.locator('li[data-part="snapshots"]')).to_contain_text("Sao lưu dữ liệu")
    expect(checks).not_to_contain_text(DEVELOPER_WORDS)
    # And the loudspeakers' tile shows how many speakers are online, not "Sắp ra mắt"
    tile = page.locator("#tile-speakers")
    expect(tile.locator("#speakers-state")).to_have_text("40/40 loa trực tuyến", timeout=SPEAKERS_MS)
    expect(tile).not_to_contain_text("Sắp ra mắt")
    expect(tile).to_contain_text("Tất cả loa đang kết nối.")
    assert no_horizontal_scroll(page)
    screenshot(page, f"dashboard-{viewport['width']}")
