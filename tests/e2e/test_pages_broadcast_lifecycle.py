"""Issue 9, bulletins in Chromium at 360x740 and 1366x768 against the running local stack (40 simulated speakers):
a "Phát ngay" bulletin reads played once when it has aired, with nothing left to revoke; approval asks to confirm
what plays where; a draft is edited or cancelled, not revoked; the author sets how long the alert stays valid; the
chairman's home page lists the bulletins waiting for him."""

from __future__ import annotations

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
SLOW_MS = 20_000


def draft_by_culture(stack: Any, headline: str, **extra: Any) -> dict[str, Any]:
    body = {"headline": headline, "text": "Nội dung thông báo của xã gửi bà con.", "category": "Met", **extra}
    status, answer = api_call(stack.api_url, "POST", "/bulletins", body, staff_token(stack, "gp.culture"))
    assert status == 201, answer
    return answer


def bulletin(stack: Any, bulletin_id: str) -> dict[str, Any]:
    status, answer = api_call(stack.api_url, "GET", f"/bulletins/{bulletin_id}", None, staff_token(stack, "gp.culture"))
    assert status == 200, answer
    return answer


def fact(page: Any, term: str) -> Any:
    """The value (dd) next to the term (dt) of the bulletin's facts."""
    return page.locator("#bd-detail dt", has_text=term).locator("xpath=following-sibling::dd[1]")


@VIEWPORTS
def test_an_emergency_played_now_is_confirmed_then_reads_played_once_with_nothing_to_revoke(
    local_stack: Any, contexts: Any, viewport: dict[str, int]
) -> None:
    # Given an emergency bulletin drafted by the culture officer, to play as soon as it is approved
    headline = f"Khẩn: nước lên nhanh {word()}"
    draft = draft_by_culture(local_stack, headline, priority="emergency")
    page, _ = contexts(viewport)
    # When the chairman opens it and presses "Duyệt và phát"
    sign_in_staff(local_stack, page, "gp.admin", f"#/broadcast/{draft['id']}")
    expect(page.locator("#bd-detail")).to_contain_text(headline, timeout=SLOW_MS)
    page.get_by_role("button", name="Duyệt và phát").click()
    # Then he is asked to confirm, in words, what will play where
    confirm = page.locator("#bd-confirm")
    expect(confirm.locator("#bd-confirm-text")).to_have_text(
        f"Phát bản tin khẩn cấp «{headline}» ngay bây giờ tới 40 loa của cả xã?", timeout=SLOW_MS
    )
    screenshot(page, f"admin-broadcast-confirm-{viewport['width']}")
    # And changing his mind plays nothing
    confirm.get_by_role("button", name="Thôi").click()
    expect(confirm).to_have_count(0)
    assert bulletin(local_stack, draft["id"])["status"] == "draft"
    # When he confirms
    page.get_by_role("button", name="Duyệt và phát").click()
    page.locator("#bd-confirm").get_by_role("button", name="Duyệt và phát ngay").click()
    # Then every speaker plays it, and the bulletin says it has played once, with no play to come
    expect(page.locator("#bd-action-alert")).to_contain_text("Đã duyệt", timeout=SLOW_MS)
    expect(page.locator("#dr-played strong")).to_have_text("40", timeout=SPEAKERS_MS)
    expect(page.locator("#bd-detail [data-stage]")).to_have_text("Đã phát", timeout=SLOW_MS)
    expect(fact(page, "Số lần đã phát")).to_contain_text("1 (lần gần nhất")
    expect(fact(page, "Lần phát tới")).to_have_text("Không còn lịch phát")
    # And it offers no "Thu hồi bản tin" (nothing is left to play), only to cancel the alert still shown publicly
    expect(page.get_by_role("button", name="Thu hồi bản tin")).to_have_count(0)
    expect(page.get_by_role("button", name="Hủy thông báo đã công bố")).to_be_visible()
    expect(page.locator("#bd-closing")).to_contain_text("đã phát xong")
    # And the API says the same
    after = bulletin(local_stack, draft["id"])
    assert (after["plays"], after["stage"], after["next_play_at"]) == (1, "aired", None)
    assert no_horizontal_scroll(page)
    screenshot(page, f"admin-broadcast-aired-{viewport['width']}")


