"""The demo feedback: seeded once, in every status, visible in the inbox, the public listing and the statistics."""

from __future__ import annotations

import json

from smartcommune.core.contracts import Role
from smartcommune_local import demo_data, demo_feedback
from tests.support.identities import staff_token


def test_demo_feedback_is_seeded_once_in_every_status(api, services):
    # Given a fresh stack, When the demo data is seeded twice
    first = demo_data.seed(services)
    again = demo_data.seed(services)
    # Then the feedback is written once
    assert first.feedback_seeded == sum(demo_feedback.FEEDBACK_COUNTS.values()) and again.feedback_seeded == 0
    office = staff_token(services, Role.OFFICE)
    inbox = json.loads(api.http.get("/staff/feedback?limit=100", headers={"Authorization": f"Bearer {office}"}).body)
    counts = inbox["counts"]["by_status"]
    assert sum(counts.values()) == demo_feedback.FEEDBACK_COUNTS["giao-phong"] == len(inbox["items"])
    assert {s for s, n in counts.items() if n} >= {"received", "assigned", "in_progress", "resolved", "published"}
    public = json.loads(api.http.get("/communes/giao-phong/feedback?limit=50").body)["items"]
    assert public and all(p["rating_stars"] in (3, 4, 5) for p in public)
    stats = json.loads(api.http.get("/staff/feedback/stats", headers={"Authorization": f"Bearer {office}"}).body)
    assert stats["received"] == demo_feedback.FEEDBACK_COUNTS["giao-phong"] and stats["average_rating"] is not None
    assert len(stats["by_hamlet"]) >= 3 and len(stats["by_field"]) == 9
