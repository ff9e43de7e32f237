"""The schools through the real app on moto: a school registers, enters a school year's figures and corrects them;
figures that cannot be (more classes than pupils, a school year written wrong, negative counts) are refused in
Vietnamese and write nothing; every entry is audited; the summary adds up the latest year."""

from __future__ import annotations

from smartcommune.core.contracts import Role
from tests.integration.facilities.support import PUBLIC, audit_entries, call, school, year


def _schools(api, token: str) -> dict[str, dict]:
    made = {}
    for body in (
        school("Trường Mầm non Giao Phong", "mam_non", "xom-2"),
        school("Trường Tiểu học Giao Phong", "tieu_hoc", "xom-3"),
        school("Trường THCS Giao Phong", "thcs", "xom-5"),
    ):
        status, answer = call(api, "POST", "/facilities/schools", body, token)
        assert status == 201, answer
        made[body["level"]] = answer
    return made


def test_a_school_enters_its_year_and_corrects_it_with_an_audit_entry_each(api, staff):
    token = staff[Role.SCHOOL]
    made = _schools(api, token)
    primary = made["tieu_hoc"]
    path = f"/facilities/schools/{primary['id']}/years"
    # When the primary school enters 2026-2027
    status, entered = call(api, "POST", path, year("2026-2027", 562, 18, 30, primary["version"]), token)
    assert status == 200, entered
    assert [y["school_year"] for y in entered["years"]] == ["2026-2027"] and entered["version"] == 2
    # And then last year's figures, and a correction of this year's (one more pupil)
    _, entered = call(api, "POST", path, year("2025-2026", 571, 19, 31, 2, equipment=False), token)
    status, corrected = call(api, "POST", path, year("2026-2027", 563, 18, 30, 3), token)
    # Then the school has both years, oldest first, this year's as corrected
    assert status == 200
    assert [(y["school_year"], y["pupils"]) for y in corrected["years"]] == [("2025-2026", 571), ("2026-2027", 563)]
    assert corrected["years"][-1]["entered_by"]
    # And the public sees the latest year's figures, without who entered them
    _, public = call(api, "GET", f"{PUBLIC}/schools")
    seen = next(s for s in public["items"] if s["id"] == primary["id"])
    assert seen["level_vi"] == "Tiểu học" and seen["hamlet_name"] == "Xóm 3"
    assert seen["latest"] == {
        "school_year": "2026-2027",
        "pupils": 563,
        "classes": 18,
        "teachers": 30,
        "has_management_software": True,
        "has_digital_equipment": True,
    }
    # And the audit trail has three entries, the correction with the figures before and after
    entries = audit_entries(api, staff[Role.ADMIN], "facilities.school_year_entered")
    assert len(entries) == 3 and all(e["target"].startswith(f"school/{primary['id']}/") for e in entries)
    correction = entries[0]  # newest first
    assert (correction["before"]["pupils"], correction["after"]["pupils"]) == (562, 563)
    assert len(audit_entries(api, staff[Role.ADMIN], "facilities.school_added")) == 3


def test_impossible_figures_are_refused_in_vietnamese_and_write_nothing(api, staff):
    token = staff[Role.SCHOOL]
    made = _schools(api, token)
    kinder = made["mam_non"]
    path = f"/facilities/schools/{kinder['id']}/years"
    before = len(audit_entries(api, staff[Role.ADMIN], "facilities."))
    cases = [
        (year("2026-2027", 20, 25, 3, 1), "classes", "không được lớn hơn số học sinh"),
        (year("2026-2027", 40, 0, 3, 1), "classes", "ít nhất 1 lớp"),
        (year("2026/2027", 300, 11, 23, 1), "school_year", "2026-2027"),
        (year("2026-2028", 300, 11, 23, 1), "school_year", "hai năm liền nhau"),
        (year("2026-2027", -1, 0, 23, 1), "pupils", "từ 0 trở lên"),
        (year("2026-2027", 300, 11, -2, 1), "teachers", "từ 0 trở lên"),
        (year("2031-2032", 300, 11, 23, 1), "school_year", "chưa tới"),
        ({**year("2026-2027", 300, 11, 23, 1), "has_digital_equipment": "nhiều"}, "has_digital_equipment", "đúng/sai"),
    ]
    for body, field, words in cases:
        status, answer = call(api, "POST", path, body, token)
        assert status == 422, (body, answer)
        problem = next(p for p in answer["error"]["details"] if p["field"] == field)
        assert words in problem["message"], problem
        assert answer["error"]["message"].startswith("Thông tin") or "Năm học" in answer["error"]["message"]
    # And nothing was written: the school has no year, its version is the same, no audit entry
    _, kept = call(api, "GET", "/facilities/schools", token=token)
    same = next(s for s in kept["items"] if s["id"] == kinder["id"])
    assert same["years"] == [] and same["version"] == 1
    assert len(audit_entries(api, staff[Role.ADMIN], "facilities.")) == before
    # And a school of another level, or an unknown hamlet, is refused too
    status, answer = call(api, "POST", "/facilities/schools", {**school("Trường THPT", "thpt")}, token)
    assert status == 422 and answer["error"]["details"][0]["field"] == "level"
    status, answer = call(api, "POST", "/facilities/schools", school("Trường Mầm non B", "mam_non", "xom-9"), token)
    assert status == 422 and "Xóm không thuộc xã" in answer["error"]["details"][0]["message"]


def test_the_summary_adds_up_the_latest_school_year(api, services, staff):
    from smartcommune.facilities.wiring import facilities_summary

    token = staff[Role.SCHOOL]
    made = _schools(api, token)
    figures = {"mam_non": (305, 11, 23, False), "tieu_hoc": (562, 18, 30, True), "thcs": (437, 12, 27, True)}
    for level, (pupils, classes, teachers, equipment) in figures.items():
        path = f"/facilities/schools/{made[level]['id']}/years"
        assert call(api, "POST", path, year("2025-2026", pupils - 10, classes, teachers, 1), token)[0] == 200
        body = year("2026-2027", pupils, classes, teachers, 2, equipment=equipment)
        assert call(api, "POST", path, body, staff[Role.ADMIN])[0] == 200
    summary = services.get(facilities_summary).schools("giao-phong")
    assert (summary.schools, summary.school_year, summary.schools_reported) == (3, "2026-2027", 3)
    assert (summary.pupils, summary.classes, summary.teachers) == (1304, 41, 80)
    assert (summary.with_management_software, summary.with_digital_equipment) == (3, 2)
    assert summary.pupils_by_year == {"2025-2026": 1274, "2026-2027": 1304}
    assert [s.level for s in summary.items] == ["mam_non", "tieu_hoc", "thcs"]
    # And only the schools and the leadership keep them
    assert call(api, "POST", "/facilities/schools", school("Trường X", "thcs"), staff[Role.CULTURE])[0] == 403
    assert call(api, "GET", "/facilities/schools", token=staff[Role.OFFICE])[0] == 403
