"""The demo facilities `make up` seeds for Giao Phong: eleven free wifi points (the one-stop office, the health
station, the five hamlets' cultural houses, the three schools, the cultural post office out of service) and the
three schools with two school years each; the province's indicators of the last two years; seeding twice adds
nothing, and the criteria read what was seeded."""

from __future__ import annotations

import json

from smartcommune_local.demo_data import BACH_LONG, GIAO_PHONG
from smartcommune_local.demo_facilities import SCHOOLS, WIFI, seed_facilities
from smartcommune_local.demo_reports import seed_socio_economic


def test_the_demo_facilities_of_giao_phong(api, services):
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.facilities.wiring import facilities_summary
    from smartcommune.operations.wiring import dashboard_service
    from smartcommune.reporting.wiring import scorecards

    # Given the demo communes with their real hamlets
    for commune in (GIAO_PHONG, BACH_LONG):
        services.get(commune_repository).put(commune)
    # When the demo is seeded (twice, as every start does)
    assert seed_facilities(services, GIAO_PHONG) == len(WIFI) + 2 * len(SCHOOLS)
    assert seed_facilities(services, GIAO_PHONG) == 0 and seed_facilities(services, BACH_LONG) == 0
    assert seed_socio_economic(services, GIAO_PHONG) == 6 and seed_socio_economic(services, GIAO_PHONG) == 0
    # Then every public place has a free point in service; only the post office's is out, with its note
    wifi = services.get(facilities_summary).wifi("giao-phong")
    assert (wifi.points, wifi.in_service, wifi.public_places, wifi.coverage_pct) == (11, 10, 7, 100.0)
    [out] = [p for p in wifi.items if p.status == "out_of_service"]
    assert out.place_kind == "post_office" and "VNPT" in (out.status_note or "")
    public = json.loads(api.http.get("/communes/giao-phong/facilities/wifi").body)
    assert {p["hamlet_name"] for p in public["items"] if p["place_kind"] == "cultural_house"} == {
        h.name for h in GIAO_PHONG.hamlets
    }
    # And the three schools have this school year and the one before, this year's totals of the commune's size
    schools = services.get(facilities_summary).schools("giao-phong")
    assert [s.name for s in schools.items] == [s[0] for s in SCHOOLS]
    assert schools.school_year == "2026-2027" and list(schools.pupils_by_year) == ["2025-2026", "2026-2027"]
    assert 1000 < schools.pupils < 1600 and schools.with_digital_equipment == 3
    # And the scorecard computes 4.3, 10.1 and 10.2 from them: all met, as the demo report says
    card = {c.code: c for c in services.get(scorecards).scorecard("giao-phong").criteria}
    assert all(card[code].source == "computed" and card[code].met for code in ("4.3", "10.1", "10.2"))
    # And the dashboard shows them with last year's population from the office
    payload = services.get(dashboard_service).payload("giao-phong", "staff")
    assert payload is not None
    tiles = {t.name: {m.key: m.value for m in t.metrics} for t in payload.tiles}
    assert tiles["wifi"]["coverage_pct"] == 100.0 and tiles["schools"]["schools"] == 3
    assert tiles["indicators"]["T01"] == 6835 and tiles["indicators"]["T02"] == 2467
