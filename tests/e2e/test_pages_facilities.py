"""The admin site's facilities section (#/facilities) in Chromium, its ``/api`` answered by the real app on moto
(no local stack): the culture officer takes a wifi point out of service with a note; the school enters a school
year, is told in Vietnamese under the field when there are more classes than pupils, and saves once corrected; the
hall screen's dashboard shows the wifi and schools tiles and their markers on the hamlet map."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from smartcommune.core.contracts import Role
from tests.integration.facilities.support import call, point, school
from tests.support.browser import DESKTOP_VIEWPORT, PageProblems, chromium, screenshot
from tests.support.identities import ensure_demo_communes, staff_token

pytestmark = pytest.mark.e2e

WEB = Path(__file__).resolve().parents[2] / "web"
LOAD_MS = 10_000


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}  # noqa: RUF012

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def static_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(WEB)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _tab(browser: Any, api: Any, token: str) -> tuple[Any, PageProblems, Any]:
    """A staff tab signed in with ``token`` whose /api requests go to the app under test."""

    def forward(route: Any) -> None:
        request = route.request
        url = urlsplit(request.url)
        path = url.path.removeprefix("/api") + (f"?{url.query}" if url.query else "")
        keep = ("authorization", "content-type", "idempotency-key", "accept")
        headers = {k: v for k, v in request.headers.items() if k.lower() in keep}
        answer = api.http.request(request.method, path, headers=headers, body=request.post_data)
        route.fulfill(status=answer.status_code, headers=dict(answer.headers), body=answer.body)

    context = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    if token:
        context.add_init_script(f"sessionStorage.setItem('sc.admin.token', {json.dumps(token)});")
    context.route("**/api/**", forward)
    problems = PageProblems()
    return problems.watch(context.new_page()), problems, context


def test_culture_takes_a_wifi_point_out_of_service_from_the_admin_site(browser, static_url, api, services):
    ensure_demo_communes(services)
    culture = staff_token(services, Role.CULTURE)
    _, made = call(api, "POST", "/facilities/wifi", point("Wifi Nhà văn hóa Xóm 1", "cultural_house", "xom-1"), culture)
    page, problems, context = _tab(browser, api, culture)
    try:
        # Given the culture officer opens the facilities section
        page.goto(f"{static_url}/admin/#/facilities")
        row = page.locator(f'#fw-rows tr[data-id="{made["id"]}"]')
        expect(row).to_contain_text("Đang hoạt động", timeout=LOAD_MS)
        expect(page.locator("#fa-schools")).to_have_count(0)  # the schools are not culture's
        # When they report it out of service with a reason
        row.get_by_role("button", name="Báo ngừng hoạt động").click()
        page.locator("#fws-note").fill("Mất nguồn điện, đã báo điện lực")
        page.locator("#fws-save").click()
        # Then the list shows it out of service with the reason, and the register says so
        expect(row).to_contain_text("Ngừng hoạt động", timeout=LOAD_MS)
        expect(row).to_contain_text("Mất nguồn điện, đã báo điện lực")
        screenshot(page, "facilities-wifi-1280")
        _, kept = call(api, "GET", "/facilities/wifi", token=culture)
        assert kept["items"][0]["status"] == "out_of_service" and kept["items"][0]["version"] == 2
        assert problems.script_errors == [] and problems.csp_violations == []
    finally:
        context.close()


def test_a_school_enters_its_year_and_is_told_what_is_wrong_in_vietnamese(browser, static_url, api, services):
    ensure_demo_communes(services)
    token = staff_token(services, Role.SCHOOL)
    _, made = call(api, "POST", "/facilities/schools", school("Trường Tiểu học Giao Phong", "tieu_hoc", "xom-3"), token)
    page, problems, context = _tab(browser, api, token)
    try:
        page.goto(f"{static_url}/admin/#/facilities")
        row = page.locator(f'#fs-rows tr[data-id="{made["id"]}"]')
        expect(row).to_contain_text("Chưa nhập", timeout=LOAD_MS)
        expect(page.locator("#fa-wifi")).to_have_count(0)
        # When the school enters more classes than pupils
        row.get_by_role("button", name="Nhập số liệu năm học").click()
        page.locator("#fsy-school_year").fill("2026-2027")
        page.locator("#fsy-pupils").fill("12")
        page.locator("#fsy-classes").fill("18")
        page.locator("#fsy-teachers").fill("30")
        page.locator("#fsy-save").click()
        # Then the page says so under the field, in Vietnamese, and nothing was saved
        expect(page.locator("#fsy-form .field-error")).to_contain_text("Số lớp không được lớn hơn số học sinh")
        screenshot(page, "facilities-school-year-1280")
        assert call(api, "GET", "/facilities/schools", token=token)[1]["items"][0]["years"] == []
        # And once corrected, the year is saved and listed
        page.locator("#fsy-pupils").fill("562")
        page.locator("#fsy-has_management_software").check()
        page.locator("#fsy-save").click()
        expect(row).to_contain_text("2026-2027", timeout=LOAD_MS)
        expect(row).to_contain_text("562")
        [entered] = call(api, "GET", "/facilities/schools", token=token)[1]["items"][0]["years"]
        assert (entered["pupils"], entered["classes"], entered["has_management_software"]) == (562, 18, True)
        assert entered["has_digital_equipment"] is False
        assert problems.script_errors == [] and problems.csp_violations == []
    finally:
        context.close()


def test_the_dashboard_shows_the_wifi_and_schools_tiles_and_their_markers(browser, static_url, api, services):
    ensure_demo_communes(services)
    culture, school_token = staff_token(services, Role.CULTURE), staff_token(services, Role.SCHOOL)
    for n, hamlet in enumerate(("xom-1", "xom-2"), start=1):
        call(api, "POST", "/facilities/wifi", point(f"Wifi Nhà văn hóa Xóm {n}", "cultural_house", hamlet), culture)
    call(api, "POST", "/facilities/schools", school("Trường THCS Giao Phong", "thcs", "xom-5"), school_token)
    page, problems, context = _tab(browser, api, "")
    try:
        # When the hall screen opens the dashboard (nobody signed in)
        page.goto(f"{static_url}/dashboard/?xa=giao-phong")
        # Then the wifi and schools tiles show their counts, and the map's legend counts their markers
        expect(page.locator('#tile-wifi [data-key="in_service"] .ops-value')).to_have_text("2/2", timeout=LOAD_MS)
        expect(page.locator('#tile-schools [data-key="schools"] .ops-value')).to_have_text("1")
        expect(page.locator("#tile-indicators")).to_contain_text("Chỉ tiêu kinh tế - xã hội")
        expect(page.locator("#map-legend")).to_contain_text("Điểm wifi miễn phí: 2")
        expect(page.locator("#map-legend")).to_contain_text("Trường học: 1")
        screenshot(page, "dashboard-facilities-1280")
        assert problems.script_errors == [] and problems.csp_violations == []
    finally:
        context.close()
