"""What the police do with camera events, through the API: see them beside citizens' security reports,
acknowledge with a note (audited), turn one into a feedback item, draft a bulletin from a severe one; and who sees
which image: faces blurred for everyone but the police, and every unblurred view on the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from smartcommune.cameras.contracts import CameraEvent, EventBox
from smartcommune.cameras.wiring import camera_bucket, camera_events
from smartcommune.core.contracts import Role
from tests.integration.cameras.conftest import COMMUNE, GATE, fudan
from tests.support.identities import auth, citizen_token, staff_token

RAW = fudan("FudanPed00001")


@pytest.fixture
def people(cameras: Any) -> dict[str, str]:
    return {
        "police": staff_token(cameras, Role.POLICE, username="gp.police"),
        "admin": staff_token(cameras, Role.ADMIN, username="gp.admin"),
        "culture": staff_token(cameras, Role.CULTURE, username="gp.culture"),
    }


def _event(services: Any, event_id: str = "ev-gate-0001", severity: str = "severe") -> CameraEvent:
    found = CameraEvent(
        event_id=event_id,
        commune_id=COMMUNE,
        thing=GATE,
        camera_name="Cổng trường THCS Giao Phong",
        hamlet_id="bac-hai",
        rule_id="gate-night",
        rule_name="Có người ở cổng trường ban đêm",
        rule_kind="zone_presence",
        severity=severity,  # type: ignore[arg-type]
        at=services.clock() - timedelta(minutes=5),
        labels=["Person"],
        boxes=[EventBox(label="Person", confidence=98.0, left=0.29, top=0.33, width=0.26, height=0.48)],
        detail="Person trong vùng Vỉa hè",
        snapshot=True,
    )
    assert services.get(camera_events).record(found, event_id, 0)
    services.get(camera_bucket).put_snapshot(COMMUNE, GATE, event_id, RAW, b"\xff\xd8\xff blurred")
    return found


def _audit(api: Any, token: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(api.http.get("/audit", headers=auth(token)).body)["entries"]
    return [e for e in entries if e["target"].startswith("camera_event/")]


def test_only_the_police_get_the_unblurred_image_and_each_view_is_audited(api, cameras, people):
    found = _event(cameras)
    path = f"/camera-events/{found.event_id}/snapshot"
    # The commune leadership sees the crop with faces blurred, and may not ask for the raw one
    blurred = api.http.get(path, headers=auth(people["admin"]))
    assert blurred.status_code == 200 and json.loads(blurred.body)["blurred"] is True
    assert "blurred.jpg" in json.loads(blurred.body)["url"]
    assert api.http.get(path + "?raw=true", headers=auth(people["admin"])).status_code == 403
    # The culture officer sees no camera events at all
    assert api.http.get(path, headers=auth(people["culture"])).status_code == 403
    assert _audit(api, people["admin"]) == []
    # The police get the unblurred crop, and that view is on the audit trail with who looked
    raw = api.http.get(path + "?raw=true", headers=auth(people["police"]))
    assert raw.status_code == 200, raw.body
    body = json.loads(raw.body)
    assert body["blurred"] is False and "raw.jpg" in body["url"]
    police_id = json.loads(api.http.get("/me", headers=auth(people["police"])).body)["id"]
    (entry,) = _audit(api, people["admin"])
    assert (entry["action"], entry["actor_id"], entry["actor_role"]) == (
        "camera_event.view_unblurred",
        police_id,
        "police",
    )


def test_the_police_acknowledge_an_event_with_a_note_once(api, cameras, people):
    found = _event(cameras)
    url = f"/camera-events/{found.event_id}/ack"
    note = {"note": "Đã cử tổ tuần tra đến cổng trường"}
    # Leadership may look, but acknowledging is the police's
    assert api.http.post(url, body=json.dumps(note), headers=auth(people["admin"])).status_code == 403
    answer = api.http.post(url, body=json.dumps(note), headers=auth(people["police"]))
    assert answer.status_code == 200, answer.body
    acked = json.loads(answer.body)
    assert acked["note"] == note["note"] and acked["acknowledged_at"]
    # A second acknowledgement is refused, and the first one is on the audit trail
    assert api.http.post(url, body=json.dumps(note), headers=auth(people["police"])).status_code == 409
    (entry,) = _audit(api, people["admin"])
    assert entry["action"] == "camera_event.acknowledge" and entry["after"]["note"] == note["note"]


def test_an_event_becomes_a_security_feedback_item_with_one_click_and_shows_in_the_police_view(api, cameras, people):
    found = _event(cameras)
    # Given a citizen reported something in the security field too
    token, _ = citizen_token(cameras)
    reported = api.http.post(
        "/feedback",
        body=json.dumps(
            {
                "field_code": "security",
                "title": "Người lạ lảng vảng",
                "description": "Tối nào cũng có người lạ đứng ở đầu ngõ",
                "hamlet_id": "xom-4",
            }
        ),
        headers={**auth(token), "Idempotency-Key": "report-0001"},
    )
    assert reported.status_code == 201, reported.body
    # When the police turn the camera event into a feedback item (twice: a double click)
    first = api.http.post(f"/camera-events/{found.event_id}/feedback", headers=auth(people["police"]))
    again = api.http.post(f"/camera-events/{found.event_id}/feedback", headers=auth(people["police"]))
    assert first.status_code == 200, first.body
    made = json.loads(first.body)
    assert made["feedback_id"] and json.loads(again.body)["feedback_id"] == made["feedback_id"]
    # Then the item is in the security field, and the police view lists the event beside both reports
    item = json.loads(api.http.get(f"/feedback/{made['feedback_id']}", headers=auth(people["police"])).body)
    assert item["field_code"] == "security"
    view = json.loads(api.http.get("/cameras-police", headers=auth(people["police"])).body)
    assert [e["event_id"] for e in view["events"]] == [found.event_id]
    assert view["events"][0]["feedback_id"] == made["feedback_id"]
    titles = {r["title"] for r in view["reports"]}
    assert "Người lạ lảng vảng" in titles and any(t.startswith("Camera ") for t in titles)
    assert view["cameras_total"] == 5


def test_a_severe_event_drafts_a_bulletin_that_waits_for_approval(api, cameras, people):
    severe = _event(cameras)
    minor = _event(cameras, "ev-gate-0002", severity="minor")
    answer = api.http.post(f"/camera-events/{severe.event_id}/bulletin", body="{}", headers=auth(people["police"]))
    assert answer.status_code == 200, answer.body
    bulletin_id = json.loads(answer.body)["bulletin_id"]
    bulletin = json.loads(api.http.get(f"/bulletins/{bulletin_id}", headers=auth(people["police"])).body)
    assert bulletin["status"] == "draft" and bulletin["category"] == "Security"
    assert "Cổng trường THCS Giao Phong" in bulletin["headline"]
    # A minor event drafts nothing
    refused = api.http.post(f"/camera-events/{minor.event_id}/bulletin", body="{}", headers=auth(people["police"]))
    assert refused.status_code == 422


def test_a_config_with_a_rule_on_an_unknown_zone_is_refused_in_vietnamese(api, cameras, people):
    current = json.loads(api.http.get(f"/cameras/{GATE}/config", headers=auth(people["police"])).body)
    body = {
        "version": current["version"],
        "zones": [],
        "rules": [{"rule_id": "x", "name": "Vùng lạ", "kind": "zone_presence", "zone_id": "nowhere"}],
    }
    answer = api.http.put(f"/cameras/{GATE}/config", body=json.dumps(body), headers=auth(people["police"]))
    assert answer.status_code == 422
    assert "vùng không tồn tại" in answer.body.decode()
