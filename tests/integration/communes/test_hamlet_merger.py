"""Hamlets merged inside a commune: every record naming them names the merged hamlet, the hamlet remembers the
ones it replaced, the change is audited, and counters keep the history they were counted under."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from smartcommune.audit.wiring import audit_repository
from smartcommune.communes.contracts import HamletMergeRequest
from smartcommune.communes.wiring import commune_repository
from smartcommune.composition import hamlet_merger
from smartcommune.core.contracts import Role
from smartcommune.core.errors import InvalidInputError
from smartcommune_local import demo_data
from tests.support.identities import auth, staff_token

REQUEST = HamletMergeRequest(
    commune_id="giao-phong",
    into_id="dong-tay",
    name="Xóm Đông Tây",
    effective=dt.date(2026, 1, 1),
    old_ids=["dong-thanh", "tay-son"],
    resolution="Nghị quyết 12/NQ-HĐND (thử nghiệm)",
)


def _items(api, token: str, path: str) -> list[dict]:
    """Every item of a listing, page after page."""
    items: list[dict] = []
    cursor = None
    while True:
        response = api.http.get(path + (f"&cursor={cursor}" if cursor else ""), headers=auth(token))
        assert response.status_code == 200, response.body
        page = json.loads(response.body)
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def test_merging_two_hamlets_moves_their_people_and_feedback_and_keeps_the_history(api, services):
    demo_data.seed(services)
    office = staff_token(services, Role.OFFICE, "giao-phong", username="hamlet-office")
    before = {h: len(_items(api, office, f"/citizens?hamlet_id={h}&limit=100")) for h in REQUEST.old_ids}
    feedback_before = sum(len(_items(api, office, f"/staff/feedback?hamlet={h}&limit=100")) for h in REQUEST.old_ids)
    assert all(before.values()) and feedback_before

    summary = services.get(hamlet_merger).merge(REQUEST)

    assert summary.rewritten["citizen"] >= sum(before.values())
    merged = _items(api, office, "/citizens?hamlet_id=dong-tay&limit=100")
    assert len(merged) == sum(before.values())
    assert all(not _items(api, office, f"/citizens?hamlet_id={h}&limit=100") for h in REQUEST.old_ids)
    assert len(_items(api, office, "/staff/feedback?hamlet=dong-tay&limit=100")) == feedback_before
    commune = services.get(commune_repository).get("giao-phong")
    hamlet = commune.hamlet("dong-tay")
    assert hamlet is not None and [f.id for f in hamlet.former] == ["dong-thanh", "tay-son"]
    assert all(f.until == dt.date(2025, 12, 31) for f in hamlet.former)
    assert commune.hamlet("dong-thanh") is None and len(commune.hamlets) == 4
    last = services.get(audit_repository).page("giao-phong", limit=1).entries[0]
    assert last.action == "commune.hamlets_merged" and last.after["merged"] == REQUEST.old_ids
    # and asking for the same merger again is refused with a reason, changing nothing
    with pytest.raises(InvalidInputError):
        services.get(hamlet_merger).merge(REQUEST)
