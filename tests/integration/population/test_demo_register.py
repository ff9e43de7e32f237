"""The demo register: Giao Phong's households and residents as the plan counts them, the demo citizens in the
households the fee ledger bills, and a second seeding that adds nobody."""

from __future__ import annotations

import json
import time

from smartcommune_local import demo_data
from tests.support.identities import auth


def test_the_demo_register_holds_the_plans_figures_and_the_demo_citizens_households(api, services):
    started = time.monotonic()
    first = demo_data.seed(services)
    seconds = time.monotonic() - started
    assert first.residents_registered == 6835 and demo_data.seed(services).residents_registered == 0
    response = api.http.get("/communes/giao-phong/population")
    view = json.loads(response.body)
    assert (view["households"], view["residents"]) == (2467, 6835)
    bands = {b["label"]: b["male"] + b["female"] for b in view["bands"]}
    assert sum(bands.values()) == 6835
    under_15 = bands["0–4"] + bands["5–9"] + bands["10–14"]
    assert 0.15 < under_15 / 6835 < 0.35, bands  # a rural commune's share of children
    # Nguyễn Văn An (the demo's first citizen) heads household gp-0001, the one his waste fee is billed to
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.identity.wiring import identity_service

    an = services.get(citizen_repository).find_by_phone("giao-phong", "+84912345678")
    token = services.get(identity_service).start_session("giao-phong", an.id, "citizen").token
    mine = json.loads(api.http.get("/me/household", headers=auth(token)).body)
    assert mine["id"] == "gp-0001" and mine["residents"][0]["full_name"] == "Nguyễn Văn An"
    assert mine["residents"][0]["relation"] == "head" and len(mine["residents"]) >= 2
    print(f"demo seeding with the register: {seconds:.1f} s")
