"""The demo website `make up` seeds for Giao Phong: the directory filled for criterion 3.1, six OCOP products of
three stars or more (as the seed plan counts), the cultural sites, two published articles; seeding twice adds
nothing."""

from __future__ import annotations

import json
from datetime import timedelta

from smartcommune_local.demo_data import BACH_LONG, GIAO_PHONG
from smartcommune_local.demo_site import OFFICIALS, seed_site


def get(api, path: str):
    response = api.http.request("GET", path)
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def test_the_demo_website_of_giao_phong(api, services):
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.site.wiring import directory, news

    # Given the demo communes
    for commune in (GIAO_PHONG, BACH_LONG):
        services.get(commune_repository).put(commune)
    # When the demo is seeded (twice, as every start does)
    written = seed_site(services, GIAO_PHONG)
    assert seed_site(services, GIAO_PHONG) == 0 and seed_site(services, BACH_LONG) == 0
    # Then every official is public with a work phone and e-mail: criterion 3.1 at 100 %
    summary = services.get(directory).summary("giao-phong")
    assert summary.officials == summary.published == summary.with_phone == summary.with_email == len(OFFICIALS)
    people = get(api, "/communes/giao-phong/site/directory?limit=100")["items"]
    assert people[0]["position"] == "Chủ tịch UBND xã" and all(p["work_email"].endswith(".example") for p in people)
    # And six OCOP products of three stars or more, in the commune's hamlets, and the cultural sites
    ocop = get(api, "/communes/giao-phong/site/places?kind=ocop")["items"]
    assert len(ocop) == 6 and all(p["ocop_stars"] >= 3 and p["hamlet_name"] for p in ocop)
    sites = [p["name"] for p in get(api, "/communes/giao-phong/site/places?kind=tourism")["items"]]
    assert {"Đình Vuông", "Chùa Bình An", "Chùa Bảo Hoa"} <= set(sites)
    # And two published articles
    articles = get(api, "/communes/giao-phong/site/news")["items"]
    day_before = services.clock() - timedelta(days=1)
    assert len(articles) == 2 and services.get(news).published_since("giao-phong", day_before) == 2
    assert written == len(OFFICIALS) + 6 + len(sites) + 2
