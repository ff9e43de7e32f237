"""The operations dashboard in Chromium against the running local stack: the chairman signs in and reads the
criteria scorecard, each criterion's current value, met or not, and its source matching the reporting capability's
own scorecard; a criterion's monthly history is a chart; the hamlet map draws the outlines and the loudspeaker
clusters; the hall screen (``?tv``) shows the same counts without drill-down. No script error, no CSP refusal."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e import test_pages_broadcast as base
from tests.e2e.test_pages_broadcast import demo_password, staff_token
from tests.support.browser import screenshot

pytestmark = pytest.mark.e2e

browser = base.browser
contexts = base.contexts

WIDE = {"width": 1366, "height": 900}
TV = {"width": 1920, "height": 1080}
LOAD_MS = 90_000  # the whole dashboard (every tile, the scorecard's providers) on a loaded 2-core machine


def _api(stack: Any, path: str, token: str | None = None) -> Any:
    """GET from the API with the patience of a loaded machine (the shared helper gives up after 10 s)."""
    import json
    import urllib.request

    headers = {"Accept": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(stack.api_url.rstrip("/") + path, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - the local stack
        return json.loads(response.read())


def _number(value: float) -> str:
    """What the page shows for a number (vi-VN: 1.234,5)."""
    whole, _, frac = f"{round(value, 2):,.2f}".partition(".")
    frac = frac.rstrip("0")
    return whole.replace(",", ".") + ("," + frac if frac else "")


def _shown(score: dict[str, Any]) -> str:
    value, unit = score["value"], score["unit"]
    if value is None:
        return "Chưa có"
    if unit == "dat":
        return "Có" if value >= 1 else "Chưa"
    return _number(value) + {"percent": "%", "count": ""}.get(unit, f" {unit}")


def test_the_chairman_reads_the_scorecard_as_the_data_says(local_stack: Any, contexts: Any) -> None:
    page, _ = contexts(WIDE)
    # Given the chairman opens the dashboard and signs in
    page.goto(f"{local_stack.web_url}/dashboard/")
    page.locator("#signin-open").click()
    page.get_by_label("Tên đăng nhập").fill("gp.admin")
    page.get_by_label("Mật khẩu").fill(demo_password())
    page.locator("#signin-button").click()
    expect(page.locator("#audience")).to_contain_text("Cán bộ xem đầy đủ chi tiết", timeout=LOAD_MS)
    # Then every criterion of the reporting capability's scorecard is a row with its value, met or not, and source
    token = staff_token(local_stack, "gp.admin")
    # (the dashboard reuses a scorecard up to 10 minutes, and says when it was worked out: the page shows the one
    # its payload carries; values staff entered with evidence do not move, so they equal reporting's own now)
    card = _api(local_stack, "/dashboard", token)["scorecard"]
    fresh = {c["code"]: c for c in _api(local_stack, "/reporting/scorecard", token)["criteria"]}
    assert [c["code"] for c in card["criteria"]] == list(fresh)
    for score in card["criteria"]:
        if score["source"] == "entered":
            assert (score["value"], score["met"]) == (fresh[score["code"]]["value"], fresh[score["code"]]["met"])
    rows = page.locator("#scorecard-table tbody tr")
    expect(rows).to_have_count(len(card["criteria"]), timeout=LOAD_MS)
    expect(page.locator("#scorecard-summary")).to_contain_text(f"{card['met']}/{card['total']} chỉ tiêu đạt")
    for score in card["criteria"]:
        row = page.locator(f'#scorecard-table tbody tr[data-code="{score["code"]}"]')
        expect(row.locator("td").nth(0)).to_have_text(score["name_vi"])
        expect(row.locator(".ops-current")).to_have_text(_shown(score))
        expect(row.locator(".badge")).to_have_text(
            "Đạt" if score["met"] is True else "Chưa đạt" if score["met"] is False else "Chưa rõ"
        )
        if score["source_detail_vi"]:
            expect(row.locator(".ops-source")).to_have_text(score["source_detail_vi"])
    # And choosing criterion 1.2 draws its last 12 months as a chart
    page.locator('#scorecard-table tbody tr[data-code="1.2"]').click()
    expect(page.locator("#history-title")).to_contain_text("Chỉ tiêu 1.2", timeout=LOAD_MS)
    expect(page.locator("#history-chart canvas")).to_have_count(1)
    # And the tiles show the feedback and loudspeakers with their drill-down, the map its five hamlets and clusters
    expect(page.locator("#tile-feedback .ops-metric")).not_to_have_count(0)
    page.locator("#tile-feedback button", has_text="Xem chi tiết").click()
    expect(page.locator("#tile-feedback .ops-drill")).to_contain_text("Mức hài lòng theo lĩnh vực")
    expect(page.locator("#hamlet-map .ops-hamlet-label")).to_have_count(5)
    expect(page.locator("#map-note")).to_contain_text("GẦN ĐÚNG")
    expect(page.locator("#school-method")).to_contain_text("Y − 6")
    screenshot(page, "dashboard-staff-1366")


def test_the_hall_screen_shows_counts_only(local_stack: Any, contexts: Any) -> None:
    page, _ = contexts(TV)
    # Given the hall screen opens the dashboard in its TV mode, nobody signed in
    page.goto(f"{local_stack.web_url}/dashboard/?tv")
    expect(page.locator("#audience")).to_contain_text("Màn hình công khai", timeout=LOAD_MS)
    # Then the counts are there, the drill-down and warning details are not
    public = _api(local_stack, "/communes/giao-phong/dashboard")
    open_now = next(m for t in public["tiles"] if t["name"] == "feedback" for m in t["metrics"] if m["key"] == "open")
    expect(page.locator('#tile-feedback [data-key="open"] .ops-value')).to_have_text(_number(open_now["value"]))
    expect(page.locator(".ops-drill")).to_have_count(0)
    expect(page.locator("#warning-list")).to_contain_text("chỉ hiện cho cán bộ")
    expect(page.locator("#scorecard-table tbody tr")).not_to_have_count(0)
    screenshot(page, "dashboard-hall-1920")
