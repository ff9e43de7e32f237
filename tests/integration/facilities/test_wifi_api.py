"""The public wifi register through the real app on moto: culture registers points and takes them out of service
with a note; the public sees each point's state and nothing of the staff's bookkeeping; refused input writes
nothing; every change is in the audit trail; the coverage of public places counts free points in service."""

from __future__ import annotations

from smartcommune.core.contracts import Role
from tests.integration.facilities.support import PUBLIC, audit_entries, call, point

HAMLETS = ("xom-1", "xom-2", "xom-3", "xom-4", "xom-5")  # the test commune's hamlets (Xóm 1 … Xóm 5)


def _register_public_places(api, token: str) -> dict[str, dict]:
    """The one-stop office, the health station and a cultural house in every hamlet."""
    made = {}
    for body in (
        point("Wifi Bộ phận Một cửa UBND xã", "one_stop_office", bandwidth_mbps=150),
        point("Wifi Trạm y tế xã", "health_station"),
        *(point(f"Wifi Nhà văn hóa Xóm {n}", "cultural_house", h) for n, h in enumerate(HAMLETS, start=1)),
    ):
        status, answer = call(api, "POST", "/facilities/wifi", body, token)
        assert status == 201, answer
        made[body["name"]] = answer
    return made


def test_culture_registers_points_and_the_public_sees_their_state(api, services, staff):
    # Given the culture officer registers the public places' points and a paid point at the market
    made = _register_public_places(api, staff[Role.CULTURE])
    status, market = call(
        api, "POST", "/facilities/wifi", point("Wifi chợ Giao Phong", "market", free=False), staff[Role.ADMIN]
    )
    assert status == 201 and market["version"] == 1 and market["status"] == "in_service"
    # When anyone reads the public list
    status, public = call(api, "GET", f"{PUBLIC}/wifi")
    # Then every point is there with its kind, hamlet and state in Vietnamese, and nothing of who changed it
    assert status == 200
    assert len(public["items"]) == 8
    house = next(p for p in public["items"] if p["hamlet_id"] == "xom-2")
    assert house["hamlet_name"] == "Xóm 2" and house["place_kind_vi"] == "Nhà văn hóa xóm"
    assert house["status_vi"] == "Đang hoạt động" and house["free"] is True
    assert all("updated_by" not in p and "status_note" not in p and "version" not in p for p in public["items"])
    # And the staff list has each point's version and who registered it
    status, kept = call(api, "GET", "/facilities/wifi", token=staff[Role.CULTURE])
    assert status == 200 and {p["name"] for p in kept["items"]} == {*made, "Wifi chợ Giao Phong"}
    assert all(p["version"] == 1 and p["updated_by"] for p in kept["items"])
    # And the audit trail has each registration
    added = audit_entries(api, staff[Role.ADMIN], "facilities.wifi_added")
    assert len(added) == 8 and {e["actor_role"] for e in added} == {"culture", "admin"}


def test_a_point_out_of_service_has_its_time_and_note_and_lowers_the_coverage(api, services, clock, staff):
    from smartcommune.facilities.wiring import facilities_summary

    made = _register_public_places(api, staff[Role.CULTURE])
    summary = services.get(facilities_summary).wifi("giao-phong")
    # Given every public place has a free point in service: 7 of 7
    assert (summary.public_places, summary.public_places_covered, summary.coverage_pct) == (7, 7, 100.0)
    house = made["Wifi Nhà văn hóa Xóm 3"]
    # When the point of Xóm 3 goes out of service without a reason
    path = f"/facilities/wifi/{house['id']}/status"
    status, answer = call(api, "POST", path, {"status": "out_of_service", "version": 1}, staff[Role.CULTURE])
    # Then it is refused, in Vietnamese first, and nothing changed
    assert status == 422 and answer["error"]["details"][0]["field"] == "note"
    assert "lý do" in answer["error"]["details"][0]["message"]
    # And with a note, an hour later, it is out of service since then
    clock.advance(hours=1)
    change = {"status": "out_of_service", "note": "Mất nguồn điện, đã báo điện lực", "version": 1}
    status, changed = call(api, "POST", path, change, staff[Role.CULTURE])
    assert status == 200, changed
    assert changed["status"] == "out_of_service" and changed["status_note"] == change["note"]
    assert changed["status_since"].startswith(clock.now.isoformat()[:16]) and changed["version"] == 2
    # And the public sees it out of service, since then, without the note
    _, public = call(api, "GET", f"{PUBLIC}/wifi")
    seen = next(p for p in public["items"] if p["id"] == house["id"])
    assert seen["status"] == "out_of_service" and seen["status_vi"] == "Ngừng hoạt động" and "status_note" not in seen
    # And the coverage counts 6 of 7 public places, naming the one without
    summary = services.get(facilities_summary).wifi("giao-phong")
    assert (summary.points, summary.in_service, summary.out_of_service) == (7, 6, 1)
    assert (summary.public_places_covered, summary.coverage_pct) == (6, 85.7)
    assert summary.uncovered == ["Nhà văn hóa Xóm 3"]
    # And the audit trail has the change, as it was and as it is
    [entry] = audit_entries(api, staff[Role.ADMIN], "facilities.wifi_status_changed")
    assert entry["before"]["status"] == "in_service" and entry["after"]["status"] == "out_of_service"
    assert entry["target"] == f"wifi/{house['id']}"


