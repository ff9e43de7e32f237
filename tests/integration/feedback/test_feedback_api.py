"""Citizen feedback through the real API on moto: submit with photos, follow, workflow to publication, rating."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from smartcommune.audit.wiring import audit_repository
from smartcommune.core.aws import client
from smartcommune.core.contracts import Role
from smartcommune.sms.storage import read_outbox
from tests.support.identities import citizen_token, ensure_demo_communes, staff_token
from tests.support.sms import deliver_queued_sms

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def call(api, method: str, path: str, body: Any = None, token: str | None = None, key: str | None = None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    response = api.http.request(method, path, headers=headers, body=json.dumps(body) if body is not None else None)
    return response.status_code, (json.loads(response.body) if response.body else None)


NEW = {
    "field_code": "roads",
    "title": "Ổ gà lớn trên đường trục xóm 1",
    "description": "Đoạn đường gần nhà văn hóa xóm 1 có ổ gà sâu, trời mưa rất nguy hiểm cho xe máy.",
    "hamlet_id": "xom-1",
    "location": {"lat": 20.2, "lon": 106.5},
    "upload_ids": [],
    "anonymous_public": False,
}


@pytest.fixture
def people(services) -> dict[str, Any]:
    ensure_demo_communes(services)
    an, an_id = citizen_token(services, phone="+84912345678")
    binh, binh_id = citizen_token(services)
    return {
        "an": an,
        "an_id": an_id,
        "binh": binh,
        "binh_id": binh_id,
        "admin": staff_token(services, Role.ADMIN),
        "office": staff_token(services, Role.OFFICE),
        "culture": staff_token(services, Role.CULTURE),
        "infra": staff_token(services, Role.INFRASTRUCTURE),
        "police": staff_token(services, Role.POLICE),
    }


STAFF = {"admin": Role.ADMIN, "office": Role.OFFICE, "infra": Role.INFRASTRUCTURE}


def upload(api, settings, token: str, data: bytes, content_type: str = "image/jpeg", declared: int | None = None):
    status, ticket = call(
        api, "POST", "/feedback/uploads", {"content_type": content_type, "size_bytes": declared or len(data)}, token
    )
    assert status == 201, ticket
    assert ticket["url"].startswith("/media/") and "X-Amz-Signature=" in ticket["url"]
    assert ticket["method"] == "PUT" and ticket["headers"]["Content-Type"] == content_type
    key = urlsplit(ticket["url"]).path.lstrip("/")
    if data:
        client("s3", settings).put_object(Bucket=settings.media_bucket, Key=key, Body=data, ContentType=content_type)
    return ticket["upload_id"]


def table_items(settings) -> list[dict[str, Any]]:
    """Every item (test-only inspection; the application never scans)."""
    dynamodb = client("dynamodb", settings)
    return dynamodb.scan(TableName=settings.table_name)["Items"]


def feedback_state(settings) -> tuple[int, dict[str, str]]:
    items = table_items(settings)
    feedback = [i for i in items if i["type"]["S"].startswith("feedback") and i["type"]["S"] != "feedback_seq"]
    counters = {i["SK"]["S"]: json.dumps(i, sort_keys=True) for i in items if i["type"]["S"] == "feedback_stats"}
    return len(feedback), counters


def status_sms(settings) -> list[dict[str, Any]]:
    deliver_queued_sms(settings)
    return [m for m in read_outbox(settings.outbox_path) if m["purpose"] == "feedback_status"]


def act(api, token: str, feedback_id: str, version: int, action: str, **extra: Any):
    return call(
        api, "POST", f"/feedback/{feedback_id}/actions", {"action": action, "expected_version": version, **extra}, token
    )


# ---------------------------------------------------------------- submission


def test_submit_gives_a_tracking_code_deadline_sms_and_a_retry_creates_nothing_new(api, services, settings, people):
    photo = upload(api, settings, people["an"], JPEG)
    body = {**NEW, "upload_ids": [photo]}
    status, first = call(api, "POST", "/feedback", body, people["an"], key="key-0001-abc")
    assert status == 201, first
    assert first["tracking_code"] == "GP-26-000001" and first["status"] == "received"
    assert first["unit"] == "infrastructure" and first["remaining_hours"] == 168.0 and first["overdue"] is False
    assert first["photos"][0]["url"].startswith("/media/") and first["photos"][0]["content_type"] == "image/jpeg"
    assert first["timeline"][0]["status"] == "received"
    # When the same submission is retried with the same key
    status, again = call(api, "POST", "/feedback", body, people["an"], key="key-0001-abc")
    # Then the same body comes back and nothing new was stored
    assert status == 201 and again == first
    _, mine = call(api, "GET", "/me/feedback", token=people["an"])
    assert [i["id"] for i in mine["items"]] == [first["id"]]
    # A different body under the same key is a conflict
    status, error = call(
        api, "POST", "/feedback", {**body, "title": "Một tiêu đề khác hẳn"}, people["an"], key="key-0001-abc"
    )
    assert status == 409 and "Idempotency-Key" in error["error"]["message"]
    # A new key is a new item with the next code
    status, second = call(api, "POST", "/feedback", NEW, people["an"], key="key-0002-abc")
    assert status == 201 and second["tracking_code"].startswith("GP-26-") and second["id"] != first["id"]
    sms = status_sms(settings)
    assert len(sms) == 2 and "GP-26-000001" in sms[0]["text"] and sms[0]["phone"] == "+84912345678"


def test_steps_taken_close_together_reach_the_citizen_as_one_sms_and_portal_only_citizens_get_none(
    api, settings, people
):
    # Given a report whose receipt SMS went out
    item = submit(api, people["an"], "close-0001")
    assert len(status_sms(settings)) == 1
    # When the office assigns it and the unit resolves it within the SMS window (nothing delivered between)
    _, body = act(api, people["office"], item["id"], item["version"], "assign", unit="infrastructure")
    _, body = act(api, people["infra"], item["id"], body["version"], "start")
    status, body = act(api, people["infra"], item["id"], body["version"], "resolve", result="Đã vá ổ gà ngày 30/11")
    assert status == 200, body
    # Then the citizen gets one SMS, the newest news
    texts = [m["text"] for m in status_sms(settings)]
    assert len(texts) == 2 and "đã có kết quả xử lý" in texts[-1]
    # And a citizen who chose the portal only gets no status SMS at all
    profile = {"full_name": "Trần Thị Bình", "hamlet_id": "xom-2", "address": "Xóm 2", "status_updates": "portal"}
    assert call(api, "PUT", "/me/profile", profile, people["binh"])[0] == 200
    other = submit(api, people["binh"], "close-0002")
    act(api, people["office"], other["id"], other["version"], "assign", unit="infrastructure")
    assert len(status_sms(settings)) == 2  # nothing new


@pytest.mark.parametrize(
    ("data", "content_type", "declared", "why"),
    [
        (b"", "image/jpeg", 10, "chưa được tải lên"),  # nothing uploaded
        (b"GIF89a" + b"\x00" * 50, "image/png", None, "không phải là ảnh"),  # wrong magic bytes
        (PNG, "image/jpeg", None, "không phải là ảnh"),  # a PNG declared as JPEG
        (b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024), "image/jpeg", 5 * 1024 * 1024, "5 MB"),  # oversize
    ],
)
def test_a_bad_photo_is_refused_and_nothing_is_written(api, settings, people, data, content_type, declared, why):
    photo = upload(api, settings, people["an"], data, content_type, declared)
    before = feedback_state(settings)
    status, error = call(api, "POST", "/feedback", {**NEW, "upload_ids": [photo]}, people["an"], key="bad-photo-1")
    assert status == 422
    assert why in error["error"]["details"][0]["message"] and error["error"]["details"][0]["field"] == "upload_ids.0"
    assert feedback_state(settings) == before  # no feedback item, no counter changed


def test_another_citizens_upload_or_a_forged_id_cannot_be_attached(api, settings, people):
    photo = upload(api, settings, people["binh"], JPEG)
    status, error = call(api, "POST", "/feedback", {**NEW, "upload_ids": [photo]}, people["an"], key="steal-photo")
    assert status == 422 and error["error"]["details"][0]["field"] == "upload_ids.0"
    status, _ = call(api, "POST", "/feedback", {**NEW, "upload_ids": ["0" * 40]}, people["an"], key="forged-photo")
    assert status == 422


def test_upload_requests_limit_type_and_size(api, people):
    status, error = call(
        api, "POST", "/feedback/uploads", {"content_type": "image/gif", "size_bytes": 10}, people["an"]
    )
    assert status == 422 and error["error"]["details"][0]["field"] == "content_type"
    status, error = call(
        api, "POST", "/feedback/uploads", {"content_type": "image/png", "size_bytes": 5 * 1024 * 1024 + 1}, people["an"]
    )
    assert status == 422 and "Không được vượt quá" in error["error"]["details"][0]["message"]


BAD_BODIES = [
    ({}, {"field_code", "title", "description", "hamlet_id"}),
    ({**NEW, "title": "abc"}, {"title"}),
    ({**NEW, "description": "x" * 4001}, {"description"}),
    ({**NEW, "field_code": 42}, {"field_code"}),
    ({**NEW, "upload_ids": ["a" * 40] * 6}, {"upload_ids"}),
    ({**NEW, "location": {"lat": 200, "lon": 0}}, {"location.lat"}),
    ({**NEW, "anonymous_public": "maybe"}, {"anonymous_public"}),
    ({**NEW, "extra": 1}, {"extra"}),
    ({**NEW, "field_code": "weather"}, {"field_code"}),
    ({**NEW, "hamlet_id": "xom-9"}, {"hamlet_id"}),
]


@pytest.mark.parametrize(("body", "fields"), BAD_BODIES)
def test_bad_submissions_are_422_in_vietnamese_and_nothing_is_written(api, settings, people, body, fields):
    before = feedback_state(settings)
    status, error = call(api, "POST", "/feedback", body, people["an"], key="bad-body-key")
    assert status == 422
    assert error["error"]["message"].startswith("Thông tin gửi lên chưa hợp lệ")
    assert {d["field"] for d in error["error"]["details"]} == fields
    assert feedback_state(settings) == before


def test_the_idempotency_key_is_required(api, settings, people):
    status, error = call(api, "POST", "/feedback", NEW, people["an"])
    assert status == 422 and error["error"]["details"][0]["field"] == "Idempotency-Key"
    status, _ = call(api, "POST", "/feedback", NEW, people["an"], key="short")
    assert status == 422
    assert feedback_state(settings)[0] == 0


# ---------------------------------------------------------------- workflow


def submit(api, token: str, key: str, **changes: Any) -> dict[str, Any]:
    status, body = call(api, "POST", "/feedback", {**NEW, **changes}, token, key=key)
    assert status == 201, body
    return body


def test_full_workflow_to_publication_then_rating(api, services, settings, people):
    photo = upload(api, settings, people["an"], PNG, "image/png")
    item = submit(api, people["an"], "flow-0001", upload_ids=[photo])
    status_sms(settings)  # the receipt goes out
    fid = item["id"]
    steps = [
        ("office", "assign", {"unit": "infrastructure"}, "assigned"),
        ("infra", "start", {}, "in_progress"),
        ("infra", "progress", {"note": "Đã khảo sát hiện trường"}, "in_progress"),
        ("infra", "resolve", {"result": "Đã vá ổ gà bằng bê tông nhựa ngày 30/11"}, "resolved"),
        ("office", "approve", {}, "approved"),
        ("culture", "publish", {}, "published"),
    ]
    version = item["version"]
    for who, action, extra, expected in steps:
        status, body = act(api, people[who], fid, version, action, **extra)
        assert status == 200, (action, body)
        assert body["status"] == expected and body["version"] == version + 1
        version = body["version"]
        status_sms(settings)  # each step's SMS goes out before the next step (a day apart, in life)
    # The citizen sees each step in the timeline
    _, mine = call(api, "GET", f"/feedback/{fid}", token=people["an"])
    assert [t["action"] for t in mine["timeline"]] == [
        "submit",
        "assign",
        "start",
        "progress",
        "resolve",
        "approve",
        "publish",
    ]
    assert all("name" not in t for t in mine["timeline"])
    # And was texted only at the steps a citizen waits for: received, given to a unit, result, published
    # (starting, progress notes and the office's approval are on the portal, not worth an SMS each)
    sms = [m["text"] for m in status_sms(settings)]
    assert len(sms) == 4, sms
    assert "GP-26-" in sms[0] and "đã được công khai" in sms[-1]
    assert "đã có kết quả xử lý" in sms[2]
    # Each says what was done: the office gave it to a unit (not "transferred")
    assert "đã được giao cho Xây dựng - Giao thông - Thủy lợi xử lý" in sms[1] and "chuyển" not in sms[1]
    # Every staff action is in the audit trail
    actions = [e.action for e in services.get(audit_repository).all_entries("giao-phong")]
    assert actions.count("feedback.assign") == 1 and actions.count("feedback.publish") == 1
    # The citizen rates once
    status, rated = call(api, "POST", f"/feedback/{fid}/rating", {"stars": 5, "comment": "Rất nhanh"}, people["an"])
    assert status == 200 and rated["rating"]["stars"] == 5
    status, error = call(api, "POST", f"/feedback/{fid}/rating", {"stars": 1}, people["an"])
    assert status == 409 and "đã đánh giá" in error["error"]["message"]
    # The public sees it, without personal data
    status, public = call(api, "GET", f"/communes/giao-phong/feedback/{fid}")
    assert status == 200 and public["rating_stars"] == 5 and public["result"].startswith("Đã vá")
    text = json.dumps(public, ensure_ascii=False)
    assert people["an_id"] not in text and "0912345678" not in text and "+84912345678" not in text
    assert "citizen_id" not in public and public["photos"][0].startswith("/media/")
    # Statistics count it
    status, stats = call(api, "GET", "/staff/feedback/stats", token=people["admin"])
    assert status == 200 and stats["received"] == 1 and stats["by_field"] == {"roads": 1}
    assert stats["by_status"]["published"] == 1 and stats["on_time_rate"] == 1.0
    assert stats["average_rating"] == 5.0 and stats["ratings_count"] == 1 and stats["by_hamlet"] == {"xom-1": 1}


def test_illegal_transitions_and_wrong_roles_are_refused_clearly(api, people):
    item = submit(api, people["an"], "illegal-01")
    fid, v = item["id"], item["version"]
    status, error = act(api, people["office"], fid, v, "publish")
    assert status == 409 and "Đã tiếp nhận" in error["error"]["message"]
    status, body = act(api, people["office"], fid, v, "assign", unit="infrastructure")
    assert status == 200
    # The unit it is with may not take a step only the office may take
    status, error = act(api, people["infra"], fid, body["version"], "reject", reason="Không thuộc thẩm quyền")
    assert status == 403 and "Vai trò của bạn không được" in error["error"]["message"]
    # Culture sees every item (it publishes) but may not start another unit's
    status, error = act(api, people["culture"], fid, body["version"], "start")
    assert status == 403 and "không thuộc đơn vị" in error["error"]["message"]
    # Another unit does not even find it (see test_feedback_scope.py)
    status, error = act(api, people["police"], fid, body["version"], "start")
    assert status == 404
    # A stale version is a conflict
    status, error = act(api, people["infra"], fid, v, "start")
    assert status == 409
    # Reject needs a reason, which the citizen then sees
    status, error = act(api, people["office"], fid, body["version"], "reject")
    assert status == 422 and error["error"]["details"][0]["field"] == "reason"
    status, rejected = act(
        api, people["office"], fid, body["version"], "reject", reason="Không thuộc thẩm quyền của xã"
    )
    assert status == 200 and rejected["status"] == "rejected"
    _, seen = call(api, "GET", f"/feedback/{fid}", token=people["an"])
    assert seen["rejection_reason"] == "Không thuộc thẩm quyền của xã"


def test_approval_needs_another_role_and_another_person(api, services, people):
    item = submit(api, people["an"], "two-person-1")
    fid = item["id"]
    admin2 = staff_token(services, Role.ADMIN, username="admin-2")
    v = act(api, people["admin"], fid, item["version"], "assign", unit="infrastructure")[1]["version"]
    v = act(api, people["admin"], fid, v, "start")[1]["version"]
    v = act(api, people["admin"], fid, v, "resolve", result="Đã xử lý xong")[1]["version"]
    status, error = act(api, admin2, fid, v, "approve")  # another person but the same role
    assert status == 403 and "vai trò khác" in error["error"]["message"]
    status, _ = act(api, people["office"], fid, v, "approve")
    assert status == 200


def test_two_staff_acting_on_the_same_version_one_wins_one_gets_409(api, services, people):
    item = submit(api, people["an"], "race-0001")
    fid, v = item["id"], item["version"]
    office2 = staff_token(services, Role.OFFICE, username="office-2")
    # Both saw version v; each sends a different action on it
    first = act(api, people["office"], fid, v, "assign", unit="police")
    second = act(api, office2, fid, v, "assign", unit="environment")
    assert (first[0], second[0]) == (200, 409)
    assert "tải lại" in second[1]["error"]["message"]
    _, seen = call(api, "GET", f"/feedback/{fid}", token=people["admin"])
    assert seen["version"] == v + 1 and seen["unit"] == "police" and len(seen["timeline"]) == 2


def test_the_write_itself_is_conditional_on_the_version(api, services, people):
    """Two writers that both passed the version check: the table refuses the second (nothing half-written)."""
    from smartcommune.core.errors import ConflictError
    from smartcommune.feedback.logic.counters import counter_deltas
    from smartcommune.feedback.wiring import feedback_repository

    item = submit(api, people["an"], "race-0002")
    store = services.get(feedback_repository)
    before = store.get("giao-phong", item["id"])
    assert before is not None
    one = before.model_copy(update={"status": "assigned", "version": before.version + 1})
    two = before.model_copy(update={"status": "rejected", "version": before.version + 1})
    store.update(before, one, counter_deltas(before, one), audit=None, public=None, search="")
    with pytest.raises(ConflictError):
        store.update(before, two, counter_deltas(before, two), audit=None, public=None, search="")
    after = store.get("giao-phong", item["id"])
    assert after is not None and after.status == "assigned"
    _, inbox = call(api, "GET", "/staff/feedback", token=people["office"])
    assert inbox["counts"]["by_status"]["assigned"] == 1 and inbox["counts"]["by_status"]["rejected"] == 0


def test_duplicate_points_to_the_original(api, people):
    original = submit(api, people["an"], "original-1")
    copy = submit(api, people["binh"], "copy-00001")
    status, body = act(api, people["office"], copy["id"], copy["version"], "duplicate", duplicate_of=original["id"])
    assert status == 200 and body["duplicate_of"] == original["tracking_code"]


# ---------------------------------------------------------------- who sees what


def test_a_citizen_cannot_read_or_comment_on_anothers_feedback(api, people):
    item = submit(api, people["an"], "private-01")
    assert call(api, "GET", f"/feedback/{item['id']}", token=people["binh"])[0] == 404
    assert call(api, "POST", f"/feedback/{item['id']}/comments", {"body": "xin chào"}, people["binh"])[0] == 404
    assert call(api, "POST", f"/feedback/{item['id']}/rating", {"stars": 1}, people["binh"])[0] == 404
    _, mine = call(api, "GET", "/me/feedback", token=people["binh"])
    assert mine["items"] == []


def test_another_communes_staff_and_citizens_do_not_find_it(api, services, people):
    item = submit(api, people["an"], "commune-01")
    other_staff = staff_token(services, Role.ADMIN, commune_id="bach-long")
    other_citizen, _ = citizen_token(services, commune_id="bach-long")
    assert call(api, "GET", f"/feedback/{item['id']}", token=other_staff)[0] == 404
    assert call(api, "GET", f"/feedback/{item['id']}", token=other_citizen)[0] == 404
    assert act(api, other_staff, item["id"], item["version"], "assign", unit="police")[0] == 404
    _, inbox = call(api, "GET", "/staff/feedback", token=other_staff)
    assert inbox["items"] == [] and inbox["counts"]["by_status"]["received"] == 0


def test_units_see_only_their_items_and_counts(api, services, clock, people):
    roads = submit(api, people["an"], "unit-roads")
    submit(api, people["an"], "unit-secur", field_code="security", title="Mất trộm xe đạp ở chợ")
    _, all_items = call(api, "GET", "/staff/feedback", token=people["office"])
    assert len(all_items["items"]) == 2 and all_items["counts"]["by_status"]["received"] == 2
    _, infra = call(api, "GET", "/staff/feedback", token=people["infra"])
    assert [i["id"] for i in infra["items"]] == [roads["id"]] and infra["counts"]["by_status"]["received"] == 1
    assert call(api, "GET", "/staff/feedback?unit=police", token=people["infra"])[0] == 403
    # Filters and overdue flags
    _, police = call(api, "GET", "/staff/feedback?unit=police", token=people["office"])
    assert len(police["items"]) == 1 and police["items"][0]["field_code"] == "security"
    clock.advance(hours=100)  # security: 72 h, roads: 168 h
    people = {**people, **{name: staff_token(services, role) for name, role in STAFF.items()}}  # sessions ended
    status, late = call(api, "GET", "/staff/feedback?overdue=true", token=people["office"])
    assert status == 200, late
    assert [i["field_code"] for i in late["items"]] == ["security"] and late["counts"]["overdue"] == 1
    assert late["items"][0]["overdue"] is True and late["items"][0]["remaining_hours"] < 0
    _, infra = call(api, "GET", "/staff/feedback", token=people["infra"])
    assert infra["counts"]["overdue"] == 0
    _, by_field = call(api, "GET", "/staff/feedback?field=roads&status=received", token=people["admin"])
    assert [i["id"] for i in by_field["items"]] == [roads["id"]]


def test_hidden_comments_are_invisible_to_the_citizen(api, people):
    item = submit(api, people["an"], "comments-1")
    fid = item["id"]
    status, mine = call(api, "POST", f"/feedback/{fid}/comments", {"body": "Xin cho biết tiến độ"}, people["an"])
    assert status == 201 and mine["author"] == "citizen"
    status, reply = call(api, "POST", f"/feedback/{fid}/comments", {"body": "Xã đã tiếp nhận"}, people["office"])
    assert status == 201 and reply["author"] == "commune"
    status, hidden = call(
        api, "POST", f"/feedback/{fid}/comments/{mine['id']}/visibility", {"hidden": True}, people["culture"]
    )
    assert status == 200 and hidden["hidden"] is True
    _, seen = call(api, "GET", f"/feedback/{fid}", token=people["an"])
    assert [c["body"] for c in seen["comments"]] == ["Xã đã tiếp nhận"]
    _, staff = call(api, "GET", f"/feedback/{fid}", token=people["office"])
    assert len(staff["comments"]) == 2
    assert call(api, "POST", f"/feedback/{fid}/comments", {"body": ""}, people["an"])[0] == 422
    assert call(api, "POST", f"/feedback/{fid}/comments", {"body": "x" * 2001}, people["an"])[0] == 422


def test_public_listing_search_ignores_diacritics_and_shows_only_published(api, people):
    a = submit(api, people["an"], "public-001", title="Đèn đường hỏng ở ngã ba chợ", field_code="electricity")
    submit(api, people["an"], "public-002", title="Rác thải đổ trộm bờ sông", field_code="environment")
    v = a["version"]
    for who, action, extra in [
        ("office", "assign", {"unit": "infrastructure"}),
        ("infra", "start", {}),
        ("infra", "resolve", {"result": "Đã thay bóng đèn mới"}),
        ("office", "approve", {}),
        ("office", "publish", {}),
    ]:
        status, body = act(api, people[who], a["id"], v, action, **extra)
        assert status == 200, body
        v = body["version"]
    _, page = call(api, "GET", "/communes/giao-phong/feedback")
    assert [i["id"] for i in page["items"]] == [a["id"]]
    _, found = call(api, "GET", "/communes/giao-phong/feedback?q=den%20duong%20HONG")
    assert [i["id"] for i in found["items"]] == [a["id"]]
    _, none = call(api, "GET", "/communes/giao-phong/feedback?q=rac%20thai")
    assert none["items"] == []
    _, filtered = call(api, "GET", "/communes/giao-phong/feedback?field=roads")
    assert filtered["items"] == []
    assert "citizen_id" not in json.dumps(page)


def test_fields_are_public_and_admins_edit_them(api, people):
    status, fields = call(api, "GET", "/communes/giao-phong/feedback-fields")
    assert status == 200 and [f["code"] for f in fields["items"]][:3] == ["security", "environment", "roads"]
    change = {"name": "Đường giao thông", "name_en": "Roads", "unit": "infrastructure", "deadline_hours": 48}
    status, field = call(api, "PUT", "/communes/me/feedback-fields/roads", change, people["admin"])
    assert status == 200 and field["deadline_hours"] == 48
    item = submit(api, people["an"], "deadline-48")
    assert item["remaining_hours"] == 48.0
    assert (
        call(api, "PUT", "/communes/me/feedback-fields/roads", {**change, "deadline_hours": 0}, people["admin"])[0]
        == 422
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "who"),
    [
        ("POST", "/feedback/uploads", {"content_type": "image/jpeg"}, "an"),
        ("POST", "/feedback/uploads", {"content_type": "image/jpeg", "size_bytes": "big"}, "an"),
        ("POST", "/feedback/{id}/comments", {"body": 5}, "an"),
        ("POST", "/feedback/{id}/rating", {"stars": 6}, "an"),
        ("POST", "/feedback/{id}/rating", {"stars": "five"}, "an"),
        ("POST", "/feedback/{id}/actions", {"action": "fly", "expected_version": 1}, "office"),
        ("POST", "/feedback/{id}/actions", {"action": "assign"}, "office"),
        ("POST", "/feedback/{id}/actions", {"action": "progress", "expected_version": 1, "note": "x" * 2001}, "infra"),
        ("POST", "/feedback/{id}/comments/0123456789abcdef/visibility", {"hidden": "perhaps"}, "office"),
        ("PUT", "/communes/me/feedback-fields/roads", {"name": "R"}, "admin"),
        ("GET", "/staff/feedback?status=lost", None, "office"),
        ("GET", "/staff/feedback?limit=1000", None, "office"),
        ("GET", "/staff/feedback/stats?from=yesterday", None, "office"),
        ("GET", "/communes/giao-phong/feedback?q=" + "x" * 101, None, None),
        ("GET", "/me/feedback?limit=0", None, "an"),
    ],
)
def test_bad_input_on_every_route_is_4xx_in_vietnamese_and_writes_nothing(
    api, settings, people, method, path, body, who
):
    item = submit(api, people["an"], "bad-input-01")
    before = table_items(settings)
    status, error = call(api, method, path.replace("{id}", item["id"]), body, people[who] if who else None)
    assert 400 <= status < 500
    assert error["error"]["message"] and error["error"]["message_en"]
    assert "vui lòng" in error["error"]["message"] or "Thông tin" in error["error"]["message"]
    assert sorted(json.dumps(i, sort_keys=True) for i in table_items(settings)) == sorted(
        json.dumps(i, sort_keys=True) for i in before
    )


def test_the_inbox_sorted_by_deadline_puts_the_overdue_first_then_the_nearest(api, services, people, clock):
    # Given three open items with 7 days (roads), 3 days (security) and 5 days (environment) to answer,
    # the roads one sent 6 days before the others, and a closed one
    roads = submit(api, people["an"], "sort-0001", field_code="roads")
    clock.advance(days=6)
    people = {**people, "an": citizen_token(services, phone="+84912345678")[0]}  # sessions do not last 6 days
    people.update(office=staff_token(services, Role.OFFICE), police=staff_token(services, Role.POLICE))
    security = submit(api, people["an"], "sort-0002", field_code="security")
    environment = submit(api, people["an"], "sort-0003", field_code="environment")
    closed = submit(api, people["an"], "sort-0004", field_code="other")
    status, _ = act(api, people["office"], closed["id"], closed["version"], "reject", reason="Không thuộc thẩm quyền")
    assert status == 200
    clock.advance(days=2)  # roads is now a day late
    people.update(office=staff_token(services, Role.OFFICE), police=staff_token(services, Role.POLICE))
    # When the office lists them by deadline
    status, page = call(api, "GET", "/staff/feedback?sort=deadline", token=people["office"])
    assert status == 200, page
    # Then the late one leads, then the nearest deadline; the closed one is not among them
    assert [i["id"] for i in page["items"]] == [roads["id"], security["id"], environment["id"]]
    assert page["items"][0]["overdue"] is True
    # And a unit sees its own the same way, a page at a time
    status, first = call(api, "GET", "/staff/feedback?sort=deadline&limit=1", token=people["office"])
    status, second = call(
        api, "GET", f"/staff/feedback?sort=deadline&limit=1&cursor={first['next_cursor']}", token=people["office"]
    )
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [roads["id"], security["id"]]
    status, police = call(api, "GET", "/staff/feedback?sort=deadline", token=people["police"])
    assert [i["id"] for i in police["items"]] == [security["id"]]
    # While newest first (the default) still lists every item, the closed one too
    _, newest = call(api, "GET", "/staff/feedback", token=people["office"])
    listed = [i["id"] for i in newest["items"]]
    assert closed["id"] in listed and listed[-1] == roads["id"]
