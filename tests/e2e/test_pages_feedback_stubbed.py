"""The feedback pages in Chromium against a stubbed API (no local stack): what the page itself must do whatever the
server says — refuse bad photos before any upload, keep one Idempotency-Key across retries, upload photos without
EXIF, show overdue flags, switch to English and back, fit a 360-px phone.

The pages are served by a plain static server; ``/api/*`` and ``/media/*`` are answered by :class:`FakeApi`.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.browser import DESKTOP_VIEWPORT, PHONE_VIEWPORT, PageProblems, chromium, screenshot

pytestmark = pytest.mark.e2e

WEB = Path(__file__).resolve().parents[2] / "web"
HAMLETS = [{"id": "dong-thanh", "name": "Xóm Đông Thành"}, {"id": "tay-son", "name": "Xóm Tây Sơn"}]
COMMUNE = {
    "id": "giao-phong",
    "name": "Xã Giao Phong",
    "district": "Giao Thủy",
    "province": "Nam Định",
    "hamlets": HAMLETS,
}
FIELDS = [
    {"code": "roads", "name": "Đường giao thông", "name_en": "Roads and traffic", "unit": "infrastructure"},
    {"code": "environment", "name": "Môi trường, rác thải", "name_en": "Environment and waste", "unit": "environment"},
]
for _f in FIELDS:
    _f.update(deadline_hours=120, active=True, open311_code=_f["code"])
EXIF_APP1 = b"\xff\xe1\x00\x16Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00GPSsecret"


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


def item(**over: Any) -> dict[str, Any]:
    base = {
        "id": "a" * 32,
        "tracking_code": "GP-26-000001",
        "commune_id": "giao-phong",
        "citizen_id": "c1",
        "field_code": "roads",
        "field_name": "Đường giao thông",
        "title": "Ổ gà trên đường trục xã",
        "description": "Đoạn đường trước nhà văn hóa có ổ gà lớn.",
        "hamlet_id": "tay-son",
        "location": None,
        "photos": [],
        "anonymous_public": False,
        "status": "received",
        "unit": "infrastructure",
        "deadline_at": "2026-03-10T03:00:00+00:00",
        "remaining_hours": 30.0,
        "overdue": False,
        "created_at": "2026-03-03T03:00:00+00:00",
        "updated_at": "2026-03-03T03:00:00+00:00",
        "version": 1,
        "channel": "web",
        "timeline": [],
        "comments": [],
    }
    return {**base, **over}


@dataclass
class FakeApi:
    """Answers the pages' /api and /media requests; records what they sent."""

    submissions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    puts: list[tuple[str, bytes]] = field(default_factory=list)
    drop_first_submit_answer: bool = False
    inbox: list[dict[str, Any]] = field(default_factory=list)
    inbox_queries: list[dict[str, list[str]]] = field(default_factory=list)

    def handle(self, route: Any) -> None:
        request = route.request
        url = urlsplit(request.url)
        path, method = url.path, request.method
        if path.startswith("/media/"):
            self.puts.append((request.headers.get("content-type", ""), request.post_data_buffer or b""))
            return route.fulfill(status=200, body="")
        answer: Any = None
        status = 200
        if path == "/api/communes/giao-phong":
            answer = COMMUNE
        elif path == "/api/communes/giao-phong/feedback-fields":
            answer = {"items": FIELDS}
        elif path == "/api/me":
            token = request.headers.get("authorization", "")
            answer = (
                {"kind": "staff", "roles": ["admin"], "commune_id": "giao-phong", "display_name": "Trần Văn Thịnh"}
                if "staff" in token
                else {"full_name": "Nguyễn Văn An", "hamlet_id": "tay-son", "phone_masked": "091****678"}
            )
        elif path == "/api/feedback/uploads" and method == "POST":
            body = json.loads(request.post_data or "{}")
            self.uploads.append(body)
            n = len(self.uploads)
            answer = {
                "upload_id": f"{n:040x}",
                "url": f"/media/feedback/uploads/{n}?X-Amz-Signature=abc",
                "method": "PUT",
                "headers": {"Content-Type": body["content_type"]},
                "expires_at": "2026-03-03T04:00:00+00:00",
            }
            status = 201
        elif path == "/api/feedback" and method == "POST":
            self.submissions.append((request.headers.get("idempotency-key", ""), json.loads(request.post_data)))
            if self.drop_first_submit_answer and len(self.submissions) == 1:
                return route.abort("connectionreset")  # the server stored it, the phone never heard back
            answer, status = item(status="received", title=self.submissions[0][1]["title"]), 201
        elif path == "/api/staff/feedback":
            self.inbox_queries.append(parse_qs(url.query))
            answer = {"items": self.inbox, "counts": {"by_status": {"received": len(self.inbox)}, "overdue": 1}}
        else:
            answer, status = {"error": {"message": "Không tìm thấy", "code": "not_found"}}, 404
        route.fulfill(status=status, content_type="application/json", body=json.dumps(answer))


