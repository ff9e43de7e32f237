"""Bulletins end to end on moto: draft → approval by another person → fan-out → portal feed, CAP, SMS."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from smartcommune.broadcast.logic.cap import CAP_NS
from smartcommune.broadcast.wiring import bulletin_fanout, speaker_directory
from smartcommune.core.contracts import Role
from smartcommune.devices.contracts import Cluster, DeliveryBatch, DeliveryReport, DeliverySummary, GeoPoint
from smartcommune.sms.storage import read_outbox
from tests.support.cap import cap_problems
from tests.support.identities import auth, citizen_token, ensure_demo_communes, staff_token

CLUSTERS = [
    Cluster(
        cluster_id=f"gp-cl-0{n}",
        commune_id="giao-phong",
        hamlet_id=f"xom-{n}",
        name=f"Cụm {n}",
        location=GeoPoint(lat=20.2, lon=106.5),
        things=[f"gp-spk-0{n}a", f"gp-spk-0{n}b"],
    )
    for n in range(1, 6)
]


@dataclass
class FakeFanout:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(
        self,
        commune_id: str,
        bulletin_id: str,
        targets: list[str],
        audio_url: str,
        audio_sha256: str,
        priority: Any,
        volume: int,
        repeat: int,
        start_in_ms: int | None = None,
        *,
        expires_in_s: int | None = None,
    ) -> DeliveryBatch:
        self.sent.append(
            {
                "commune_id": commune_id,
                "bulletin_id": bulletin_id,
                "targets": targets,
                "audio_url": audio_url,
                "sha": audio_sha256,
                "priority": priority,
                "volume": volume,
                "repeat": repeat,
            }
        )
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        return DeliveryBatch(
            command_id=str(uuid.uuid4()),
            bulletin_id=bulletin_id,
            commune_id=commune_id,
            priority=priority,
            targets=targets,
            start_at=now,
            expires_at=now + timedelta(minutes=10),
            sent_at=now,
        )

    def report(self, commune_id: str, bulletin_id: str, command_id: str | None = None) -> DeliveryReport:
        return DeliveryReport(
            bulletin_id=bulletin_id,
            commune_id=commune_id,
            speakers=[],
            complete=True,
            summary=DeliverySummary(targeted=0, acked=0, played=0, failed=0, pending=0),
        )


@dataclass
class FakeDirectory:
    def clusters(self, commune_id: str) -> list[Cluster]:
        return CLUSTERS if commune_id == "giao-phong" else []


@pytest.fixture
def fanout(services):
    fake = FakeFanout()
    services.override(bulletin_fanout, fake)
    services.override(speaker_directory, FakeDirectory())
    ensure_demo_communes(services)
    return fake


@pytest.fixture
def people(services, fanout):
    return {
        "editor": staff_token(services, Role.CULTURE, username="gp.culture"),
        "approver": staff_token(services, Role.ADMIN, username="gp.admin"),
        "admin2": staff_token(services, Role.ADMIN, username="gp.admin2"),
        "police": staff_token(services, Role.POLICE, username="gp.police"),
    }


def _post(api, path, body, token):
    return api.http.post(path, body=json.dumps(body), headers=auth(token))


def _draft(api, token, **extra):
    body = {
        "headline": "Bão số 3 sắp đổ bộ",
        "text": "Bà con khẩn trương chằng chống nhà cửa.",
        "instruction": "Không ra khơi.",
        "category": "Met",
        "event": "Bão số 3",
        "priority": "emergency",
        "repeat": 2,
        **extra,
    }
    response = _post(api, "/bulletins", body, token)
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def test_draft_approved_by_another_person_fans_out_once_and_is_published(api, people, fanout, services):
    # Given an emergency bulletin drafted by the culture officer for two hamlets
    draft = _draft(api, people["editor"], target={"scope": "hamlets", "hamlets": ["xom-1", "xom-2"]})
    assert draft["status"] == "draft" and draft["audio"]["sha256"]
    assert fanout.sent == []
    # When the chairman approves it
    response = _post(api, f"/bulletins/{draft['id']}/approve", {"version": draft["version"]}, people["approver"])
    # Then it is fanned out once to exactly the speakers of those hamlets, at emergency volume, repeated
    assert response.status_code == 200, response.body
    assert len(fanout.sent) == 1
    sent = fanout.sent[0]
    assert sent["targets"] == ["gp-spk-01a", "gp-spk-01b", "gp-spk-02a", "gp-spk-02b"]
    assert (sent["priority"], sent["volume"], sent["repeat"], sent["sha"]) == (
        "emergency",
        100,
        2,
        draft["audio"]["sha256"],
    )
    # And the portal shows it to hamlet 1 but not to hamlet 4
    feed = json.loads(api.http.get("/communes/giao-phong/alerts?hamlet=xom-1").body)["items"]
    assert [a["id"] for a in feed] == [draft["id"]] and feed[0]["status"] == "active"
    assert json.loads(api.http.get("/communes/giao-phong/alerts?hamlet=xom-4").body)["items"] == []
    # And the CAP document and both Atom indexes list it
    cap = api.http.get(f"/cap/giao-phong/{draft['id']}.xml")
    assert cap.status_code == 200 and cap_problems(cap.body) == []
    root = ET.fromstring(cap.body)  # noqa: S314
    assert root.findtext(f"{{{CAP_NS}}}msgType") == "Alert"
    assert root.findtext(f"{{{CAP_NS}}}info/{{{CAP_NS}}}urgency") == "Immediate"
    assert "Xóm 1, Xóm 2" in root.findtext(f"{{{CAP_NS}}}info/{{{CAP_NS}}}area/{{{CAP_NS}}}areaDesc")
    for index in ("/cap/index.atom", "/cap/giao-phong/index.atom"):
        assert f"{draft['id']}-1.xml" in api.http.get(index).body.decode()
    # And the audit trail names both people
    audit = json.loads(api.http.get("/audit", headers=auth(people["approver"])).body)
    actions = [e["action"] for e in audit["entries"]]
    assert "bulletin.approve" in actions and "bulletin.draft" in actions


def test_nothing_fans_out_without_approval_and_no_one_approves_their_own(api, people, fanout):
    # Given a draft by an admin
    draft = _draft(api, people["approver"])
    # When the same admin approves it, or an editor without the approving role tries
    own = _post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["approver"])
    editor = _post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["editor"])
    # Then both are refused, nothing is played or published
    assert own.status_code == 403 and "hai người" in json.loads(own.body)["error"]["message"]
    assert editor.status_code == 403
    assert fanout.sent == []
    assert json.loads(api.http.get("/communes/giao-phong/alerts").body)["items"] == []
    assert api.http.get(f"/cap/giao-phong/{draft['id']}.xml").status_code == 404


def test_police_drafts_only_in_its_field(api, people):
    response = _post(
        api,
        "/bulletins",
        {"headline": "Lịch tiêm chủng", "text": "Tiêm chủng mở rộng.", "category": "Health"},
        people["police"],
    )
    assert response.status_code == 403
    assert _draft(api, people["police"], category="Security")["status"] == "draft"


def test_revoked_before_play_never_plays(api, people, fanout, services, clock):
    from smartcommune.broadcast.logic.schedules import minute_bucket
    from smartcommune.broadcast.wiring import bulletin_service

    # Given a one-off normal item approved for in an hour
    at = (clock() + timedelta(hours=1)).isoformat()
    draft = _draft(api, people["editor"], priority="normal", schedule={"kind": "once", "at": at})
    approved = json.loads(_post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["approver"]).body)
    assert fanout.sent == [] and approved["next_play_at"]
    # When it is revoked before its time
    revoked = _post(
        api, f"/bulletins/{draft['id']}/revoke", {"version": approved["version"], "reason": "Hoãn"}, people["editor"]
    )
    assert revoked.status_code == 200 and json.loads(revoked.body)["status"] == "cancelled"
    # Then the scheduler finds nothing to play at that minute
    clock.advance(hours=1)
    fired = services.get(bulletin_service).fire_due(minute_bucket(clock()))
    assert fired.played == [] and fanout.sent == []
    # And the CAP feed carries a Cancel that references the Alert
    cap = api.http.get(f"/cap/giao-phong/{draft['id']}.xml").body
    root = ET.fromstring(cap)  # noqa: S314
    assert root.findtext(f"{{{CAP_NS}}}msgType") == "Cancel" and cap_problems(cap) == []
    assert f"vn.smartcommune.giao-phong.{draft['id']}.1" in root.findtext(f"{{{CAP_NS}}}references")


def test_scheduled_item_plays_once_at_its_minute(api, people, fanout, services, clock):
    from smartcommune.broadcast.logic.schedules import minute_bucket
    from smartcommune.broadcast.wiring import bulletin_service

    at = (clock() + timedelta(minutes=30)).replace(second=0, microsecond=0)
    draft = _draft(api, people["editor"], priority="priority", schedule={"kind": "once", "at": at.isoformat()})
    _post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["approver"])
    clock.advance(minutes=30)
    service = services.get(bulletin_service)
    assert service.fire_due(minute_bucket(at)).played == [draft["id"]]
    assert service.fire_due(minute_bucket(at)).played == []  # a second run plays nothing
    assert len(fanout.sent) == 1 and len(fanout.sent[0]["targets"]) == 10


def test_edit_after_approval_needs_approval_again_and_issues_a_cap_update(api, people, fanout, clock):
    # Given a bulletin approved to play in two hours (one that has already aired is not edited: see
    # test_bulletin_lifecycle_api)
    at = (clock() + timedelta(hours=2)).isoformat()
    draft = _draft(api, people["editor"], schedule={"kind": "once", "at": at})
    approved = json.loads(_post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["approver"]).body)
    # When the editor corrects the text
    edited = api.http.patch(
        f"/bulletins/{draft['id']}",
        body=json.dumps({"version": approved["version"], "text": "Bão đã đổi hướng, vẫn cần đề phòng."}),
        headers=auth(people["editor"]),
    )
    edited_body = json.loads(edited.body)
    assert edited.status_code == 200 and edited_body["status"] == "draft"
    assert edited_body["audio"]["sha256"] != draft["audio"]["sha256"]
    # Then the public still sees the approved text until a second approval
    feed = json.loads(api.http.get("/communes/giao-phong/alerts").body)["items"]
    assert feed[0]["text"] == draft["text"]
    _post(api, f"/bulletins/{draft['id']}/approve", {"version": edited_body["version"]}, people["admin2"])
    cap = api.http.get(f"/cap/giao-phong/{draft['id']}.xml").body
    root = ET.fromstring(cap)  # noqa: S314
    assert root.findtext(f"{{{CAP_NS}}}msgType") == "Update" and cap_problems(cap) == []
    assert root.findtext(f"{{{CAP_NS}}}references").count(",") == 2
    assert api.http.get(f"/cap/giao-phong/{draft['id']}-1.xml").status_code == 200
    assert fanout.sent == []  # still waiting for its time


def test_approval_of_a_stale_version_writes_nothing(api, people, fanout):
    draft = _draft(api, people["editor"])
    response = _post(api, f"/bulletins/{draft['id']}/approve", {"version": 7}, people["approver"])
    assert response.status_code == 409 and fanout.sent == []


def test_sms_goes_only_to_subscribers_of_the_targeted_hamlets(api, people, services, settings):
    # Given one citizen subscribed to hamlet 1 and one to hamlet 3
    t1, _ = citizen_token(services)
    t3, _ = citizen_token(services)
    assert _post(api, "/me/alert-subscription", {"hamlets": ["xom-1"]}, t1).status_code == 200
    assert _post(api, "/me/alert-subscription", {"hamlets": ["xom-3"]}, t3).status_code == 200
    assert _post(api, "/me/alert-subscription", {"hamlets": ["xom-99"]}, t3).status_code == 422
    # When an alert for hamlet 1 is approved
    draft = _draft(api, people["editor"], target={"scope": "hamlets", "hamlets": ["xom-1"]})
    _post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["approver"])
    # Then exactly one SMS was queued, to the hamlet-1 subscriber
    from tests.support.sms import deliver_queued_sms

    deliver_queued_sms(settings)
    alerts = [m for m in read_outbox(settings.outbox_path) if m["purpose"] == "alert"]
    me1 = json.loads(api.http.get("/me", headers=auth(t1)).body)
    assert len(alerts) == 1 and alerts[0]["phone"] == me1["phone"]
    assert "KHẨN CẤP" in alerts[0]["text"]


def test_bad_input_is_refused_bilingually_and_nothing_written(api, people, fanout):
    response = _post(api, "/bulletins", {"headline": "x", "text": "", "target": {"scope": "hamlets"}}, people["editor"])
    assert response.status_code == 422
    error = json.loads(response.body)["error"]
    assert error["message"] and error["message_en"]
    unknown = _post(
        api,
        "/bulletins",
        {"headline": "Tin", "text": "Nội dung", "target": {"scope": "hamlets", "hamlets": ["khong-co"]}},
        people["editor"],
    )
    assert unknown.status_code == 422
    assert json.loads(api.http.get("/bulletins", headers=auth(people["editor"])).body)["items"] == []
