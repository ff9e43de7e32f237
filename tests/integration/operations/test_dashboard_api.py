"""The dashboard payload over HTTP on moto: counts that match the seeded data, the hall screen's projection, who may
read which, and every DynamoDB call by key or index (no Scan)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from smartcommune.core.contracts import VN_TZ, Role
from tests.support.identities import auth, ensure_demo_communes, staff_token


def _citizen(n: int, birth: date | None, hamlet: str, cccd: str | None = None) -> Any:
    from smartcommune.citizens.contracts import Citizen

    at = datetime(2026, 1, 1, tzinfo=UTC)
    return Citizen(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"dash-{n}").hex,
        commune_id="giao-phong",
        phone=f"+8491{n:07d}",
        full_name=f"Người Thử {n}",
        hamlet_id=hamlet,
        birth_date=birth,
        cccd=cccd,
        created_at=at,
        updated_at=at,
        created_by="test",
    )


@pytest.fixture
def world(api, services):
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.communes.wiring import commune_repository
    from smartcommune_local.demo_feedback import seed_feedback
    from smartcommune_local.devices_demo import seed_devices

    ensure_demo_communes(services)
    # Given a register: two children born 2021 (grade 1 in 2027), a man born 2009 (18 in 2027) by his CCCD alone,
    # three people over 60 of whom one over 80, and one entry without any birth information
    people = [
        _citizen(1, date(2021, 3, 2), "dong-thanh"),
        _citizen(2, date(2021, 9, 30), "tay-son"),
        _citizen(3, None, "tay-son", cccd="036209123456"),
        _citizen(4, date(1950, 1, 1), "dong-thanh"),
        _citizen(5, date(1961, 6, 1), "bac-hai"),
        _citizen(6, date(1940, 2, 2), "bac-hai"),
        _citizen(7, None, "nam-phong"),
        _citizen(8, date(1990, 5, 5), "nam-phong"),
    ]
    services.get(citizen_repository).create_many(people)
    commune = services.get(commune_repository).get("giao-phong")
    seed_feedback(services, commune, count=40, phones=[p.phone for p in people[:4]], days=100)
    seed_devices(services)
    return {"admin": staff_token(services, Role.ADMIN), "office": staff_token(services, Role.OFFICE)}


def _get(api, path: str, token: str | None = None) -> tuple[int, Any]:
    headers = auth(token) if token else {}
    response = api.http.get(path, headers=headers)
    return response.status_code, json.loads(response.body)


def _metrics(payload: dict[str, Any], tile: str) -> dict[str, Any]:
    found = next(t for t in payload["tiles"] if t["name"] == tile)
    return {m["key"]: m["value"] for m in found["metrics"]}


def _feedback_truth(services) -> dict[str, Any]:
    """What the seeded feedback items say, counted item by item (not from the counters the tile reads)."""
    from smartcommune.feedback.contracts.records import OPEN_STATUSES
    from smartcommune.feedback.wiring import feedback_repository

    items = services.get(feedback_repository).between("giao-phong", None, None, 1000)
    now = services.clock()
    start = now.astimezone(VN_TZ).date() - timedelta(days=29)
    recent = [i for i in items if i.created_at.astimezone(VN_TZ).date() >= start]
    return {
        "open": sum(1 for i in items if i.status in OPEN_STATUSES),
        "overdue": sum(1 for i in items if i.status in OPEN_STATUSES and i.deadline_at < now),
        "received_30d": len(recent),
    }


def _satisfaction_truth(services) -> dict[str, list[Any]]:
    """Per handling unit: ratings, mean stars, share of 4-5 stars, from the rated items of the last 90 days."""
    from smartcommune.core.contracts import ROLE_LABELS_VI
    from smartcommune.feedback.wiring import feedback_repository

    today = services.clock().astimezone(VN_TZ).date()
    stars: dict[str, list[int]] = {}
    for item in services.get(feedback_repository).between("giao-phong", None, None, 1000):
        if item.rating and (today - item.rating.at.astimezone(VN_TZ).date()).days < 90:
            stars.setdefault(ROLE_LABELS_VI[Role(item.unit)], []).append(item.rating.stars)
    return {
        label: [len(s), round(sum(s) / len(s), 2), round(sum(1 for x in s if x >= 4) / len(s) * 100)]
        for label, s in stars.items()
    }


def test_the_staff_dashboard_counts_what_was_seeded(api, services, world):
    from smartcommune.communes.wiring import commune_repository

    # When the chairman opens the dashboard
    status, payload = _get(api, "/dashboard", world["admin"])
    # Then the feedback tile counts the items as they are
    assert status == 200, payload
    truth = _feedback_truth(services)
    feedback = _metrics(payload, "feedback")
    assert (feedback["open"], feedback["overdue"], feedback["received_30d"]) == (
        truth["open"],
        truth["overdue"],
        truth["received_30d"],
    )
    assert truth["received_30d"] > 0 and feedback["ratings_30d"] >= 0
    tile = next(t for t in payload["tiles"] if t["name"] == "feedback")
    assert [d["key"] for d in tile["drill"]] == ["by_field", "by_unit"]
    # And satisfaction by unit (from the day counters) is what the rated items of 90 days say, item by item
    by_unit = {row[0]: row[1:] for row in tile["drill"][1]["rows"]}
    assert by_unit == _satisfaction_truth(services), by_unit
    assert by_unit, "the demo feedback has rated items"
    # And the loudspeakers' tile has Giao Phong's 40 speakers (none has reported yet) and a marker per cluster
    speakers = _metrics(payload, "loudspeakers")
    assert (speakers["online"], speakers["programs_today"]) == (0, 0)
    assert next(m for m in payload["tiles"][1]["metrics"] if m["key"] == "online")["unit"] == "/40"
    assert len([m for m in payload["markers"] if m["kind"] == "speaker"]) == 20
    # And the forecasts come from the register, with their method stated
    f = payload["forecasts"]
    assert (f["people_counted"], f["people_without_birth"]) == (7, 1)
    entry = {y["year"]: y for y in f["school_entry"]}
    assert entry[2027]["children"] == 2 and entry[2027]["classes"] == 1 and entry[2027]["teachers"] == 2
    assert entry[2027]["source"] == "register"
    assert {y["year"]: y["count"] for y in f["conscription"]}[2027] == 1
    assert (f["elderly"]["aged_60_plus"], f["elderly"]["aged_80_plus"]) == (3, 1)
    assert f["elderly"]["by_hamlet"] == {"bac-hai": 2, "dong-thanh": 1}
    assert "Y − 6" in f["methods_vi"]["school_entry"] and "35" in f["methods_vi"]["school_entry"]
    # And capabilities not installed on this deployment simply have no tile
    names = [t["name"] for t in payload["tiles"]]
    assert set(names) | set(payload["missing_tiles"]) >= {"feedback", "loudspeakers", "health"}
    assert not set(names) & set(payload["missing_tiles"])
    assert payload["hamlets"] == {h.id: h.name for h in services.get(commune_repository).get("giao-phong").hamlets}


def test_the_hall_screen_shows_counts_only(api, world):
    status, staff = _get(api, "/dashboard", world["office"])
    assert status == 200
    # When the hall screen (nobody signed in) asks for Giao Phong's dashboard
    status, public = _get(api, "/communes/giao-phong/dashboard")
    # Then it has the same counts, but no drill-down, links or warning details
    assert status == 200 and public["audience"] == "public"
    assert _metrics(public, "feedback")["open"] == _metrics(staff, "feedback")["open"]
    assert all(t["drill"] == [] and t["link"] is None for t in public["tiles"])
    assert public["warnings"]["items"] == []
    assert all(m["kind"] not in {"warning", "feedback"} for m in public["markers"])
    assert _get(api, "/communes/khong-co/dashboard")[0] == 404


def test_only_leadership_and_the_office_read_the_staff_dashboard(api, services, world):
    for role in (Role.POLICE, Role.HEALTH, Role.CULTURE):
        assert _get(api, "/dashboard", staff_token(services, role))[0] == 403
    assert _get(api, "/dashboard")[0] == 401


def test_the_payload_reads_by_key_and_index_only(services, world):
    from bench.dynamodb_calls import CallCounter
    from smartcommune.operations.wiring import dashboard_service

    service = services.get(dashboard_service)
    service.payload("giao-phong", "staff")  # warm: factories built, commune profile cached where it is
    with CallCounter() as counter:
        payload = service.payload("giao-phong", "staff")
    assert payload is not None
    assert counter.scans() == 0
    operations = {op for (svc, op) in counter.calls if svc == "dynamodb"}
    # reads by key or index; the one write is reporting's snapshot of this month's scorecard
    assert operations <= {"GetItem", "Query", "BatchGetItem", "PutItem"}, operations
    assert counter.calls[("dynamodb", "PutItem")] <= 1
    assert counter.dynamodb() <= 80, counter.calls  # about 60: most are the scorecard's providers


def test_the_scorecard_lists_every_criterion_with_its_source_and_history(api, services, world):
    from smartcommune.reporting.wiring import scorecards

    status, payload = _get(api, "/dashboard", world["admin"])
    assert status == 200
    card = payload["scorecard"]
    truth = services.get(scorecards).scorecard("giao-phong")
    # Then every criterion is there with the reporting capability's value, target, met and source
    assert [c["code"] for c in card["criteria"]] == [c.code for c in truth.criteria]
    by_code = {c["code"]: c for c in card["criteria"]}
    for score in truth.criteria:
        row = by_code[score.code]
        assert (row["value"], row["met"], row["target_text"], row["source"]) == (
            score.value,
            score.met,
            score.target_text,
            score.source,
        )
        assert row["source_detail_vi"]
    assert card["met"] == truth.met_count and card["total"] == truth.total
    # And one criterion's history has a point per month, this month last
    status, history = _get(api, "/dashboard/criteria/1.2/history?months=3", world["office"])
    assert status == 200, history
    months = [p["month"] for p in history["points"]]
    assert months and set(months) <= {"2026-09", "2026-10", "2026-11"} and months == sorted(months)
    assert months[-1] == "2026-11" and history["points"][-1]["value"] == by_code["1.2"]["value"]
    assert _get(api, "/communes/giao-phong/dashboard/criteria/1.2/history?months=2")[0] == 200
    assert _get(api, "/dashboard/criteria/99.9/history", world["office"])[0] == 404


def test_forecasts_count_the_population_register_when_it_holds_residents(api, services, world):
    # Given the office writes a household with a child born 2021 and a grandmother born 1944 into the register
    body = {
        "id": "hk-0001",
        "hamlet_id": "xom-1",
        "address": "Số 1, Xóm 1",
        "residents": [
            {"full_name": "Trần Văn Hải", "birth_date": "1985-04-02", "sex": "male", "relation": "head"},
            {"full_name": "Trần Minh Khôi", "birth_date": "2021-07-09", "sex": "male", "relation": "child"},
            {"full_name": "Lê Thị Tẹo", "birth_date": "1944-01-20", "sex": "female", "relation": "parent"},
        ],
    }
    response = api.http.post("/population/households", headers=auth(world["office"]), body=json.dumps(body))
    assert response.status_code == 201, response.body
    # When the chairman opens the dashboard (a fresh service: the register is read anew)
    from smartcommune.core.services import Services
    from smartcommune.operations.wiring import dashboard_service

    fresh = Services(services.settings, clock=services.clock)
    payload = fresh.get(dashboard_service).payload("giao-phong", "staff")
    # Then the forecasts count the register's three residents, and say so
    f = payload.forecasts
    assert f.people_counted == 3
    assert {y.year: y.children for y in f.school_entry}[2027] == 1
    assert (f.elderly.aged_60_plus, f.elderly.aged_80_plus) == (1, 1)
    assert "sổ đăng ký dân cư" in f.methods_vi["school_entry"]
