"""A department edits only bulletins of its own field, and never moves another department's bulletin into its own.

Police draft security, safety, rescue, fire and transport bulletins; health staff draft health bulletins. Every
change to a bulletin (edit, reschedule, recorded audio) needs a role that covers the bulletin's field as it is and,
for an edit that changes the field, as it would become.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from smartcommune.broadcast.wiring import bulletin_fanout, speaker_directory
from smartcommune.core.contracts import Role
from tests.integration.broadcast.test_bulletins_api import FakeDirectory, FakeFanout
from tests.support.identities import auth, ensure_demo_communes, staff_token


@pytest.fixture
def people(services: Any) -> dict[str, str]:
    services.override(bulletin_fanout, FakeFanout())
    services.override(speaker_directory, FakeDirectory())
    ensure_demo_communes(services)
    return {
        "health": staff_token(services, Role.HEALTH, username="gp.health"),
        "police": staff_token(services, Role.POLICE, username="gp.police"),
        "culture": staff_token(services, Role.CULTURE, username="gp.culture"),
    }


def _post(api: Any, path: str, body: dict[str, Any], token: str) -> Any:
    return api.http.post(path, body=json.dumps(body), headers=auth(token))


def _health_bulletin(api: Any, token: str) -> dict[str, Any]:
    body = {"headline": "Lịch tiêm chủng mở rộng", "text": "Tiêm chủng tại trạm y tế xã.", "category": "Health"}
    response = _post(api, "/bulletins", body, token)
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def _read(api: Any, bulletin_id: str, token: str) -> dict[str, Any]:
    return json.loads(api.http.get(f"/bulletins/{bulletin_id}", headers=auth(token)).body)


def test_police_cannot_move_a_health_bulletin_into_their_own_field(api, people):
    # Given a health bulletin drafted by the health officer
    draft = _health_bulletin(api, people["health"])
    # When the police officer edits it and switches it to "Security" (a field police may draft)
    response = api.http.patch(
        f"/bulletins/{draft['id']}",
        body=json.dumps({"version": draft["version"], "category": "Security", "text": "Nội dung do công an sửa."}),
        headers=auth(people["police"]),
    )
    # Then it is refused in Vietnamese, and the bulletin is still the health department's, unchanged
    assert response.status_code == 403, response.body
    assert "lĩnh vực" in json.loads(response.body)["error"]["message"]
    after = _read(api, draft["id"], people["health"])
    assert (after["category"], after["text"], after["version"]) == ("Health", draft["text"], draft["version"])


def test_a_department_cannot_move_its_own_bulletin_out_of_its_field(api, people):
    # Given a health bulletin / When its author turns it into a security bulletin
    draft = _health_bulletin(api, people["health"])
    response = api.http.patch(
        f"/bulletins/{draft['id']}",
        body=json.dumps({"version": draft["version"], "category": "Security"}),
        headers=auth(people["health"]),
    )
    # Then it is refused too (health staff draft health bulletins only)
    assert response.status_code == 403


def test_a_general_editor_may_change_any_field(api, people):
    # Given a health bulletin / When the culture officer (a general editor) re-files it under "Other"
    draft = _health_bulletin(api, people["health"])
    response = api.http.patch(
        f"/bulletins/{draft['id']}",
        body=json.dumps({"version": draft["version"], "category": "Other"}),
        headers=auth(people["culture"]),
    )
    # Then the change is made
    assert response.status_code == 200 and json.loads(response.body)["category"] == "Other"


def test_police_cannot_reschedule_or_record_audio_for_a_health_bulletin(api, people, clock):
    # Given a health bulletin
    draft = _health_bulletin(api, people["health"])
    at = (clock() + timedelta(hours=2)).isoformat()
    # When the police officer moves its time, asks to upload a recording for it, or offers a recording
    moved = _post(
        api,
        f"/bulletins/{draft['id']}/reschedule",
        {"version": draft["version"], "schedule": {"kind": "once", "at": at}},
        people["police"],
    )
    ticket = _post(
        api,
        f"/bulletins/{draft['id']}/audio-upload",
        {"version": draft["version"], "size_bytes": 4096},
        people["police"],
    )
    adopt = _post(
        api,
        f"/bulletins/{draft['id']}/audio",
        {"version": draft["version"], "key": f"media/uploads/audio/giao-phong/{draft['id']}/x.mp3"},
        people["police"],
    )
    # Then every one is refused and the bulletin keeps its schedule and its speech
    assert [moved.status_code, ticket.status_code, adopt.status_code] == [403, 403, 403]
    after = _read(api, draft["id"], people["health"])
    assert after["schedule"]["kind"] == "now" and after["audio"] == draft["audio"]
