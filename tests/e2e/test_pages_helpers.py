"""The pages' shared JavaScript (web/shared/sc.js) run in Chromium, served from a plain static server.

These need no local stack: they pin down dates in Vietnam's time zone whatever the device's zone, the dd/mm/yyyy
parsing, and that the DOM helper never turns text into markup.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import PageProblems, chromium

pytestmark = pytest.mark.e2e

WEB = Path(__file__).resolve().parents[2] / "web"


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}  # noqa: RUF012

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def static_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(WEB)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def sc(static_url: str) -> Iterator[Any]:
    """A tab in New York time (far from Vietnam) where ``run(js)`` evaluates ``js`` with ``sc`` imported."""
    with chromium() as browser:
        context = browser.new_context(timezone_id="America/New_York", locale="en-US")
        problems = PageProblems()
        page = problems.watch(context.new_page())
        page.goto(f"{static_url}/shared/")  # the directory listing: a blank HTML page of the same origin

        def run(body: str) -> Any:
            return page.evaluate(f"async () => {{ const sc = await import('/shared/sc.js'); {body} }}")

        yield run
        problems.assert_none()


def test_instants_are_shown_in_vietnam_time_as_dd_mm_yyyy(sc: Any) -> None:
    # Given 17:30 UTC on 28/11, which is already 29/11 in Hà Nội (UTC+7), on a device set to New York time
    assert sc("return sc.formatDateTime('2026-11-28T17:30:00Z');") == "29/11/2026 00:30"
    assert sc("return sc.formatDate('2026-11-28T17:30:00+00:00');") == "29/11/2026"
    # And a plain date (a birthday) is never shifted by a time zone
    assert sc("return sc.formatDate('1978-05-19');") == "19/05/1978"


def test_typed_dates_are_read_as_day_month_year_and_impossible_ones_refused(sc: Any) -> None:
    assert sc("return sc.parseDateVn('5/9/1990');") == "1990-09-05"
    assert sc("return sc.parseDateVn('19.05.1978');") == "1978-05-19"
    assert sc("return sc.parseDateVn('');") is None
    assert sc("return sc.parseDateVn('31/02/1990') === undefined;") is True
    assert sc("return sc.parseDateVn('1990-09-05') === undefined;") is True


def test_the_dom_helper_keeps_markup_as_text(sc: Any) -> None:
    # Given text that is an HTML snippet / When it is put into an element by h()
    result = sc(
        "const p = sc.h('p', {class: 'x', title: '\"><b>'}, '<img src=x onerror=window.__xss=1>', 3);"
        "document.documentElement.append(p);"
        "return [p.children.length, p.textContent, p.getAttribute('title'), typeof window.__xss];"
    )
    # Then no element was created from it and nothing ran
    assert result == [0, "<img src=x onerror=window.__xss=1>3", '"><b>', "undefined"]


def test_commune_titles_drop_the_administrative_prefix(sc: Any) -> None:
    assert sc("return sc.shortCommuneName('Xã Giao Phong');") == "Giao Phong"
    assert sc("return sc.shortCommuneName('Thị trấn Quất Lâm');") == "Quất Lâm"