@pytest.fixture
def fake() -> FakeApi:
    return FakeApi()


def open_tab(browser: Any, fake: FakeApi, viewport: dict[str, int], storage: str) -> tuple[Any, PageProblems, Any]:
    context = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.add_init_script(storage)
    context.route("**/api/**", fake.handle)
    context.route("**/media/**", fake.handle)
    problems = PageProblems()
    return problems.watch(context.new_page()), problems, context


@pytest.fixture
def citizen_tab(browser: Any, fake: FakeApi) -> Iterator[tuple[Any, PageProblems]]:
    page, problems, context = open_tab(
        browser, fake, PHONE_VIEWPORT, "localStorage.setItem('sc.citizen.giao-phong.token', 'citizen-token');"
    )
    yield page, problems
    context.close()


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def jpeg_with_exif(page: Any) -> bytes:
    """A real 800x600 JPEG drawn by the browser, with an EXIF segment (as a phone camera writes) after SOI."""
    data_url = page.evaluate(
        "() => { const c = document.createElement('canvas'); c.width = 800; c.height = 600;"
        " const g = c.getContext('2d'); g.fillStyle = '#3a7'; g.fillRect(0, 0, 800, 600);"
        " g.fillStyle = '#a33'; g.fillRect(100, 100, 300, 200); return c.toDataURL('image/jpeg', 0.9); }"
    )
    raw = base64.b64decode(data_url.split(",", 1)[1])
    return raw[:2] + EXIF_APP1 + raw[2:]


def fill_form(page: Any) -> None:
    form = page.locator("#fb-form")
    form.get_by_label("Lĩnh vực").select_option(label="Đường giao thông")
    form.get_by_label("Tiêu đề").fill("Ổ gà trên đường trục xã")
    form.get_by_label("Nội dung").fill("Đoạn đường trước nhà văn hóa xóm Tây Sơn có ổ gà lớn, nguy hiểm.")
    form.get_by_label("Xóm", exact=True).select_option(label="Xóm Tây Sơn")


