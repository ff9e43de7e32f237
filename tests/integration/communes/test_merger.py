"""A merger of the demo's two communes' worth of data on moto: nothing lost, nothing broken, nothing rewritten."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from smartcommune.audit.contracts import AuditRecord
from smartcommune.audit.wiring import audit_repository, audit_verifier
from smartcommune.communes.contracts import MergeRequest
from smartcommune.communes.wiring import commune_repository
from smartcommune.composition import commune_merger
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError
from smartcommune.feedback.wiring import open311_key_repository
from smartcommune_local import demo_data
from tests.support.identities import DEMO_PASSWORD, auth, citizen_token, staff_token
from tests.support.sms import latest_code

EVENTS = Path(__file__).resolve().parents[3] / "events" / "open311"

OLD = ["giao-phong", "bach-long"]
REQUEST = MergeRequest(
    new_id="giao-thuy-moi",
    name="Xã Giao Thủy Mới",
    province_id="ninh-binh",
    province="Tỉnh Ninh Bình",
    effective=dt.date(2025, 7, 1),
    old_ids=OLD,
)


class Interrupted(Exception):
    """Stands for the process being killed between two batches."""


def _scan(settings: Any) -> list[dict[str, Any]]:
    """Every item (a test may scan; the merger never does)."""
    table = boto3.resource("dynamodb", region_name=settings.aws_region).Table(settings.table_name)
    items, start = [], None
    while True:
        page = table.scan(**({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _by_commune(items: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """(commune, type) → count for every commune-keyed item."""
    return Counter((i["PK"].split("#")[1], i["type"]) for i in items if i["PK"].startswith("C#"))


@pytest.fixture
def world(api, services):
    """Both demo communes seeded (staff, citizens, feedback), a session of each kind, an Open311 key, audit."""
    demo_data.seed(services)
    citizen, citizen_id = citizen_token(services, "bach-long")
    staff = staff_token(services, Role.ADMIN, "bach-long", username="bl-merge-admin")
    raw_key, _ = services.get(open311_key_repository).create("giao-phong", "Bản đồ", "admin-1")
    services.get(audit_repository).commit(
        "bach-long",
        AuditRecord(actor_id="x", actor_role=Role.ADMIN, action="citizen.lock", target="citizen/x", after={}),
    )
    posted = api.http.post(
        "/open311/v2/requests.json",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode({**json.loads((EVENTS / "post_request.json").read_text(encoding="utf-8")), "api_key": raw_key}),
    )
    assert posted.status_code == 201, posted.body
    request_id = json.loads(posted.body)[0]["service_request_id"]
    return {
        "citizen": citizen,
        "citizen_id": citizen_id,
        "staff": staff,
        "open311_key": raw_key,
        "open311_request": request_id,
    }


def _sign_in(api, settings, commune_id: str, phone: str) -> dict[str, Any]:
    sent = api.http.post(
        "/auth/otp",
        body=json.dumps({"commune_id": commune_id, "phone": phone}),
        headers={"Content-Type": "application/json"},
    )
    assert sent.status_code in (200, 202), sent.body
    verified = api.http.post(
        "/auth/otp/verify",
        body=json.dumps({"commune_id": commune_id, "phone": phone, "code": latest_code(settings, phone)}),
        headers={"Content-Type": "application/json"},
    )
    assert verified.status_code == 200, verified.body
    return dict(json.loads(verified.body))


def test_every_record_moves_once_and_sessions_links_and_audit_keep_working(api, services, settings, world):
    admins = {c: staff_token(services, Role.ADMIN, c, username=f"stats-{c}") for c in OLD}
    stats_before = {c: json.loads(api.http.get("/staff/feedback/stats", headers=auth(admins[c])).body) for c in OLD}
    inbox_before = {
        c: json.loads(api.http.get("/staff/feedback?limit=1", headers=auth(admins[c])).body)["counts"]["by_status"]
        for c in OLD
    }

    before_items = _scan(settings)
    before = _by_commune(before_items)
    untouched_global = {(i["PK"], i["SK"]) for i in before_items if not i["PK"].startswith("C#")}
    reports_before = {c: services.get(audit_verifier).verify(c) for c in OLD}
    assert all(r.ok and r.entries for r in reports_before.values())
    # When the two communes are merged
    summary = services.get(commune_merger).merge(REQUEST)

    # Then the summary names the new commune, what moved, and that nothing was lost
    assert summary.new_commune == "giao-thuy-moi" and summary.state == "done" and summary.lost == 0
    assert summary.moved["citizen"] == sum(n for (c, t), n in before.items() if t == "citizen")
    assert summary.moved["feedback"] == sum(n for (c, t), n in before.items() if t == "feedback") > 0
    # and the table agrees: every moved type is now under the new commune only, in the same numbers
    after = _by_commune(_scan(settings))
    policies = services.get(commune_merger)._policies
    for (commune, kind), count in before.items():
        if policies[kind] == "move":
            assert after[(commune, kind)] == 0, f"{kind} left behind in {commune}"
        elif policies[kind] == "keep":
            assert after[(commune, kind)] >= count
    for kind in {k for (_c, k) in before if policies[k] == "move"}:
        moved_before = sum(n for (c, k), n in before.items() if k == kind)
        assert after[("giao-thuy-moi", kind)] == moved_before, kind
    assert untouched_global <= {(i["PK"], i["SK"]) for i in _scan(settings)}

    # a citizen's session from before still works, now in the new commune
    me = api.http.get("/me", headers=auth(world["citizen"]))
    assert me.status_code == 200, me.body
    assert json.loads(me.body)["commune_id"] == "giao-thuy-moi"
    # and their address is printed as it is today, with the former one (the unit register's 2025 change)
    address = json.loads(me.body)["unit_address"]
    assert address["current"] == "Xã Giao Bình, Tỉnh Ninh Bình", address
    assert address["former"] == "Xã Bạch Long, Huyện Giao Thủy, Tỉnh Nam Định", address
    # a staff member of an old commune signs in with the same password and sees the old commune's people
    login = api.http.post(
        "/auth/staff/login",
        body=json.dumps({"username": "bl-merge-admin", "password": DEMO_PASSWORD}),
        headers={"Content-Type": "application/json"},
    )
    assert login.status_code == 200, login.body
    token = json.loads(login.body)["token"]
    people = api.http.get("/citizens?q=Th%E1%BB%AD%20Nghi%E1%BB%87m&limit=100", headers=auth(token))
    assert people.status_code == 200 and world["citizen_id"] in people.body.decode()
    # a person is still found by the old commune's name, with or without diacritics
    found = json.loads(api.http.get("/citizens?q=bach%20long&limit=100", headers=auth(token)).body)["items"]
    bach_long_people = demo_data.all_demo_citizens()["bach-long"]
    assert {p["full_name"] for p in found} >= {c.full_name for c in bach_long_people[:5]}
    gp_people = json.loads(api.http.get("/citizens?limit=100", headers=auth(token)).body)["items"]
    assert {p["hamlet_id"] for p in gp_people} & {"dong-thanh"}, "Giao Phong's people are listed too"
    # the new commune's administrator sees who came from where and confirms their roles (audited)
    staff_list = json.loads(api.http.get("/staff", headers=auth(token)).body)["items"]
    mine = next(a for a in staff_list if a["username"] == "bl-merge-admin")
    assert mine["merged_from"] == "bach-long" and mine["roles_review_pending"] is True
    reviewed = api.http.put(
        f"/staff/{mine['id']}/roles", body=json.dumps({"roles": mine["roles"]}), headers=auth(token)
    )
    assert reviewed.status_code == 200, reviewed.body
    staff_list = json.loads(api.http.get("/staff", headers=auth(token)).body)["items"]
    assert next(a for a in staff_list if a["username"] == "bl-merge-admin")["roles_review_pending"] is False
    assert services.get(audit_repository).page("giao-thuy-moi", limit=1).entries[0].action == "staff.roles"
    # statistics carry over: the merged whole back in time, and each former commune on its own
    stats = json.loads(api.http.get("/staff/feedback/stats", headers=auth(token)).body)
    assert stats["received"] == sum(stats_before[c]["received"] for c in OLD) > 0
    former = json.loads(api.http.get("/staff/feedback/stats?former=bach-long", headers=auth(token)).body)
    assert former["received"] == stats_before["bach-long"]["received"]
    by_status = json.loads(api.http.get("/staff/feedback?limit=1", headers=auth(token)).body)["counts"]["by_status"]
    assert by_status == {s: sum(inbox_before[c][s] for c in OLD) for s in by_status}
    # an old commune's public links and Open311 jurisdiction still answer
    assert json.loads(api.http.get("/communes/bach-long").body)["id"] == "giao-thuy-moi"
    services_list = api.http.get("/open311/v2/services.json?jurisdiction_id=giao-phong")
    assert services_list.status_code == 200 and json.loads(services_list.body)
    public = api.http.get("/communes/giao-phong/feedback?limit=5")
    assert public.status_code == 200 and json.loads(public.body)["items"]
    by_id = api.http.get(f"/open311/v2/requests/{world['open311_request']}.json?jurisdiction_id=giao-phong")
    assert by_id.status_code == 200 and json.loads(by_id.body)[0]["service_request_id"] == world["open311_request"]
    # citizens of both old communes sign in with a code, from the old commune's page, into their own account
    for old in OLD:
        person = demo_data.all_demo_citizens()[old][1]
        session = _sign_in(api, settings, old, person.phone)
        assert session["principal"]["commune_id"] == "giao-thuy-moi"
        assert session.get("account_created") is False

    # the old chains are sealed with the merger, the new one starts from their heads, and all of them verify
    verifier = services.get(audit_verifier)
    for old in OLD:
        report = verifier.verify(old)
        assert report.ok and report.entries == reports_before[old].entries + 1
        last = services.get(audit_repository).page(old, limit=1).entries[0]
        assert (last.action, last.after["merged_into"]) == ("commune.merged_into", "giao-thuy-moi")
        assert summary.sealed[old] == report.head_hash
    new_report = verifier.verify("giao-thuy-moi")
    assert new_report.ok
    first = services.get(audit_repository).page("giao-thuy-moi", limit=50).entries[-1]
    assert first.action == "commune.merged_from" and first.after["predecessors"] == summary.sealed
    # a sealed chain takes no more entries
    with pytest.raises(ConflictError):
        services.get(audit_repository).commit(
            "giao-phong",
            AuditRecord(actor_id="x", actor_role=Role.ADMIN, action="citizen.lock", target="citizen/y", after={}),
        )
    # and running the merger again changes nothing
    again = services.get(commune_merger).merge(REQUEST)
    assert again.moved == summary.moved and again.lost == 0


def test_a_merger_killed_half_way_resumes_to_the_same_result(api, services, settings, world):
    before = _by_commune(_scan(settings))
    batches = 0

    def killed_after_three() -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise Interrupted

    # When the merger dies after its third batch
    with pytest.raises(Interrupted):
        services.get(commune_merger).merge(REQUEST, after_batch=killed_after_three)
    # Then some records are in the new commune, some still in the old ones, none in both or lost
    middle = _by_commune(_scan(settings))
    assert sum(n for (c, _k), n in middle.items() if c == "giao-thuy-moi") > 0
    assert sum(middle.values()) == sum(before.values())
    # and the old commune already resolves to the new one (links and sessions do not wait for the end)
    assert services.get(commune_repository).get("bach-long").id == "giao-thuy-moi"

    # When it is run again, it finishes
    summary = services.get(commune_merger).merge(REQUEST)
    assert summary.state == "done" and summary.lost == 0
    moved_kinds = {k for (_c, k) in before if services.get(commune_merger)._policies[k] == "move"}
    after = _by_commune(_scan(settings))
    for kind in moved_kinds:
        assert after[("giao-thuy-moi", kind)] == sum(n for (_c, k), n in before.items() if k == kind), kind
    me = api.http.get("/me", headers=auth(world["citizen"]))
    assert me.status_code == 200


def test_a_merger_killed_half_way_can_be_rolled_back_to_exactly_before(api, services, settings, world):
    before_items = {(i["PK"], i["SK"]): i for i in _scan(settings)}
    calls = 0

    def killed_after_two() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        services.get(commune_merger).merge(REQUEST, after_batch=killed_after_two)

    # When it is rolled back
    summary = services.get(commune_merger).rollback("giao-thuy-moi")

    # Then every record is back where it was, as it was, and the new commune is gone
    assert summary.state == "rolled_back"
    after_items = {(i["PK"], i["SK"]): i for i in _scan(settings)}
    merge_run = [k for k in after_items if k[0].startswith("MERGE#")]
    assert merge_run == [("MERGE#giao-thuy-moi", "RUN")]
    assert {k: v for k, v in after_items.items() if k not in merge_run} == before_items
    assert services.get(commune_repository).get("giao-thuy-moi") is None
    assert services.get(commune_repository).get("bach-long").id == "bach-long"
    me = api.http.get("/me", headers=auth(world["citizen"]))
    assert me.status_code == 200 and json.loads(me.body)["commune_id"] == "bach-long"


def test_records_written_before_the_tenant_index_are_given_their_tenant_once(services, settings):
    # Given a table from before the tenant index: a citizen and a counter without TENANT
    table = boto3.resource("dynamodb", region_name=settings.aws_region).Table(settings.table_name)
    table.put_item(Item={"PK": "C#bach-long#CITIZEN#x", "SK": "PROFILE", "type": "citizen"})
    table.put_item(Item={"PK": "C#giao-phong#FBSEQ", "SK": "Y#2024", "type": "feedback_seq", "seq": 3})
    table.put_item(Item={"PK": "SESSION#abc", "SK": "SESSION", "type": "session"})
    from smartcommune.communes.wiring import tenant_mover

    mover = services.get(tenant_mover)
    # When the backfill runs (twice)
    assert mover.backfill() == 2 and mover.backfill() == 0
    # Then the merger's index finds them under their commune, and a global record has no tenant
    assert mover.count("bach-long") == {"": {"citizen": 1}}
    assert mover.count("giao-phong") == {"": {"feedback_seq": 1}}
    assert "TENANT" not in table.get_item(Key={"PK": "SESSION#abc", "SK": "SESSION"})["Item"]
