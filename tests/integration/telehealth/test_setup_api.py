"""Health staff keep the station's set-up through the API: a leave and a vaccination day change the slots at once,
references are checked, every change is audited, other roles are refused."""

from __future__ import annotations

from smartcommune.audit.wiring import audit_repository
from tests.integration.telehealth.helpers import call

SLOTS = "/communes/giao-phong/health/slots?day=2026-11-30"


def _practitioners(api) -> set[str]:
    return {s["practitioner_id"] for s in call(api, "GET", SLOTS)[1]["items"]}


def test_a_leave_and_a_vaccination_day_change_the_slots(api, people, services):
    assert "bs-lan" in _practitioners(api) and "dd-mai" not in _practitioners(api)  # the nurse vaccinates on Wednesdays
    leave = {
        "id": "nghi-lan-30-11",
        "day": "2026-11-30",
        "kind": "leave",
        "practitioner_id": "bs-lan",
        "reason": "Nghỉ phép",
    }
    assert call(api, "PUT", "/health/setup/exceptions/nghi-lan-30-11", people.nurse, leave)[0] == 200
    campaign = {
        "id": "tiem-chung-30-11",
        "day": "2026-11-30",
        "kind": "campaign",
        "practitioner_id": "dd-mai",
        "service": "vaccination",
        "start": "07:30",
        "end": "11:00",
        "reason": "Tiêm chủng mở rộng",
    }
    assert call(api, "PUT", "/health/setup/exceptions/tiem-chung-30-11", people.nurse, campaign)[0] == 200
    after = call(api, "GET", SLOTS)[1]["items"]
    assert "bs-lan" not in {s["practitioner_id"] for s in after}
    vaccination = [s for s in after if s["practitioner_id"] == "dd-mai"]
    assert len(vaccination) == 7 and {s["free_places"] for s in vaccination} == {10}
    actions = [e.action for e in services.get(audit_repository).page("giao-phong").entries]
    assert actions.count("health_setup.put") == 2


def test_references_and_keys_are_checked_and_other_roles_refused(api, people):
    schedule = {
        "practitioner_id": "bs-lan",
        "rules": [{"weekday": 0, "start": "07:30", "end": "11:30", "service": "xray"}],
    }
    status, error = call(api, "PUT", "/health/setup/schedules/bs-lan", people.nurse, schedule)[:2]
    assert status == 422 and "xray" in error["error"]["message"]
    service = {"code": "general", "name": "Khám bệnh đa khoa", "duration_min": 15, "capacity": 3}
    assert call(api, "PUT", "/health/setup/services/chronic", people.nurse, service)[0] == 422  # path ≠ body
    backwards = {**schedule, "rules": [{"weekday": 0, "start": "11:30", "end": "07:30", "service": "general"}]}
    assert call(api, "PUT", "/health/setup/schedules/bs-lan", people.nurse, backwards)[0] == 422
    assert call(api, "PUT", "/health/setup/services/general", people.police, service)[0] == 403
    assert call(api, "PUT", "/health/setup/services/general", people.nurse, service)[0] == 200
    first = call(api, "GET", f"{SLOTS}&service=general")[1]["items"][0]
    assert first["capacity"] == 3