def test_a_wrong_type_or_oversize_photo_is_refused_in_the_page_before_any_upload(
    static_url: str, fake: FakeApi, citizen_tab: tuple[Any, PageProblems]
) -> None:
    page, problems = citizen_tab
    # Given a signed-in citizen on the feedback form
    page.goto(f"{static_url}/citizen/#/phan-anh/moi")
    expect(page.get_by_role("heading", name="Gửi phản ánh, kiến nghị")).to_be_visible()
    # When they pick a GIF and a 6 MB JPEG
    page.get_by_label("Ảnh (không bắt buộc)").set_input_files(
        [
            {"name": "meo.gif", "mimeType": "image/gif", "buffer": b"GIF89a" + b"\x00" * 64},
            {"name": "to-qua.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024)},
        ]
    )
    # Then both are refused with Vietnamese messages naming them, and nothing was asked of the server
    errors = page.locator("#fb-photo-errors")
    expect(errors).to_contain_text("Ảnh «meo.gif» không đúng định dạng: chỉ nhận ảnh JPEG, PNG hoặc WebP.")
    expect(errors).to_contain_text("Ảnh «to-qua.jpg» quá lớn (6,0 MB): mỗi ảnh không quá 5 MB.")
    expect(page.locator("#fb-photo-list li")).to_have_count(0)
    # And a sixth good photo is refused too
    photo = {"name": "anh.png", "mimeType": "image/png", "buffer": base64.b64decode(PNG_1PX)}
    page.get_by_label("Ảnh (không bắt buộc)").set_input_files([dict(photo, name=f"anh{i}.png") for i in range(6)])
    expect(page.locator("#fb-photo-list li")).to_have_count(5)
    expect(errors).to_contain_text("Chỉ được gửi tối đa 5 ảnh.")
    assert fake.uploads == []
    assert no_horizontal_scroll(page)
    screenshot(page, "citizen-feedback-photo-refused")
    problems.assert_none()


PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def test_a_double_tap_and_a_retry_after_a_lost_answer_send_one_idempotency_key_and_the_photo_without_exif(
    static_url: str, fake: FakeApi, citizen_tab: tuple[Any, PageProblems]
) -> None:
    page, problems = citizen_tab
    fake.drop_first_submit_answer = True
    page.goto(f"{static_url}/citizen/#/phan-anh/moi")
    expect(page.get_by_label("Tiêu đề")).to_be_visible()
    # Given a filled form with a phone photo carrying EXIF (GPS)
    fill_form(page)
    page.get_by_label("Ảnh (không bắt buộc)").set_input_files(
        {"name": "o-ga.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_exif(page)}
    )
    expect(page.locator("#fb-photo-list li")).to_have_count(1)
    # When they tap Send twice quickly, and the answer is lost on a flaky link
    page.locator("#fb-submit").dblclick()
    expect(page.locator(".alert-error")).to_contain_text("Không kết nối được máy chủ")
    # Then only one submission went out so far, and the photo was uploaded once, re-encoded without EXIF
    assert len(fake.submissions) == 1
    assert len(fake.puts) == 1
    content_type, photo = fake.puts[0]
    assert content_type == "image/jpeg"
    assert photo[:3] == b"\xff\xd8\xff"
    assert b"Exif" not in photo
    assert b"GPSsecret" not in photo
    assert fake.uploads == [{"content_type": "image/jpeg", "size_bytes": len(photo)}]
    expect(page.locator("#fb-photo-list")).to_contain_text("Đã tải lên")
    # When they tap Send again
    page.locator("#fb-submit").click()
    # Then the retry carries the same Idempotency-Key and body (the server answers with the one record)
    expect(page.locator("#fb-sent")).to_contain_text("Mã theo dõi của bạn: GP-26-000001")
    assert len(fake.submissions) == 2
    (key1, body1), (key2, body2) = fake.submissions
    assert key1 == key2
    assert 8 <= len(key1) <= 64
    assert body1 == body2
    assert body1["upload_ids"] == [f"{1:040x}"]
    assert body1["hamlet_id"] == "tay-son"
    assert len(fake.puts) == 1  # the photo was not uploaded again
    screenshot(page, "citizen-feedback-sent")
    # And a new form gets a new key
    page.get_by_role("link", name="Gửi phản ánh khác").click()
    fill_form(page)
    page.locator("#fb-submit").click()
    expect(page.locator("#fb-sent")).to_be_visible()
    assert fake.submissions[2][0] != key1
    problems.assert_none()


def test_gps_is_optional_and_taken_from_the_phone_when_asked(static_url: str, browser: Any, fake: FakeApi) -> None:
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        locale="vi-VN",
        geolocation={"latitude": 20.2345678, "longitude": 106.4567891},
        permissions=["geolocation"],
    )
    context.add_init_script("localStorage.setItem('sc.citizen.giao-phong.token', 'citizen-token');")
    context.route("**/api/**", fake.handle)
    problems = PageProblems()
    page = problems.watch(context.new_page())
    try:
        page.goto(f"{static_url}/citizen/#/phan-anh/moi")
        fill_form(page)
        page.get_by_role("button", name="Lấy vị trí hiện tại").click()
        expect(page.locator("#fb-location")).to_contain_text("Vị trí: 20.234568, 106.456789")
        page.locator("#fb-submit").click()
        expect(page.locator("#fb-sent")).to_be_visible()
        assert fake.submissions[0][1]["location"] == {"lat": 20.234568, "lon": 106.456789}
        problems.assert_none()
    finally:
        context.close()


def test_the_english_switch_translates_the_portal_and_is_remembered(
    static_url: str, fake: FakeApi, citizen_tab: tuple[Any, PageProblems]
) -> None:
    page, problems = citizen_tab
    # Given the portal in Vietnamese (the default)
    page.goto(f"{static_url}/citizen/")
    expect(page.get_by_role("link", name="Hồ sơ của tôi")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "vi"
    # When the citizen presses "English"
    page.get_by_role("button", name="English").click()
    # Then the static text and the feedback views are in English, and the page says so
    expect(page.get_by_role("link", name="My profile")).to_be_visible()
    expect(page.get_by_role("heading", name="Services")).to_be_visible()
    expect(page.locator("#fb-tile")).to_contain_text("Feedback and petitions")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_role("link", name="Send feedback").click()
    expect(page.get_by_role("heading", name="Send feedback or a petition")).to_be_visible()
    expect(page.get_by_label("Field")).to_contain_text("Roads and traffic")
    # And after a reload it stays English, until switched back
    page.reload()
    expect(page.get_by_role("heading", name="Send feedback or a petition")).to_be_visible()
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.get_by_role("heading", name="Gửi phản ánh, kiến nghị")).to_be_visible()
    assert page.evaluate("localStorage.getItem('sc.lang')") == "vi"
    problems.assert_none()


def test_the_inbox_flags_overdue_items_and_counts_them(static_url: str, browser: Any, fake: FakeApi) -> None:
    # Given an inbox with one overdue item and one in time
    fake.inbox = [
        item(
            id="b" * 32,
            tracking_code="GP-26-000007",
            title="Rác tồn đọng ven kênh",
            field_code="environment",
            unit="environment",
            remaining_hours=-26.0,
            overdue=True,
            deadline_at="2026-03-01T03:00:00+00:00",
        ),
        item(id="c" * 32, tracking_code="GP-26-000008", title="Đèn đường hỏng", remaining_hours=50.0),
    ]
    for viewport in (DESKTOP_VIEWPORT, PHONE_VIEWPORT):
        page, problems, context = open_tab(
            browser, fake, viewport, "sessionStorage.setItem('sc.admin.token', 'staff');"
        )
        try:
            # When the administrator opens the inbox
            page.goto(f"{static_url}/admin/#/feedback")
            rows = page.locator("#fb-table tbody tr")
            expect(rows).to_have_count(2)
            # Then the overdue one carries the flag and how late it is; the other its remaining time
            late = rows.filter(has_text="GP-26-000007")
            expect(late.locator(".overdue-flag")).to_have_text("Quá hạn")
            expect(late).to_contain_text("Quá hạn 1 ngày 2 giờ")
            expect(late).to_contain_text("Môi trường, rác thải")
            expect(late).to_contain_text("Địa chính - Môi trường")
            in_time = rows.filter(has_text="GP-26-000008")
            expect(in_time.locator(".overdue-flag")).to_have_count(0)
            expect(in_time).to_contain_text("10/03/2026")
            expect(in_time).to_contain_text("Còn 2 ngày 2 giờ")
            expect(page.locator("#fb-overdue-count")).to_contain_text("1")
            # And filtering by "overdue only" asks the API for exactly that
            with page.expect_request(lambda r: "/api/staff/feedback" in r.url and "overdue=true" in r.url):
                page.get_by_label("Chỉ phản ánh quá hạn").check()
            assert no_horizontal_scroll(page)
            screenshot(page, f"admin-inbox-overdue-{viewport['width']}")
            problems.assert_none()
        finally:
            context.close()
    assert any(q.get("overdue") == ["true"] for q in fake.inbox_queries)
