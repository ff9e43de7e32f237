"""Real-browser helpers for the page tests: Debian's Chromium driven by Playwright, and what the pages need.

Kept free of fixtures so each page-test module states its own (browser per module, page per test).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE_VIEWPORT = {"width": 360, "height": 740}
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOTS = "/tmp/smartcommune-screens"  # noqa: S108 - throwaway screenshots a developer looks at


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageProblems:
    """What the browser complained about: uncaught script errors and Content-Security-Policy refusals."""

    script_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        page.on("console", self._console)
        return page

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(message.text)

    def assert_none(self) -> None:
        assert self.script_errors == []
        assert self.csp_violations == []


def sms_code(stack: Any, phone: str, after: int = 0) -> str:
    """The 6-digit code of the first sign-in SMS to ``phone`` (E.164) beyond the first ``after`` outbox messages
    (a status SMS, which waits out its coalescing window, may land in between: its tracking code has 6 digits)."""
    message = stack.wait_for_sms(phone, after=after, purpose="otp")
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", message["text"])
    assert match, "the sign-in SMS carries a 6-digit code"
    return match.group(1)


def api_call(api_url: str, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    """Call the API directly (as a script or an attacker would); returns (status, parsed JSON or None)."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(api_url.rstrip("/") + path, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local stack URL
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot under ``SCREENSHOTS`` for a person to look at."""
    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)
