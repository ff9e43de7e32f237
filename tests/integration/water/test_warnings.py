"""A water warning from raising to acting on it: out of limits raises one warning (not one a minute), back within
limits resolves it, environment or health staff acknowledge it with a note (audited), and one click drafts an alert
bulletin in Vietnamese naming the hamlet and the parameter (a draft: it still needs the leadership's approval)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from smartcommune.audit.wiring import audit_repository
from smartcommune.core.contracts import Role
from smartcommune.water.logic import STUCK_READINGS
from smartcommune.water.wiring import water_warnings
from tests.integration.water.conftest import water_readings
from tests.integration.water.test_readings import _reading, _record
from tests.support.identities import staff_token


def _auth(services: Any, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(services, role)}"}


def _send(clock: Any, sensor: str, seq: int, **values: float) -> dict[str, Any]:
    result: dict[str, Any] = water_readings.lambda_handler(
        {"Records": [_record(seq, _reading(clock, sensor, seq, **values))]}, None
    )
    return result


def test_low_chlorine_raises_one_warning_resolved_when_it_recovers(sensors, api, clock):
    # Given the far tap reads 0.15 mg/L of free chlorine three minutes running
    for seq in (1, 2, 3):
        _send(clock, "gp-wq-06", seq, free_chlorine_mg_l=0.15)
        clock.advance(minutes=1)
    # Then the dashboard's source lists one warning, severe, in Vietnamese, at Bắc Hải
    warnings = sensors.get(water_warnings).recent_warnings("giao-phong", clock() - timedelta(hours=1))
    assert len(warnings) == 1
    (warning,) = warnings
    assert warning.severity == "severe" and warning.hamlet_id == "bac-hai" and warning.source == "water"
    assert warning.title_vi.startswith("Clo dư tự do 0,15 mg/L dưới mức tối thiểu 0,2 mg/L")
    # When chlorine is back at 0.4, then drops again
    _send(clock, "gp-wq-06", 4, free_chlorine_mg_l=0.4)
    clock.advance(minutes=1)
    _send(clock, "gp-wq-06", 5, free_chlorine_mg_l=0.1)
    # Then the first is resolved and a second warning is raised
    listed = json.loads(api.http.get("/water/warnings", headers=_auth(sensors, Role.HEALTH)).body)["items"]
    assert [w["resolved_at"] is not None for w in listed] == [False, True]


def test_staff_acknowledge_with_a_note_once_and_it_is_audited(sensors, api, clock):
    _send(clock, "gp-wq-04", 1, ph=9.1)
    (warning,) = sensors.get(water_warnings).recent_warnings("giao-phong", clock() - timedelta(hours=1))
    path = f"/water/warnings/{warning.warning_id}/acknowledge"
    note = {"note": "Đã báo nhà máy kiểm tra bơm định lượng."}
    # A culture officer may not acknowledge it
    refused = api.http.post(path, body=json.dumps(note), headers=_auth(sensors, Role.CULTURE) | _json())
    assert refused.status_code == 403
    # When the environment officer acknowledges it with a note
    done = api.http.post(path, body=json.dumps(note), headers=_auth(sensors, Role.ENVIRONMENT) | _json())
    # Then it shows who, when and the note
    assert done.status_code == 200, done.body
    body = json.loads(done.body)
    assert body["acknowledged_by"] and body["acknowledged_at"] and body["acknowledgement_note"] == note["note"]
    # And the dashboard's shared shape shows it too
    (shared,) = sensors.get(water_warnings).recent_warnings("giao-phong", clock() - timedelta(hours=1))
    assert shared.acknowledgement_note == note["note"]
    # And the commune's audit trail has the acknowledgement with its note
    entry = sensors.get(audit_repository).page("giao-phong", limit=1).entries[0]
    assert entry.action == "water.warning_ack" and entry.target == f"water_warning/{warning.warning_id}"
    assert entry.actor_role == Role.ENVIRONMENT and entry.after is not None and entry.after["note"] == note["note"]
    # And a second acknowledgement is refused (409), in Vietnamese and English
    again = api.http.post(path, body=json.dumps(note), headers=_auth(sensors, Role.HEALTH) | _json())
    assert again.status_code == 409
    error = json.loads(again.body)["error"]
    assert error["message"] and error["message_en"]
    # And a note too short is refused before anything is written
    short = api.http.post(path, body=json.dumps({"note": "ok"}), headers=_auth(sensors, Role.HEALTH) | _json())
    assert short.status_code == 422


def test_one_click_drafts_an_alert_bulletin_naming_the_hamlet_and_the_parameter(sensors, api, clock):
    # Given a low-chlorine warning at Bắc Hải's tap
    _send(clock, "gp-wq-06", 1, free_chlorine_mg_l=0.12)
    (warning,) = sensors.get(water_warnings).recent_warnings("giao-phong", clock() - timedelta(hours=1))
    path = f"/water/warnings/{warning.warning_id}/bulletin"
    # When the health station drafts a bulletin from it
    drafted = api.http.post(path, headers=_auth(sensors, Role.HEALTH))
    # Then a draft exists, for Bắc Hải, in Vietnamese, naming the parameter
    assert drafted.status_code == 201, drafted.body
    result = json.loads(drafted.body)
    assert result["created"] is True
    bulletin = json.loads(api.http.get(f"/bulletins/{result['bulletin_id']}", headers=_auth(sensors, Role.ADMIN)).body)
    assert bulletin["status"] == "draft"
    assert bulletin["headline"] == "Thông báo về chất lượng nước sạch tại Xóm Bắc Hải"
    assert "clo dư tự do" in bulletin["text"] and "xóm Bắc Hải" in bulletin["text"]
    assert bulletin["target"] == {"scope": "hamlets", "hamlets": ["bac-hai"], "clusters": []}
    assert bulletin["category"] == "Health" and bulletin["priority"] == "priority"
    # And a second click gives the same draft instead of a second one
    again = json.loads(api.http.post(path, headers=_auth(sensors, Role.HEALTH)).body)
    assert (again["bulletin_id"], again["created"]) == (result["bulletin_id"], False)
    # And the environment officer (who writes no bulletins) may not draft one
    assert api.http.post(path, headers=_auth(sensors, Role.ENVIRONMENT)).status_code == 403


def test_a_probe_stuck_on_one_value_is_a_device_fault(sensors, clock):
    # Given the Tây Sơn tap sends exactly the same values half an hour long
    for seq in range(1, STUCK_READINGS + 2):
        _send(clock, "gp-wq-04", seq)
        clock.advance(minutes=1)
    # Then one device warning says the probe may be stuck
    warnings = sensors.get(water_warnings).recent_warnings("giao-phong", clock() - timedelta(hours=2))
    assert [w.category for w in warnings] == ["device"]
    assert "không đổi" in warnings[0].title_vi
    # And a changing value resolves it
    result = _send(clock, "gp-wq-04", STUCK_READINGS + 2, ph=7.25)
    assert result["resolved"] == 1


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}
