"""Issue 14: after a merger a person is found by the old commune's name (their address still says it) and by the
new one's (every citizen of the new commune lives in it), with or without diacritics."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from smartcommune.citizens.contracts import NewCitizen
from smartcommune.citizens.wiring import citizen_service
from smartcommune.communes.wiring import commune_repository
from smartcommune.composition import commune_merger
from smartcommune.core.contracts import Role
from tests.integration.communes.test_merger import REQUEST
from tests.support.identities import auth, ensure_demo_communes, staff_token


def _names(api: Any, token: str, q: str) -> set[str]:
    answer = api.http.get(f"/citizens?q={quote(q)}&limit=100", headers=auth(token))
    assert answer.status_code == 200, answer.body
    return {c["full_name"] for c in json.loads(answer.body)["items"]}


def test_a_person_is_found_by_the_old_and_the_new_communes_name(api, services):
    ensure_demo_communes(services)
    hamlet = services.get(commune_repository).get("bach-long").hamlets[0]
    people = [
        NewCitizen(full_name="Phạm Thị Hoa", phone="0912000001", hamlet_id=hamlet.id, address="Xóm 1, xã Bạch Long"),
        NewCitizen(full_name="Đỗ Văn Nam", phone="0912000002", hamlet_id=hamlet.id, address="Xóm 1, xã Bạch Long"),
    ]
    services.get(citizen_service).import_citizens("bach-long", people)
    gp = services.get(commune_repository).get("giao-phong").hamlets[0]
    other = NewCitizen(full_name="Vũ Văn Bình", phone="0912000003", hamlet_id=gp.id, address="Xã Giao Phong")
    services.get(citizen_service).import_citizens("giao-phong", [other])
    # When both communes become Xã Giao Thủy Mới
    assert services.get(commune_merger).merge(REQUEST).lost == 0
    office = staff_token(services, Role.OFFICE, REQUEST.new_id, username="gtm.office")
    everyone = {"Phạm Thị Hoa", "Đỗ Văn Nam", "Vũ Văn Bình"}
    # Then the old name finds the people whose address holds it, with or without diacritics
    assert _names(api, office, "Bạch Long") == {"Phạm Thị Hoa", "Đỗ Văn Nam"}
    assert _names(api, office, "bach long") == {"Phạm Thị Hoa", "Đỗ Văn Nam"}
    # And the new name finds everyone of the new commune, alone or with a person's name
    assert _names(api, office, "Giao Thủy Mới") >= everyone
    assert _names(api, office, "hoa giao thuy moi") == {"Phạm Thị Hoa"}
    # And a word of the name alone is still an ordinary word ("Bình" is a person's name here)
    assert _names(api, office, "binh") == {"Vũ Văn Bình"}
