"""Changing a loudspeaker's volume is a change a person makes: it is on the audit trail (who, before, after),
written in the same transaction as the registry's new settings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smartcommune.core.contracts import Role
from smartcommune.devices.wiring import device_fanout, shadow_store
from smartcommune_local.devices_demo import demo_speakers
from tests.support.identities import auth, ensure_demo_communes, staff_token

THING = "gp-spk-01a"


class RecordingShadows:
    def __init__(self) -> None:
        self.desired: list[tuple[str, str, dict[str, Any]]] = []

    def desire(self, commune_id: str, thing: str, desired: dict[str, Any]) -> dict[str, Any]:
        self.desired.append((commune_id, thing, desired))
        return {}


@pytest.fixture
def people(services: Any) -> dict[str, str]:
    ensure_demo_communes(services)
    services.override(shadow_store, RecordingShadows())
    services.get(device_fanout).registry("giao-phong").put_speakers(demo_speakers("giao-phong"))
    return {
        "culture": staff_token(services, Role.CULTURE, username="gp.culture"),
        "admin": staff_token(services, Role.ADMIN, username="gp.admin"),
    }


def _put(api: Any, thing: str, body: dict[str, Any], token: str) -> Any:
    return api.http.put(f"/devices/speakers/{thing}/settings", body=json.dumps(body), headers=auth(token))


def _entries(api: Any, token: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(api.http.get("/audit", headers=auth(token)).body)["entries"]
    return [e for e in entries if e["target"].startswith("speaker/")]


def test_a_volume_change_is_audited_with_who_and_the_volumes_before_and_after(api, people, services):
    culture_id = json.loads(api.http.get("/me", headers=auth(people["culture"])).body)["id"]
    # Given a speaker at the default volumes (70, emergencies 100)
    # When the culture officer turns it down to 55, and later sets its emergency volume to 90
    first = _put(api, THING, {"volume": 55}, people["culture"])
    second = _put(api, THING, {"emergency_volume": 90}, people["culture"])
    assert first.status_code == 200 and second.status_code == 200, (first.body, second.body)
    # Then the audit trail shows both changes, newest first, by that person, with the volumes before and after
    entries = _entries(api, people["admin"])
    assert [e["action"] for e in entries] == ["speaker.settings", "speaker.settings"]
    newest, oldest = entries
    assert (oldest["actor_id"], oldest["actor_role"], oldest["target"]) == (culture_id, "culture", f"speaker/{THING}")
    assert oldest["before"] == {"volume": 70, "emergency_volume": 100}
    assert oldest["after"] == {"volume": 55, "emergency_volume": 100}
    assert newest["before"] == {"volume": 55, "emergency_volume": 100}
    assert newest["after"] == {"volume": 55, "emergency_volume": 90}
    # And the speaker's desired settings went to its shadow
    assert services.get(shadow_store).desired == [
        ("giao-phong", THING, {"volume": 55}),
        ("giao-phong", THING, {"emergency_volume": 90}),
    ]


def test_a_refused_change_leaves_no_entry(api, people):
    # A speaker of another commune (or none) is not found, and nothing is recorded
    assert _put(api, "bl-spk-01a", {"volume": 10}, people["culture"]).status_code == 404
    assert _entries(api, people["admin"]) == []
