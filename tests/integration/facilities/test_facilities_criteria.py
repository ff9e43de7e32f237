"""The facilities in the criteria scorecard and on the operations dashboard, on moto: 4.3 computed from the wifi
register, 10.1 and 10.2 from the schools' latest years; the wifi, schools and socio-economic indicators tiles with
the figures the registers hold, their markers on the hamlet map, and the hall screen's counts-only projection."""

from __future__ import annotations

from smartcommune.core.contracts import Role
from tests.integration.facilities.support import call, point, school, year

HAMLETS = ("xom-1", "xom-2", "xom-3", "xom-4", "xom-5")


def _score(services, code: str):
    from smartcommune.reporting.wiring import scorecards

    card = services.get(scorecards).scorecard("giao-phong")
    return next(c for c in card.criteria if c.code == code)


def _wifi(api, token: str) -> list[dict]:
    """The public places' points, Xóm 5's out of service, and a school's point."""
    bodies = [
        point("Wifi Bộ phận Một cửa UBND xã", "one_stop_office"),
        point("Wifi Trạm y tế xã", "health_station"),
        *(point(f"Wifi Nhà văn hóa Xóm {n}", "cultural_house", h) for n, h in enumerate(HAMLETS[:4], start=1)),
        point("Wifi Nhà văn hóa Xóm 5", "cultural_house", "xom-5", status="out_of_service", status_note="Hỏng"),
        point("Wifi Trường THCS", "school", "xom-5"),
    ]
    made = []
    for body in bodies:
        status, answer = call(api, "POST", "/facilities/wifi", body, token)
        assert status == 201, answer
        made.append(answer)
    return made


def _schools(api, token: str, equipment: tuple[bool, bool, bool] = (True, True, True)) -> list[dict]:
    made = []
    levels = (
        ("Trường Mầm non Giao Phong", "mam_non", 305, 11, 23),
        ("Trường Tiểu học Giao Phong", "tieu_hoc", 562, 18, 30),
    )
    for (name, level, pupils, classes, teachers), has in zip(
        (*levels, ("Trường THCS Giao Phong", "thcs", 437, 12, 27)), equipment, strict=True
    ):
        _, made_school = call(api, "POST", "/facilities/schools", school(name, level, "xom-3"), token)
        path = f"/facilities/schools/{made_school['id']}/years"
        status, entered = call(api, "POST", path, year("2026-2027", pupils, classes, teachers, 1, equipment=has), token)
        assert status == 200, entered
        made.append(entered)
    return made


def test_criterion_4_3_is_computed_from_the_wifi_register(api, services, staff):
    # Given no point registered, the platform does not hold the figure: the scorecard asks for an entry
    assert _score(services, "4.3").source == "missing"
    # When the culture officer registers the points, one cultural house out of service
    _wifi(api, staff[Role.CULTURE])
    # Then 4.3 is 6 of 7 public places, computed, not met, and says which place lacks it
    score = _score(services, "4.3")
    assert (score.value, score.source, score.met) == (85.7, "computed", False)
    assert "6/7" in score.source_detail_vi and "Nhà văn hóa Xóm 5" in score.source_detail_vi
    assert score.evidence == "GET /communes/giao-phong/facilities/wifi"
    # And a value entered by hand does not override the register's
    entered = {"code": "4.3", "period": "2026-11", "value": 100, "evidence": "Báo cáo cũ"}
    assert call(api, "POST", "/reporting/values", entered, staff[Role.OFFICE])[0] == 201
    assert _score(services, "4.3").value == 85.7


def test_criteria_10_1_and_10_2_are_met_when_every_school_has_it(api, services, staff):
    assert _score(services, "10.1").source == "missing"
    # Given three schools, all with management software, the kindergarten without digital teaching equipment
    _schools(api, staff[Role.SCHOOL], equipment=(False, True, True))
    # Then 10.1 is met and 10.2 is not, both computed from the 2026-2027 figures
    management, teaching = _score(services, "10.1"), _score(services, "10.2")
    assert (management.value, management.met, management.source) == (1.0, True, "computed")
    assert (teaching.value, teaching.met) == (0.0, False)
    assert "3/3" in management.source_detail_vi and "2/3" in teaching.source_detail_vi
    assert "2026-2027" in teaching.source_detail_vi