def test_a_paid_point_or_one_out_of_service_does_not_cover_a_place(api, services, staff):
    from smartcommune.facilities.wiring import facilities_summary

    # Given the health station's only point is paid, and the one-stop office's is registered out of service
    for body in (
        point("Wifi Trạm y tế (thu phí)", "health_station", free=False),
        point("Wifi Một cửa", "one_stop_office", status="out_of_service", status_note="Chờ nhà mạng kéo cáp"),
        point("Wifi Nhà văn hóa Xóm 1", "cultural_house", "xom-1"),
    ):
        assert call(api, "POST", "/facilities/wifi", body, staff[Role.CULTURE])[0] == 201
    # Then only Xóm 1's cultural house is covered: 1 of 7
    summary = services.get(facilities_summary).wifi("giao-phong")
    assert (summary.public_places_covered, summary.public_places, summary.coverage_pct) == (1, 7, 14.3)
    assert "Trạm y tế xã" in summary.uncovered and "Bộ phận Một cửa UBND xã" in summary.uncovered
    one_stop = next(i for i in summary.items if i.place_kind == "one_stop_office")
    assert one_stop.status == "out_of_service" and one_stop.status_note == "Chờ nhà mạng kéo cáp"


def test_invalid_points_are_refused_in_vietnamese_and_write_nothing(api, services, staff):
    token = staff[Role.CULTURE]
    before = len(audit_entries(api, staff[Role.ADMIN], "facilities."))
    cases = [
        (point("Wifi âm", "cultural_house", "xom-1", bandwidth_mbps=-5), "bandwidth_mbps", "lớn hơn 0"),
        (point("Wifi lạ", "spaceport"), "place_kind", "Chỉ nhận một trong các giá trị"),
        (point("Wifi không xóm", "cultural_house"), "hamlet_id", "cần ghi rõ xóm"),
        (point("Wifi xóm lạ", "cultural_house", "xom-99"), "hamlet_id", "Xóm không thuộc xã"),
        ({**point("Wifi thừa", "market"), "mac_addresses": []}, "mac_addresses", "không được phép"),
    ]
    for body, field, words in cases:
        status, answer = call(api, "POST", "/facilities/wifi", body, token)
        assert status == 422, (body, answer)
        problem = next(p for p in answer["error"]["details"] if p["field"] == field)
        assert words in problem["message"] and problem["message_en"], problem
    # And nothing was written: no point, no audit entry
    assert call(api, "GET", "/facilities/wifi", token=token)[1]["items"] == []
    assert len(audit_entries(api, staff[Role.ADMIN], "facilities.")) == before


def test_a_change_on_a_stale_version_is_refused_and_changes_nothing(api, staff):
    token = staff[Role.CULTURE]
    _, made = call(api, "POST", "/facilities/wifi", point("Wifi Nhà văn hóa Xóm 1", "cultural_house", "xom-1"), token)
    body = {**point("Wifi Nhà văn hóa Xóm 1", "cultural_house", "xom-1", bandwidth_mbps=300), "version": 1}
    status, changed = call(api, "PUT", f"/facilities/wifi/{made['id']}", body, token)
    assert status == 200 and changed["bandwidth_mbps"] == 300 and changed["version"] == 2
    # When someone still holding version 1 changes it again
    status, answer = call(api, "PUT", f"/facilities/wifi/{made['id']}", {**body, "bandwidth_mbps": 50}, token)
    # Then it is refused and the point keeps the newer change
    assert status == 409 and "thay đổi" in answer["error"]["message"]
    _, kept = call(api, "GET", "/facilities/wifi", token=token)
    assert [(p["bandwidth_mbps"], p["version"]) for p in kept["items"]] == [(300, 2)]
    [entry] = audit_entries(api, staff[Role.ADMIN], "facilities.wifi_changed")
    assert (entry["before"]["bandwidth_mbps"], entry["after"]["bandwidth_mbps"]) == (100, 300)


def test_a_retried_registration_makes_one_point_and_other_roles_are_refused(api, staff):
    body = point("Wifi Trạm y tế xã", "health_station")
    key = {"Idempotency-Key": "wifi-tram-y-te-0001"}
    first = call(api, "POST", "/facilities/wifi", body, staff[Role.CULTURE], **key)
    again = call(api, "POST", "/facilities/wifi", body, staff[Role.CULTURE], **key)
    assert first[0] == again[0] == 201 and first[1]["id"] == again[1]["id"]
    assert len(call(api, "GET", "/facilities/wifi", token=staff[Role.CULTURE])[1]["items"]) == 1
    assert call(api, "POST", "/facilities/wifi", body, staff[Role.POLICE])[0] == 403
    assert call(api, "GET", "/facilities/wifi", token=staff[Role.SCHOOL])[0] == 403
    assert call(api, "GET", "/communes/khong-co/facilities/wifi")[0] == 404
