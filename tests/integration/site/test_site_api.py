"""The commune website through the real app on moto: the officials' directory and its figures for criterion 3.1,
OCOP places with photos stripped of their GPS position, news through its editorial workflow, and what the public
sees (published entries only, found whatever the diacritics typed).
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import ExifTags, Image

from smartcommune.core.aws import client
from smartcommune.core.contracts import Role
from tests.support.identities import DEMO_PASSWORD, ensure_demo_communes, staff_token
from tests.support.photos import PLACE, XMP, gps_exif, jpeg, png

PUBLIC = "/communes/giao-phong/site"


def call(api: Any, method: str, path: str, body: Any = None, token: str | None = None, **headers: str):
    sent = {"Content-Type": "application/json", **headers}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    response = api.http.request(method, path, headers=sent, body=json.dumps(body) if body is not None else None)
    text = response.body.decode() if response.body else ""
    try:
        return response.status_code, json.loads(text) if text else None
    except ValueError:
        return response.status_code, text


@pytest.fixture
def staff(services) -> dict[Role, str]:
    ensure_demo_communes(services)
    return {role: staff_token(services, role) for role in (Role.ADMIN, Role.OFFICE, Role.CULTURE, Role.POLICE)}


CHAIRMAN = {
    "full_name": "Trần Văn Thịnh",
    "position": "Chủ tịch UBND xã",
    "unit": "Ủy ban nhân dân xã",
    "work_phone": "0228 3877 101",
    "work_email": "ChuTich.GiaoPhong@namdinh.gov.vn",
    "rank": 1,
}

FISH_SAUCE = {
    "kind": "ocop",
    "name": "Nước mắm Giao Phong",
    "product": "Nước mắm cốt cá cơm",
    "producer": "HTX nông, ngư, diêm nghiệp Giao Phong",
    "ocop_stars": 4,
    "hamlet_id": "xom-1",
    "location": {"lat": 20.2391, "lon": 106.5234},
    "opening_hours": "7:00–17:00, thứ Hai đến thứ Bảy",
    "description": "Nước mắm ủ chượp truyền thống từ cá cơm biển Giao Thủy.",
    "published": True,
}

ARTICLE = {
    "title": "Hội nghị tổng kết xây dựng xã nông thôn mới thông minh",
    "summary": "UBND xã Giao Phong tổng kết một năm chuyển đổi số.",
    "body": "Sáng nay, UBND xã tổ chức hội nghị.\n\nCác xóm báo cáo kết quả Tổ công nghệ số cộng đồng.",
}


# ---------------------------------------------------------------- directory


def test_the_directory_is_public_with_work_contacts_and_counted_for_criterion_3_1(api, services, staff):
    from smartcommune.site.wiring import directory

    # Given the office adds the chairman (published) and a new clerk not yet published
    status, chairman = call(api, "POST", "/site/officials", CHAIRMAN, staff[Role.OFFICE])
    assert status == 201, chairman
    assert chairman["work_phone"] == "+842283877101" and chairman["work_email"] == "chutich.giaophong@namdinh.gov.vn"
    clerk = {"full_name": "Vũ Thị Hương", "position": "Công chức Văn phòng", "unit": "Văn phòng - Thống kê"}
    status, _ = call(api, "POST", "/site/officials", {**clerk, "published": False}, staff[Role.ADMIN])
    assert status == 201
    # When anyone reads the public directory
    status, page = call(api, "GET", f"{PUBLIC}/directory")
    # Then only the published entry is there, with its work phone and e-mail and nothing of the staff's bookkeeping
    assert status == 200
    assert [o["full_name"] for o in page["items"]] == ["Trần Văn Thịnh"]
    assert set(page["items"][0]) == {"id", "full_name", "position", "unit", "work_phone", "work_email", "photo_url"}
    # And the scorecard's figures count both entries, one published with phone and e-mail
    summary = services.get(directory).summary("giao-phong")
    assert (summary.officials, summary.published, summary.with_phone, summary.with_email) == (2, 1, 1, 1)
    assert services.get(directory).published_count("giao-phong") == 1
    # And the audit trail has both additions, with no phone number in clear
    _, audit = call(api, "GET", "/audit", token=staff[Role.ADMIN])
    added = [e for e in audit["entries"] if e["action"] == "site.official_added"]
    assert len(added) == 2 and "3877101" not in json.dumps(added)


def test_a_retried_add_makes_one_entry_and_an_edit_on_an_old_version_is_refused(api, staff):
    # Given an entry added with an Idempotency-Key, sent twice
    key = {"Idempotency-Key": "add-chairman-0001"}
    _, first = call(api, "POST", "/site/officials", CHAIRMAN, staff[Role.OFFICE], **key)
    status, again = call(api, "POST", "/site/officials", CHAIRMAN, staff[Role.OFFICE], **key)
    assert status == 201 and again["id"] == first["id"]
    _, listed = call(api, "GET", "/site/officials", token=staff[Role.OFFICE])
    assert len(listed["items"]) == 1
    # When it is edited, then edited again by someone who read the old version
    change = {**CHAIRMAN, "position": "Chủ tịch UBND xã Giao Phong", "version": first["version"]}
    status, edited = call(api, "PUT", f"/site/officials/{first['id']}", change, staff[Role.OFFICE])
    assert status == 200 and edited["version"] == first["version"] + 1
    status, stale = call(api, "PUT", f"/site/officials/{first['id']}", change, staff[Role.ADMIN])
    # Then the second edit is refused in Vietnamese first
    assert status == 409 and "thay đổi" in stale["error"]["message"]
    # And removing it with the current version takes it off the public directory
    status, _ = call(
        api, "DELETE", f"/site/officials/{first['id']}?version={edited['version']}", None, staff[Role.OFFICE]
    )
    assert status == 204
    assert call(api, "GET", f"{PUBLIC}/directory")[1]["items"] == []


def test_a_bad_work_phone_is_refused_with_a_vietnamese_message(api, staff):
    status, answer = call(api, "POST", "/site/officials", {**CHAIRMAN, "work_phone": "12345"}, staff[Role.OFFICE])
    assert status == 422
    problem = answer["error"]["details"][0]
    assert problem["field"].endswith("work_phone") and "máy bàn" in problem["message"]


def test_the_directory_search_ignores_diacritics(api, staff):
    call(api, "POST", "/site/officials", CHAIRMAN, staff[Role.OFFICE])
    police = {"full_name": "Phạm Đức Mạnh", "position": "Trưởng Công an xã", "unit": "Công an xã", "rank": 5}
    call(api, "POST", "/site/officials", police, staff[Role.OFFICE])
    # When someone types without diacritics (or with other capitals)
    for typed in ("cong an", "CÔNG AN", "duc manh", "manh"):
        _, page = call(api, "GET", f"{PUBLIC}/directory?q={typed.replace(' ', '+')}")
        # Then the police chief is found, and only him
        assert [o["full_name"] for o in page["items"]] == ["Phạm Đức Mạnh"], typed
    # And the whole directory lists by rank, the chairman first
    _, page = call(api, "GET", f"{PUBLIC}/directory")
    assert [o["full_name"] for o in page["items"]] == ["Trần Văn Thịnh", "Phạm Đức Mạnh"]


def test_the_directory_pages_with_cursors(api, staff):
    for n in range(5):
        body = {"full_name": f"Cán Bộ Số {n}", "position": "Công chức", "unit": "UBND xã", "rank": n}
        assert call(api, "POST", "/site/officials", body, staff[Role.OFFICE])[0] == 201
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        path = f"{PUBLIC}/directory?limit=2" + (f"&cursor={cursor}" if cursor else "")
        _, page = call(api, "GET", path)
        seen += [o["full_name"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Cán Bộ Số {n}" for n in range(5)]
    # A cursor of another commune's list is refused
    _, page = call(api, "GET", f"{PUBLIC}/directory?limit=2")
    assert call(api, "GET", f"/communes/bach-long/site/directory?cursor={page['next_cursor']}")[0] == 422


def test_only_the_office_and_the_chairman_keep_the_directory(api, staff):
    assert call(api, "POST", "/site/officials", CHAIRMAN, staff[Role.CULTURE])[0] == 403
    assert call(api, "POST", "/site/officials", CHAIRMAN)[0] == 401
    assert call(api, "GET", "/communes/no-such-commune/site/directory")[0] == 404


# ---------------------------------------------------------------- places and photos


def upload(api, settings, token: str, data: bytes, content_type: str) -> str:
    status, ticket = call(api, "POST", "/site/uploads", {"content_type": content_type, "size_bytes": len(data)}, token)
    assert status == 201, ticket
    assert ticket["url"].startswith("/media/uploads/site/giao-phong/") and "X-Amz-Signature=" in ticket["url"]
    key = urlsplit(ticket["url"]).path.lstrip("/")
    client("s3", settings).put_object(Bucket=settings.media_bucket, Key=key, Body=data, ContentType=content_type)
    return str(ticket["upload_id"])


@pytest.mark.parametrize(("make", "content_type"), [(lambda: jpeg(gps_exif(), comment=PLACE.encode(), xmp=XMP),
                         "image/jpeg"), (lambda: png(gps_exif()), "image/png")], ids=["jpeg", "png"])  # fmt: skip
def test_a_place_photo_is_kept_without_its_gps_position(api, settings, staff, make, content_type):
    # Given a published OCOP point, and a photo whose EXIF holds where it was taken
    status, place = call(api, "POST", "/site/places", FISH_SAUCE, staff[Role.CULTURE])
    assert status == 201, place
    original = make()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    upload_id = upload(api, settings, staff[Role.CULTURE], original, content_type)
    # When it is attached to the place
    body = {"upload_id": upload_id, "caption": "Chum ủ chượp", "version": place["version"]}
    status, place = call(api, "POST", f"/site/places/{place['id']}/photos", body, staff[Role.CULTURE])
    assert status == 201, place
    # Then the kept photo has no GPS, no camera, no XMP or comment, and is the same picture
    photo = place["photos"][0]
    kept = client("s3", settings).get_object(Bucket=settings.media_bucket, Key=photo["key"])
    data = kept["Body"].read()
    assert photo["key"] == f"media/giao-phong/site/{upload_id}" and kept["ContentType"] == content_type
    after = Image.open(io.BytesIO(data))
    assert not after.getexif().get_ifd(ExifTags.IFD.GPSInfo) and set(after.getexif()) <= {ExifTags.Base.Orientation}
    assert PLACE.encode() not in data and b"PhoneMaker" not in data and b"xmpmeta" not in data
    assert after.size == Image.open(io.BytesIO(original)).size
    # And the public sees it through a same-origin link, with its caption
    _, public = call(api, "GET", f"{PUBLIC}/places/{place['id']}")
    assert public["photos"][0]["url"].startswith(f"/{photo['key']}?") and public["photos"][0]["caption"]


def test_a_file_that_is_not_the_photo_it_claims_is_refused(api, settings, staff):
    _, place = call(api, "POST", "/site/places", FISH_SAUCE, staff[Role.OFFICE])
    upload_id = upload(api, settings, staff[Role.OFFICE], b"MZ\x90\x00 not a picture at all", "image/jpeg")
    body = {"upload_id": upload_id, "version": place["version"]}
    status, answer = call(api, "POST", f"/site/places/{place['id']}/photos", body, staff[Role.OFFICE])
    assert status == 422 and "ảnh" in answer["error"]["details"][0]["message"]
    # And a photo over 5 MB cannot even get an upload link
    big = {"content_type": "image/jpeg", "size_bytes": 6 * 1024 * 1024}
    assert call(api, "POST", "/site/uploads", big, staff[Role.OFFICE])[0] == 422
    # And the place still has no photo
    _, listed = call(api, "GET", "/site/places", token=staff[Role.OFFICE])
    assert listed["items"][0]["photos"] == []


def test_places_are_public_once_published_and_found_without_diacritics(api, staff):
    # Given a published OCOP product, a draft one and a published tourism place
    call(api, "POST", "/site/places", FISH_SAUCE, staff[Role.CULTURE])
    clams = {**FISH_SAUCE, "name": "Ngao Giao Phong", "product": "Ngao trắng", "published": False}
    _, draft = call(api, "POST", "/site/places", clams, staff[Role.CULTURE])
    pagoda = {"kind": "tourism", "name": "Chùa Bình An", "hamlet_id": "xom-2", "published": True,
              "description": "Di tích lịch sử cấp tỉnh.", "opening_hours": "Cả ngày"}  # fmt: skip
    call(api, "POST", "/site/places", pagoda, staff[Role.CULTURE])
    # When the public lists them
    _, everything = call(api, "GET", f"{PUBLIC}/places")
    _, ocop = call(api, "GET", f"{PUBLIC}/places?kind=ocop")
    _, found = call(api, "GET", f"{PUBLIC}/places?q=nuoc+mam")
    # Then the draft is nowhere, by list or by its own address
    assert sorted(p["name"] for p in everything["items"]) == ["Chùa Bình An", "Nước mắm Giao Phong"]
    assert [p["name"] for p in ocop["items"]] == ["Nước mắm Giao Phong"]
    assert ocop["items"][0]["ocop_stars"] == 4 and ocop["items"][0]["hamlet_name"] == "Xóm 1"
    assert [p["name"] for p in found["items"]] == ["Nước mắm Giao Phong"]
    assert call(api, "GET", f"{PUBLIC}/places/{draft['id']}")[0] == 404
    # And once published it appears
    body = {**clams, "published": True, "version": draft["version"]}
    assert call(api, "PUT", f"/site/places/{draft['id']}", body, staff[Role.CULTURE])[0] == 200
    _, found = call(api, "GET", f"{PUBLIC}/places?q=NGAO")
    assert [p["name"] for p in found["items"]] == ["Ngao Giao Phong"]


def test_a_place_in_an_unknown_hamlet_or_stars_on_a_non_ocop_place_is_refused(api, staff):
    status, answer = call(api, "POST", "/site/places", {**FISH_SAUCE, "hamlet_id": "xom-9"}, staff[Role.OFFICE])
    assert status == 422 and answer["error"]["details"][0]["field"] == "hamlet_id"
    tourism = {**FISH_SAUCE, "kind": "tourism"}
    assert call(api, "POST", "/site/places", tourism, staff[Role.OFFICE])[0] == 422
    assert call(api, "POST", "/site/places", FISH_SAUCE, staff[Role.POLICE])[0] == 403


# ---------------------------------------------------------------- news and its workflow


def step(api, article: dict[str, Any], action: str, token: str, note: str | None = None):
    body = {"action": action, "version": article["version"], **({"note": note} if note else {})}
    return call(api, "POST", f"/site/articles/{article['id']}/transitions", body, token)


def test_an_article_goes_from_draft_through_review_to_the_public(api, services, clock, staff):
    from smartcommune.site.wiring import news

    # Given a draft by the culture officer
    status, article = call(api, "POST", "/site/articles", ARTICLE, staff[Role.CULTURE])
    assert status == 201 and article["status"] == "draft"
    assert article["slug"] == "hoi-nghi-tong-ket-xay-dung-xa-nong-thon-moi-thong-minh"
    slug = article["slug"]
    # Then the public sees nothing of it, by list or by its address
    assert call(api, "GET", f"{PUBLIC}/news")[1]["items"] == []
    assert call(api, "GET", f"{PUBLIC}/news/{slug}")[0] == 404
    # When it is sent for review, returned with a note, edited, sent again and published by the chairman
    status, article = step(api, article, "submit", staff[Role.CULTURE])
    assert status == 200 and article["status"] == "in_review"
    assert call(api, "GET", f"{PUBLIC}/news/{slug}")[0] == 404
    status, article = step(api, article, "return", staff[Role.ADMIN], note="Bổ sung số liệu các xóm.")
    assert status == 200 and article["status"] == "draft"
    edit = {**ARTICLE, "body": ARTICLE["body"] + "\n\n11/11 xóm có Tổ công nghệ số.", "version": article["version"]}
    status, article = call(api, "PUT", f"/site/articles/{article['id']}", edit, staff[Role.CULTURE])
    assert status == 200
    _, article = step(api, article, "submit", staff[Role.CULTURE])
    clock.advance(hours=2)
    status, article = step(api, article, "publish", staff[Role.ADMIN])
    assert status == 200 and article["status"] == "published" and article["reviewer_name"]
    # Then it is public as JSON and as a page, with its date as people read it
    status, public = call(api, "GET", f"{PUBLIC}/news/{slug}")
    assert status == 200 and "11/11 xóm" in public["body"] and "history" not in public
    assert [a["slug"] for a in call(api, "GET", f"{PUBLIC}/news")[1]["items"]] == [slug]
    response = api.http.request("GET", f"{PUBLIC}/news/{slug}/page")
    page = response.body.decode()
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "<h1>Hội nghị tổng kết" in page and "Đăng ngày 29/11/2026" in page and "<script" not in page
    # And the history tells who did what, and the audit trail has each step
    assert [e["action"] for e in article["history"]] == ["create", "submit", "return", "edit", "submit", "publish"]
    _, audit = call(api, "GET", "/audit", token=staff[Role.ADMIN])
    actions = [e["action"] for e in audit["entries"] if e["target"] == f"article/{article['id']}"]
    assert actions[0] == "site.article_published" and "site.article_returned" in actions
    # And it counts among the articles published since this morning, not since after it
    since = clock.now - timedelta(hours=3)
    assert services.get(news).published_since("giao-phong", since) == 1
    assert services.get(news).published_since("giao-phong", clock.now + timedelta(minutes=1)) == 0
    # When the chairman unpublishes it, it is gone from the public again
    status, article = step(api, article, "unpublish", staff[Role.ADMIN], note="Cần cập nhật.")
    assert status == 200
    assert call(api, "GET", f"{PUBLIC}/news/{slug}")[0] == 404 and call(api, "GET", f"{PUBLIC}/news")[1]["items"] == []
    assert services.get(news).published_since("giao-phong", since) == 0


def test_the_workflow_refuses_steps_out_of_turn_and_out_of_role(api, services, staff):
    from smartcommune.identity.wiring import identity_service

    _, article = call(api, "POST", "/site/articles", ARTICLE, staff[Role.OFFICE])
    # An author cannot publish; the reviewer cannot publish a draft nobody sent; nobody edits in review
    assert step(api, article, "publish", staff[Role.OFFICE])[0] == 403
    status, answer = step(api, article, "publish", staff[Role.ADMIN])
    assert status == 409 and "bản nháp" in answer["error"]["message"]
    _, article = step(api, article, "submit", staff[Role.OFFICE])
    edit = {**ARTICLE, "version": article["version"]}
    assert call(api, "PUT", f"/site/articles/{article['id']}", edit, staff[Role.CULTURE])[0] == 409
    # Returning needs a reason; the police cannot write news or read drafts
    status, answer = step(api, article, "return", staff[Role.ADMIN])
    assert status == 422 and answer["error"]["details"][0]["field"] == "note"
    assert call(api, "POST", "/site/articles", ARTICLE, staff[Role.POLICE])[0] == 403
    assert call(api, "GET", f"/site/articles/{article['id']}", token=staff[Role.POLICE])[0] == 403
    # A step on a version already moved on is refused
    _, current = call(api, "GET", f"/site/articles/{article['id']}", token=staff[Role.ADMIN])
    assert step(api, {**current, "version": current["version"] - 1}, "publish", staff[Role.ADMIN])[0] == 409
    # Nobody publishes their own article, even a leader who also writes
    identity = services.get(identity_service)
    account = identity.create_staff_account(
        "giao-phong", "admin-culture", "Lãnh Đạo Viết Bài", [Role.ADMIN, Role.CULTURE], DEMO_PASSWORD
    )
    both = identity.start_session("giao-phong", account.id, "staff").token
    _, own = call(api, "POST", "/site/articles", {**ARTICLE, "title": "Bài của lãnh đạo"}, both)
    _, own = step(api, own, "submit", both)
    status, answer = step(api, own, "publish", both)
    assert status == 403 and "chính mình" in answer["error"]["message"]
    assert step(api, own, "publish", staff[Role.ADMIN])[0] == 200


def test_slugs_are_unique_and_news_search_ignores_diacritics(api, staff):
    # Given two articles with the same title, published
    slugs = []
    for body in (ARTICLE, {**ARTICLE, "body": "Lịch tiêm chủng mở rộng tại Trạm y tế xã tháng 12."}):
        _, article = call(api, "POST", "/site/articles", body, staff[Role.CULTURE])
        _, article = step(api, article, "submit", staff[Role.CULTURE])
        _, article = step(api, article, "publish", staff[Role.ADMIN])
        slugs.append(article["slug"])
    # Then their slugs differ, and a slug asked for that is taken is refused
    assert slugs[1] == slugs[0] + "-2"
    assert call(api, "POST", "/site/articles", {**ARTICLE, "slug": slugs[0]}, staff[Role.CULTURE])[0] == 409
    # And typing without diacritics finds the right one
    _, found = call(api, "GET", f"{PUBLIC}/news?q=tiem+chung")
    assert [a["slug"] for a in found["items"]] == [slugs[1]]
    _, staff_list = call(api, "GET", "/site/articles?status=published", token=staff[Role.OFFICE])
    assert len(staff_list["items"]) == 2