def test_the_dashboard_shows_wifi_schools_and_indicators_as_the_registers_hold_them(api, services, staff):
    from smartcommune.facilities.wiring import facilities_summary

    points = _wifi(api, staff[Role.CULTURE])
    _schools(api, staff[Role.SCHOOL])
    # Given the office entered last year's population, households and poverty rate
    for code, value in (("T01", 6835), ("T02", 2467), ("T03", 1.14)):
        body = {"code": code, "period": "2025", "value": value, "evidence": "Biểu tổng hợp năm 2025"}
        assert call(api, "POST", "/reporting/values", body, staff[Role.OFFICE])[0] == 201
    # When the chairman opens the dashboard
    status, payload = call(api, "GET", "/dashboard", token=staff[Role.ADMIN])
    assert status == 200, payload
    tiles = {t["name"]: t for t in payload["tiles"]}
    assert {"wifi", "schools", "indicators"} <= set(tiles) and not {"wifi", "schools"} & set(payload["missing_tiles"])
    metrics = {name: {m["key"]: m for m in tile["metrics"]} for name, tile in tiles.items()}
    # Then the wifi tile counts the points as registered, with the coverage of 4.3
    wifi = metrics["wifi"]
    assert (wifi["in_service"]["value"], wifi["in_service"]["unit"]) == (7, "/8")
    assert wifi["out_of_service"]["value"] == 1 and wifi["out_of_service"]["tone"] == "bad"
    assert (wifi["coverage_pct"]["value"], wifi["public_places_covered"]["unit"]) == (85.7, "/7")
    assert tiles["wifi"]["title_vi"] == "Wifi công cộng miễn phí"
    drill = {d["key"]: d for d in tiles["wifi"]["drill"]}
    assert len(drill["points"]["rows"]) == 8 and drill["uncovered"]["rows"] == [["Nhà văn hóa Xóm 5"]]
    assert any(row[5] == "Ngừng hoạt động" and row[7] == "Hỏng" for row in drill["points"]["rows"])
    # And the schools tile adds up the year, beside the forecast of next September's grade-1 entry
    schools = metrics["schools"]
    assert (schools["schools"]["value"], schools["pupils"]["value"]) == (3, 1304)
    assert (schools["classes"]["value"], schools["teachers"]["value"]) == (41, 80)
    assert "2026-2027" in schools["pupils"]["label_vi"]
    assert schools["with_management_software"]["value"] == 3 and schools["with_management_software"]["tone"] == "ok"
    entry = {y["year"]: y for y in payload["forecasts"]["school_entry"]}[2027]
    assert (schools["next_entry_children"]["value"], schools["next_entry_classes"]["value"]) == (
        entry["children"],
        entry["classes"],
    )
    assert "9/2027" in schools["next_entry_children"]["label_vi"]
    # And the indicators tile has the latest values with their period and source
    t01 = metrics["indicators"]["T01"]
    assert (t01["value"], t01["label_vi"]) == (6835, "Dân số trung bình (2025)")
    assert (metrics["indicators"]["T03"]["value"], metrics["indicators"]["T03"]["unit"]) == (1.14, "%")
    rows = {row[0]: row for row in tiles["indicators"]["drill"][0]["rows"]}
    assert rows["T02"][2:5] == [2467, "", "2025"] and "Cán bộ nhập" in rows["T02"][5]
    # And every wifi point and school is on the map, a point out of service marked so
    wifi_markers = [m for m in payload["markers"] if m["kind"] == "wifi"]
    assert len(wifi_markers) == len(points) and sum(1 for m in wifi_markers if m["tone"] == "bad") == 1
    assert len([m for m in payload["markers"] if m["kind"] == "school"]) == 3
    # And the scorecard on the dashboard has 4.3 as computed
    card = {c["code"]: c for c in payload["scorecard"]["criteria"]}
    assert (card["4.3"]["value"], card["4.3"]["source"]) == (85.7, "computed")
    assert services.get(facilities_summary).wifi("giao-phong").coverage_pct == card["4.3"]["value"]


def test_the_hall_screen_shows_the_counts_and_the_map_without_the_registers_details(api, staff):
    _wifi(api, staff[Role.CULTURE])
    _schools(api, staff[Role.SCHOOL])
    status, public = call(api, "GET", "/communes/giao-phong/dashboard")
    assert status == 200
    tiles = {t["name"]: t for t in public["tiles"]}
    assert all(tiles[n]["drill"] == [] and tiles[n]["link"] is None for n in ("wifi", "schools", "indicators"))
    assert {m["key"]: m["value"] for m in tiles["wifi"]["metrics"]}["in_service"] == 7
    assert {m["key"]: m["value"] for m in tiles["schools"]["metrics"]}["pupils"] == 1304
    assert len([m for m in public["markers"] if m["kind"] in {"wifi", "school"}]) == 11
    assert "Hỏng" not in str(public)