@VIEWPORTS
def test_a_draft_is_edited_and_cancelled_with_its_validity_chosen_by_its_author(
    local_stack: Any, contexts: Any, viewport: dict[str, int]
) -> None:
    page, _ = contexts(viewport)
    # Given the culture officer drafts a notice about a festival three days away, valid for 3 days
    sign_in_staff(local_stack, page, "gp.culture", "#/broadcast/moi")
    headline = f"Lễ hội làng {word()}"
    page.get_by_label("Tiêu đề").fill(headline)
    page.get_by_label("Nội dung (loa sẽ đọc)").fill("Lễ hội làng diễn ra ba ngày, mời bà con tham dự.")
    page.get_by_label("Thông báo còn hiệu lực trên cổng thông tin trong").select_option(label="3 ngày")
    page.get_by_role("button", name="Lưu bản nháp và gửi duyệt").click()
    detail = page.locator("#bd-detail")
    expect(detail.get_by_role("heading", name=headline)).to_be_visible(timeout=SLOW_MS)
    expect(fact(page, "Hiệu lực thông báo")).to_have_text("3 ngày")
    bulletin_id = page.url.rsplit("/", 1)[1]
    # Then the draft offers to edit or cancel it, not to revoke it
    expect(page.get_by_role("link", name="Sửa bản nháp")).to_be_visible()
    expect(page.get_by_role("button", name="Hủy bản nháp")).to_be_visible()
    expect(page.get_by_role("button", name="Thu hồi bản tin")).to_have_count(0)
    assert no_horizontal_scroll(page)
    # When she edits it: a new headline, valid for 7 days
    page.get_by_role("link", name="Sửa bản nháp").click()
    expect(page.get_by_role("heading", name="Sửa bản nháp")).to_be_visible(timeout=SLOW_MS)
    expect(page.get_by_label("Tiêu đề")).to_have_value(headline)
    expect(page.get_by_label("Thông báo còn hiệu lực trên cổng thông tin trong")).to_have_value("72")
    edited = f"{headline} (đổi ngày)"
    page.get_by_label("Tiêu đề").fill(edited)
    page.get_by_label("Thông báo còn hiệu lực trên cổng thông tin trong").select_option(label="7 ngày")
    page.get_by_role("button", name="Lưu thay đổi").click()
    # Then the draft shows the change, still waiting for approval
    expect(detail.get_by_role("heading", name=edited)).to_be_visible(timeout=SLOW_MS)
    expect(fact(page, "Hiệu lực thông báo")).to_have_text("7 ngày")
    expect(detail.locator("[data-stage]")).to_have_text("Chờ duyệt")
    saved = bulletin(local_stack, bulletin_id)
    assert (saved["headline"], saved["valid_hours"], saved["status"]) == (edited, 168, "draft")
    # When she cancels it, and confirms
    page.get_by_role("button", name="Hủy bản nháp").click()
    confirm = page.locator("#bd-confirm")
    expect(confirm).to_contain_text(f"Hủy bản nháp «{edited}»?")
    confirm.get_by_role("button", name="Hủy bản nháp").click()
    # Then it is cancelled: nothing is left to do with it, and it will never air
    expect(page.locator("#bd-action-alert")).to_contain_text("Đã hủy bản nháp", timeout=SLOW_MS)
    expect(detail.locator("[data-stage]")).to_have_text("Bản nháp đã hủy")
    expect(page.get_by_role("link", name="Sửa bản nháp")).to_have_count(0)
    expect(page.locator("#bd-actions button")).to_have_count(0)
    assert bulletin(local_stack, bulletin_id)["status"] == "discarded"
    assert no_horizontal_scroll(page)
    screenshot(page, f"admin-broadcast-draft-cancelled-{viewport['width']}")


@VIEWPORTS
def test_the_chairmans_home_page_lists_the_bulletins_waiting_for_his_approval(
    local_stack: Any, contexts: Any, viewport: dict[str, int]
) -> None:
    # Given a bulletin the culture officer has drafted
    headline = f"Lịch tiêm phòng cho gia súc {word()}"
    draft = draft_by_culture(local_stack, headline, category="Other")
    page, _ = contexts(viewport)
    # When the chairman signs in
    sign_in_staff(local_stack, page, "gp.admin", "#/")
    # Then his home page lists it among the bulletins waiting for him, and opens it
    waiting = page.locator("#home-pending")
    expect(waiting).to_contain_text("Bản tin chờ bạn duyệt", timeout=SLOW_MS)
    waiting.get_by_role("link", name=headline).click()
    expect(page.locator("#bd-detail").get_by_role("heading", name=headline)).to_be_visible(timeout=SLOW_MS)
    expect(page.get_by_role("button", name="Duyệt và phát")).to_be_visible()
    assert draft["id"] in page.url
    assert no_horizontal_scroll(page)
