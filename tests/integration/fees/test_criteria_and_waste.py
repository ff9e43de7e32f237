"""Criteria 8.1 and 8.2 from the ledger, and waste collection: routes, changes announced as a bulletin draft,
public schedules and iCalendar feeds (parsed with the icalendar library), missed collections as feedback."""

from __future__ import annotations

import icalendar

from smartcommune.core.contracts import VN_TZ, Role
from tests.support.identities import staff_token


def test_criteria_count_households_paying_online_by_fee_and_businesses_accepting_it(fees):
    fees.generate("2026-11")
    mine, theirs = fees.invoices()[0], fees.invoices(fees.neighbour)[0]
    fees.provider.pay(mine["reference"], 30000)
    cash = {"amount_vnd": 30000, "payer_name": "Trần Thị Bình", "slip_no": "PT-1"}
    fees.ok("POST", f"/fees/invoices/{theirs['reference']}/cash", fees.office, cash)
    for name, methods in (("Tạp hóa A", ["cash", "vietqr"]), ("Chả cá B", ["cash"]), ("Homestay C", ["card"])):
        body = {"name": name, "hamlet_id": "xom-1", "kind": "dịch vụ", "payment_methods": methods}
        fees.ok("POST", "/fees/businesses", fees.office, body)
    report = fees.ok("GET", "/fees/criteria", fees.office)
    assert report["c81_by_fee"] == [
        {"fee_code": "waste", "households_billed": 2, "households_paying_online": 1, "share": 0.5}
    ]
    assert report["c81_share"] == 0.5 and report["c81_target"] == 0.5
    assert (report["c82_businesses"], report["c82_online"], report["c82_share"]) == (3, 2, 0.6667)
    assert fees.call("GET", "/fees/criteria", fees.citizen)[0] == 403


ROUTES = [
    {"id": "xom-1-truc", "hamlet_id": "xom-1", "name": "Đường trục Xóm 1", "streets": "Trục chính, nhà văn hóa",
     "weekdays": [0, 3], "start": "06:00", "end": "07:30"},
    {"id": "xom-2-truc", "hamlet_id": "xom-2", "name": "Đường trục Xóm 2", "weekdays": [1], "start": "15:00",
     "end": "16:30"},
]  # fmt: skip


def _day(event) -> str:
    """The event's day in Vietnam (the feed gives UTC: 06:00 in Vietnam is 23:00 the day before)."""
    return event.decoded("DTSTART").astimezone(VN_TZ).date().isoformat()


def test_every_hamlet_has_a_feed_that_parses_and_shows_changes(fees):
    for route in ROUTES:
        fees.ok("PUT", "/waste/routes", fees.office, route)
    bad = {**ROUTES[0], "start": "08:00", "end": "07:00"}
    assert fees.call("PUT", "/waste/routes", fees.office, bad)[0] == 422
    # Thursday 03/12/2026 moves to Saturday 05/12 in Xóm 1 (no announcement: that is the next test)
    change = {"hamlet_id": "xom-1", "day": "2026-12-03", "moved_to": "2026-12-05", "reason": "Xe bảo dưỡng",
              "announce": False}  # fmt: skip
    fees.ok("POST", "/waste/changes", fees.office, change)
    listing = fees.ok("GET", "/public/waste/calendars?commune_id=giao-phong")["items"]
    assert [x["hamlet"] for x in listing] == [f"xom-{n}" for n in range(1, 6)]
    assert listing[0]["name"] == "Lịch thu gom rác Xóm 1, Xã Giao Phong"
    assert all(x["url"].endswith(f"/public/waste/giao-phong/{x['hamlet']}/calendar.ics") for x in listing)
    every = fees.ok("GET", "/public/waste/calendars")["items"]  # no commune named: every commune's hamlets
    assert {x["commune_id"] for x in every} == {"giao-phong", "bach-long"}
    for link in listing:
        path = link["url"][link["url"].index("/public/") :]
        status, body = fees.call("GET", path)
        assert status == 200
        calendar = icalendar.Calendar.from_ical(body)
        events = list(calendar.walk("VEVENT"))
        if link["hamlet"] == "xom-1":
            starts = [_day(e) for e in events]
            assert "2026-12-05" in starts and "2026-12-03" not in starts
            moved = next(e for e in events if _day(e) == "2026-12-05")
            assert "Xe bảo dưỡng" in str(moved["DESCRIPTION"])
            # Tết 2027 is within the feed's 120 days: Monday 08/02 (mùng 3 Tết) moves to Tuesday 09/02
            assert "2027-02-09" in starts and "2027-02-08" not in starts
        elif link["hamlet"] == "xom-2":
            assert events and all(e.decoded("DTSTART").astimezone(VN_TZ).weekday() == 1 for e in events)
        else:
            assert events == []
    page = fees.ok("GET", "/public/waste/giao-phong/xom-1")
    assert page["hamlet_name"] == "Xóm 1" and [r["id"] for r in page["routes"]] == ["xom-1-truc"]
    assert page["upcoming"][0]["day"] == "2026-11-30"
    assert fees.call("GET", "/public/waste/giao-phong/xom-9/calendar.ics")[0] == 404


def test_a_change_is_announced_as_a_bulletin_draft_for_the_chairman(fees):
    fees.ok("PUT", "/waste/routes", fees.office, ROUTES[0])
    change = {"hamlet_id": "xom-1", "day": "2026-12-07", "reason": "Mưa bão, đường ngập"}
    result = fees.ok("POST", "/waste/changes", fees.office, change)
    assert result["bulletin_status"] == "draft" and result["change"]["bulletin_id"] == result["bulletin_id"]
    admin = staff_token(fees.services, Role.ADMIN)
    bulletin = fees.ok("GET", f"/bulletins/{result['bulletin_id']}", admin)
    assert bulletin["category"] == "Env" and bulletin["target"]["hamlets"] == ["xom-1"]
    assert "07/12/2026" in bulletin["text"] and "tạm ngừng" in bulletin["text"]
    feed = fees.ok("GET", "/public/waste/giao-phong/xom-1")["upcoming"]
    assert "2026-12-07" not in [c["day"] for c in feed]


def test_a_missed_collection_becomes_environment_feedback_once(fees):
    report = {"hamlet_id": "xom-1", "day": "2026-11-26", "details": "Rác để hai ngày chưa ai thu."}
    first = fees.ok("POST", "/waste/missed", fees.citizen, report)
    again = fees.ok("POST", "/waste/missed", fees.citizen, report)
    assert first["id"] == again["id"] and first["field_code"] == "environment"
    assert "26/11/2026" in first["title"] and "Rác để hai ngày" in first["description"]
    environment = staff_token(fees.services, Role.ENVIRONMENT)
    inbox = fees.ok("GET", "/staff/feedback?limit=20", environment)["items"]
    assert [i["id"] for i in inbox] == [first["id"]]
    assert fees.call("POST", "/waste/missed", fees.citizen, {**report, "day": "2026-12-30"})[0] == 422
