"""The reports page in a real browser at 1280 px, against the running local stack: the demo's sent report is
listed; the office corrects it (a new version with the reason), enters a value with its evidence and submits; the
chairman approves and sends; the page offers the signed PDF; and ``smartcommune report export --latest`` then
``report verify`` (against the stack's JWKS) accept the new version, which carries the value the office typed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from smartcommune.reporting.logic.signing import payload_of
from tests.support.browser import DESKTOP_VIEWPORT, PageProblems, chromium, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def desk(browser: Any) -> Iterator[tuple[Any, PageProblems]]:
    context = browser.new_context(
        viewport=DESKTOP_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True
    )
    problems = PageProblems()
    page = problems.watch(context.new_page())
    yield page, problems
    context.close()


def _open_reports(page: Any, local_stack: Any, username: str) -> None:
    from tests.e2e.test_pages_admin import nav, sign_in

    sign_in(page, local_stack.web_url, username)
    nav(page, "Báo cáo").click()
    expect(page.get_by_role("heading", name="Báo cáo", exact=True)).to_be_visible()


def test_office_corrects_the_sent_report_chairman_sends_it_and_the_cli_verifies_it(
    local_stack: Any, desk: tuple[Any, PageProblems], tmp_path: Any
) -> None:
    page, problems = desk
    # Given the office clerk on the reports page: the demo's report of last month is listed as sent
    _open_reports(page, local_stack, "gp.office")
    sent_row = page.locator("#rp-table tbody tr", has_text="Đã gửi").first
    expect(sent_row).to_be_visible()
    sent_row.get_by_role("link").click()
    expect(page.locator("#rp-status")).to_have_text("Đã gửi")
    expect(page.locator('#rp-lines tr[data-code="4.1"] .rp-value')).to_have_text("87%")
    expect(page.get_by_role("button", name="Bản PDF có chữ ký")).to_be_visible()
    # When the clerk corrects it, with the reason, then enters 4.1 with its evidence and submits
    page.get_by_label("Đính chính (tạo phiên bản mới)").fill("Nhà mạng gửi lại số thuê bao")
    page.get_by_role("button", name="Đính chính", exact=True).click()
    expect(page.locator("#rp-status")).to_have_text("Dự thảo")
    page.get_by_label("Kết quả 4.1").fill("89")
    page.get_by_label("Minh chứng 4.1").fill("Văn bản VNPT số 131/VNPT-ND")
    page.get_by_role("button", name="Lưu số liệu").click()
    expect(page.locator('#rp-lines tr[data-code="4.1"] .rp-value')).to_have_text("89%")
    page.get_by_role("button", name="Trình lãnh đạo").click()
    expect(page.locator("#rp-status")).to_have_text("Đã trình")
    expect(page.get_by_role("button", name="Duyệt", exact=True)).to_have_count(0)  # the office does not approve
    report_url = page.url
    # Then the chairman approves and signs it
    page.get_by_role("button", name="Đăng xuất").click()
    _open_reports(page, local_stack, "gp.admin")
    page.goto(report_url)
    page.get_by_role("button", name="Duyệt", exact=True).click()
    page.get_by_role("button", name="Ký và gửi").click()
    expect(page.locator("#rp-status")).to_have_text("Đã gửi")
    with page.expect_download() as download:
        page.get_by_role("button", name="Bản PDF có chữ ký").click()
    # (the correction is the report's next version: v2, or later when the stack restored demo data signed by an
    # earlier stack's key and re-sent it at start)
    import re as _re

    version = int(_re.search(r"-v(\d+)-report\.pdf$", download.value.suggested_filename).group(1))
    assert version >= 2
    screenshot(page, "admin-reports-sent-1280")
    # And the CLI exports the latest sent report, which verifies against the stack's keys and holds 89
    out = tmp_path / "latest.jws"
    exported = local_stack.cli("report", "export", "--latest", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    verified = local_stack.cli("report", "verify", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    document = payload_of(out.read_text())
    assert document["version"] == version and document["correction_reason"] == "Nhà mạng gửi lại số thuê bao"
    line = next(x for x in document["lines"] if x["code"] == "4.1")
    assert (line["value"], line["evidence"]) == (89, "Văn bản VNPT số 131/VNPT-ND")
    out.write_text(json.dumps(document))  # not a JWS any more
    assert local_stack.cli("report", "verify", str(out)).returncode == 1
    problems.assert_none()
