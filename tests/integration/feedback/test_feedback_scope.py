"""Who may read, comment on and act on one feedback item: its handling unit, leadership and the office (the same
rule as the inbox), and the citizen who sent it; every other staff role finds nothing (404, not 403). A staff
comment says which unit wrote it, never who.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from smartcommune.audit.wiring import audit_repository
from smartcommune.core.contracts import Role
from tests.integration.feedback.test_feedback_api import NEW, act, call, table_items
from tests.support.identities import citizen_token, ensure_demo_communes, staff_token

ENVIRONMENT_ITEM = {
    **NEW,
    "field_code": "environment",
    "title": "Rác thải đổ trộm ven kênh N1",
    "description": "Rác thải sinh hoạt bị đổ trộm ven kênh N1 đã nhiều ngày, bốc mùi hôi.",
}
NOT_FOUND = "Không tìm thấy phản ánh này."


@pytest.fixture
def staff(services) -> dict[Role, str]:
    ensure_demo_communes(services)
    return {role: staff_token(services, role) for role in Role if role.is_staff}


@pytest.fixture
def citizen(services) -> tuple[str, str]:
    ensure_demo_communes(services)
    return citizen_token(services, phone="+84912345678")


def submit(api, token: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    status, created = call(api, "POST", "/feedback", body, token, key=key)
    assert status == 201, created
    return created


def test_another_unit_does_not_find_an_item_its_own_unit_and_the_leadership_do(api, staff, citizen):
    # Given an environment item sent by a citizen
    token, _ = citizen
    item = submit(api, token, "scope-env-1", ENVIRONMENT_ITEM)
    assert item["unit"] == "environment"
    # When the police read it, they find nothing: 404 in Vietnamese first, as for an id that does not exist
    status, error = call(api, "GET", f"/feedback/{item['id']}", token=staff[Role.POLICE])
    assert status == 404
    assert error["error"]["message"] == NOT_FOUND and error["error"]["message_en"] == "No such feedback."
    assert call(api, "GET", f"/feedback/{'0' * 32}", token=staff[Role.POLICE])[1] == error
    # Then the environment unit, the office, the leadership and the culture officer (who publishes) read it
    for role in (Role.ENVIRONMENT, Role.OFFICE, Role.ADMIN, Role.CULTURE):
        status, seen = call(api, "GET", f"/feedback/{item['id']}", token=staff[role])
        assert status == 200 and seen["id"] == item["id"], role
    # And the citizen still reads their own
    status, mine = call(api, "GET", f"/feedback/{item['id']}", token=token)
    assert status == 200 and mine["tracking_code"] == item["tracking_code"]


def test_each_role_reads_exactly_the_items_its_inbox_shows(api, staff, citizen):
    # Given one item for each handling unit
    token, _ = citizen
    fields = ["security", "environment", "roads", "health", "education", "public_services"]
    items = [submit(api, token, f"scope-all-{n}", {**NEW, "field_code": f}) for n, f in enumerate(fields)]
    for role, role_token in staff.items():
        # When the role lists its inbox and opens every item one by one
        status, inbox = call(api, "GET", "/staff/feedback", token=role_token)
        assert status == 200
        listed = {i["id"] for i in inbox["items"]}
        readable = {i["id"] for i in items if call(api, "GET", f"/feedback/{i['id']}", token=role_token)[0] == 200}
        # Then it can open exactly what its inbox lists
        assert readable == listed, role
    assert len({i["id"] for i in items}) == 6


def test_a_unit_cannot_comment_on_or_act_on_another_units_item(api, services, settings, staff, citizen):
    token, _ = citizen
    item = submit(api, token, "scope-env-2", ENVIRONMENT_ITEM)
    before = sorted(json.dumps(i, sort_keys=True) for i in table_items(settings))
    # When the police comment on the environment item, or take a step on it
    status, error = call(
        api, "POST", f"/feedback/{item['id']}/comments", {"body": "Công an đã biết"}, staff[Role.POLICE]
    )
    assert status == 404 and error["error"]["message"] == NOT_FOUND
    status, error = act(api, staff[Role.POLICE], item["id"], item["version"], "reject", reason="Không thuộc xã")
    assert status == 404 and error["error"]["message"] == NOT_FOUND
    # Then nothing was written
    assert sorted(json.dumps(i, sort_keys=True) for i in table_items(settings)) == before
    # And the environment unit may comment on its own item
    status, reply = call(
        api, "POST", f"/feedback/{item['id']}/comments", {"body": "Đã ghi nhận"}, staff[Role.ENVIRONMENT]
    )
    assert status == 201, reply


def test_after_a_transfer_the_old_unit_loses_the_item_and_the_new_one_gets_it(api, staff, citizen):
    token, _ = citizen
    item = submit(api, token, "scope-env-3", ENVIRONMENT_ITEM)
    v = act(api, staff[Role.OFFICE], item["id"], item["version"], "assign", unit="environment")[1]["version"]
    # When the environment unit transfers it to the police
    status, moved = act(api, staff[Role.ENVIRONMENT], item["id"], v, "transfer", unit="police")
    assert status == 200 and moved["unit"] == "police"
    # Then the environment unit no longer finds it, and the police do
    assert call(api, "GET", f"/feedback/{item['id']}", token=staff[Role.ENVIRONMENT])[0] == 404
    assert act(api, staff[Role.ENVIRONMENT], item["id"], moved["version"], "start")[0] == 404
    assert call(api, "GET", f"/feedback/{item['id']}", token=staff[Role.POLICE])[0] == 200
    status, started = act(api, staff[Role.POLICE], item["id"], moved["version"], "start")
    assert status == 200 and started["status"] == "in_progress"


def test_a_staff_comment_names_the_unit_that_wrote_it_never_the_person(api, services, clock, staff, citizen):
    # Given a security item (handled by the police) and an environment item
    token, citizen_id = citizen
    security = submit(api, token, "scope-sec-1", {**NEW, "field_code": "security", "title": "Mất trộm xe ở chợ"})
    environment = submit(api, token, "scope-env-4", ENVIRONMENT_ITEM)
    # When the police reply on theirs, and the environment unit and the leadership on the other
    status, police = call(
        api, "POST", f"/feedback/{security['id']}/comments", {"body": "Đã cử người"}, staff[Role.POLICE]
    )
    assert status == 201, police
    assert police["author_unit"] == "police" and police["author_label"] == "Công an xã"
    for role, body in ((Role.ENVIRONMENT, "Đã tiếp nhận"), (Role.ADMIN, "UBND xã theo dõi")):
        clock.advance(seconds=1)  # comments are listed in the order they were written
        status, _ = call(api, "POST", f"/feedback/{environment['id']}/comments", {"body": body}, staff[role])
        assert status == 201
    clock.advance(seconds=1)
    call(api, "POST", f"/feedback/{environment['id']}/comments", {"body": "Cảm ơn xã"}, token)
    # Then the citizen sees each reply under the Vietnamese name of the unit that wrote it
    _, seen = call(api, "GET", f"/feedback/{security['id']}", token=token)
    assert [(c["author_label"], c["body"]) for c in seen["comments"]] == [("Công an xã", "Đã cử người")]
    _, seen = call(api, "GET", f"/feedback/{environment['id']}", token=token)
    assert [(c["author"], c["author_unit"], c["author_label"]) for c in seen["comments"]] == [
        ("commune", "environment", "Địa chính - Môi trường"),
        ("commune", "admin", "Lãnh đạo / quản trị"),
        ("citizen", None, "Người dân"),
    ]
    # And the audit trail records the role each staff member acted as
    comments = [e for e in services.get(audit_repository).all_entries("giao-phong") if e.action == "feedback.comment"]
    assert [e.actor_role for e in comments] == [Role.POLICE, Role.ENVIRONMENT, Role.ADMIN]
    # And no staff member's id (nor the citizen's) is in what the citizen reads of the comments
    text = json.dumps(seen["comments"], ensure_ascii=False)
    assert "author_id" not in text and citizen_id not in text
    assert not [e.actor_id for e in comments if e.actor_id in text]
