"""What staff read of a bulletin's life through the API (issue 9): a "Phát ngay" bulletin counts its play when it
airs with the approval, nothing is left to revoke once it has aired, a draft is edited or cancelled (never revoked),
and how long the public alert stays valid is the author's choice, checked on the server."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.integration.broadcast.test_bulletins_api import _draft, _post, fanout, people  # noqa: F401 - fixtures
from tests.support.identities import auth


def _get(api, path, token):
    return json.loads(api.http.get(path, headers=auth(token)).body)


def test_a_bulletin_played_now_counts_its_play_and_reads_aired(api, people, fanout):  # noqa: F811
    # Given a "Phát ngay" emergency bulletin for the whole commune, speakers only (not published anywhere)
    channels = {"speakers": True, "portal": False, "sms": False, "cap": False}
    draft = _draft(api, people["editor"], channels=channels)
    assert (draft["plays"], draft["stage"]) == (0, "draft")
    # When the chairman approves it
    response = _post(api, f"/bulletins/{draft['id']}/approve", {"version": draft["version"]}, people["approver"])
    # Then it plays once, and the bulletin says it has played once, with nothing left to play
    assert response.status_code == 200, response.body
    approved = json.loads(response.body)
    assert len(fanout.sent) == 1
    assert (approved["plays"], approved["stage"], approved["next_play_at"]) == (1, "aired", None)
    assert approved["last_played_at"]
    # And so do the bulletin read again and the list
    assert _get(api, f"/bulletins/{draft['id']}", people["editor"])["plays"] == 1
    listed = _get(api, "/bulletins", people["editor"])["items"][0]
    assert (listed["id"], listed["plays"], listed["stage"]) == (draft["id"], 1, "aired")
    # And the audit entry of the approval records the play
    audit = _get(api, "/audit", people["approver"])["entries"]
    approval = next(e for e in audit if e["action"] == "bulletin.approve")
    assert approval["after"]["plays"] == 1
    # And it can no longer be edited: it has aired
    edit = api.http.patch(
        f"/bulletins/{draft['id']}",
        body=json.dumps({"version": approved["version"], "text": "Sửa lại nội dung."}),
        headers=auth(people["editor"]),
    )
    assert edit.status_code == 409 and "phát xong" in json.loads(edit.body)["error"]["message"]
    # And revoking it now is refused, in Vietnamese and English: it has finished airing, nothing is scheduled
    revoke = _post(
        api, f"/bulletins/{draft['id']}/revoke", {"version": approved["version"], "reason": "Nhầm"}, people["editor"]
    )
    assert revoke.status_code == 409
    error = json.loads(revoke.body)["error"]
    assert "phát xong" in error["message"] and "finished airing" in error["message_en"]


def test_a_scheduled_bulletin_reads_scheduled_and_can_still_be_revoked(api, people, fanout, clock):  # noqa: F811
    at = (clock() + timedelta(hours=3)).isoformat()
    draft = _draft(api, people["editor"], priority="normal", schedule={"kind": "once", "at": at})
    approved = json.loads(_post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["approver"]).body)
    assert (approved["stage"], approved["plays"]) == ("scheduled", 0) and fanout.sent == []
    revoked = _post(
        api, f"/bulletins/{draft['id']}/revoke", {"version": approved["version"], "reason": "Hoãn"}, people["editor"]
    )
    assert revoked.status_code == 200 and json.loads(revoked.body)["stage"] == "cancelled"


def test_a_draft_is_cancelled_not_revoked_and_never_airs(api, people, fanout):  # noqa: F811
    # Given a draft by the culture officer
    draft = _draft(api, people["editor"])
    # When she cancels it
    response = _post(
        api, f"/bulletins/{draft['id']}/discard", {"version": draft["version"], "reason": "Soạn nhầm"}, people["editor"]
    )
    # Then it is cancelled: nothing plays, nothing is published, it can no longer be approved or edited
    assert response.status_code == 200, response.body
    cancelled = json.loads(response.body)
    assert (cancelled["status"], cancelled["stage"]) == ("discarded", "discarded")
    assert cancelled["revoked_reason"] == "Soạn nhầm"
    approve = _post(api, f"/bulletins/{draft['id']}/approve", {"version": cancelled["version"]}, people["approver"])
    assert approve.status_code == 409
    edit = api.http.patch(
        f"/bulletins/{draft['id']}",
        body=json.dumps({"version": cancelled["version"], "headline": "Tiêu đề mới"}),
        headers=auth(people["editor"]),
    )
    assert edit.status_code == 409
    assert fanout.sent == []
    assert _get(api, "/communes/giao-phong/alerts", people["editor"])["items"] == []
    # And the audit trail says who cancelled it
    audit = _get(api, "/audit", people["approver"])["entries"]
    assert any(e["action"] == "bulletin.discard" for e in audit)


def test_an_approved_bulletin_is_not_cancelled_as_a_draft(api, people, fanout, clock):  # noqa: F811
    at = (clock() + timedelta(hours=3)).isoformat()
    draft = _draft(api, people["editor"], priority="normal", schedule={"kind": "once", "at": at})
    approved = json.loads(_post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["approver"]).body)
    response = _post(api, f"/bulletins/{draft['id']}/discard", {"version": approved["version"]}, people["editor"])
    assert response.status_code == 409
    assert "Thu hồi" in json.loads(response.body)["error"]["message"]


def test_police_cannot_cancel_a_draft_of_another_field(api, people, fanout):  # noqa: F811
    draft = _draft(api, people["editor"], category="Met")
    response = _post(api, f"/bulletins/{draft['id']}/discard", {"version": draft["version"]}, people["police"])
    assert response.status_code == 403


def test_the_author_sets_how_long_the_alert_stays_valid(api, people, fanout, clock):  # noqa: F811
    # A validity of 0 hours or of more than 30 days is refused, naming the field, in Vietnamese and English
    for hours in (0, 24 * 30 + 1):
        body = {"headline": "Tin", "text": "Nội dung", "valid_hours": hours}
        response = _post(api, "/bulletins", body, people["editor"])
        assert response.status_code == 422, response.body
        error = json.loads(response.body)["error"]
        problem = next(d for d in error["details"] if d["field"].endswith("valid_hours"))
        assert problem["message"] and problem["message_en"]
        assert ("720" in problem["message"]) if hours else ("1" in problem["message"])
    # Given a "Phát ngay" bulletin about an event three days away, valid for 72 hours
    draft = _draft(api, people["editor"], valid_hours=72)
    _post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["approver"])
    # Then the portal keeps it active for three days, not one
    clock.advance(hours=48)
    feed = json.loads(api.http.get("/communes/giao-phong/alerts").body)["items"]
    assert feed[0]["status"] == "active"


def test_a_notice_for_the_portal_only_reads_published_and_plays_nothing(api, people, fanout):  # noqa: F811
    channels = {"speakers": False, "portal": True, "sms": False, "cap": True}
    draft = _draft(api, people["editor"], priority="normal", channels=channels)
    approved = json.loads(_post(api, f"/bulletins/{draft['id']}/approve", {"version": 1}, people["approver"]).body)
    assert (approved["stage"], approved["plays"]) == ("published", 0) and fanout.sent == []


def test_a_notice_for_an_event_days_away_must_stay_valid_until_it_plays(api, people, fanout, clock):  # noqa: F811
    # Given a one-off play three days from now
    at = (clock() + timedelta(days=3)).isoformat()
    body = {"headline": "Lễ hội làng", "text": "Mời bà con dự lễ hội.", "schedule": {"kind": "once", "at": at}}
    # When it is drafted with the default validity of one day
    response = _post(api, "/bulletins", body, people["editor"])
    # Then it is refused, on the validity, saying how long it must stay valid
    assert response.status_code == 422, response.body
    problem = json.loads(response.body)["error"]["details"][0]
    assert problem["field"] == "valid_hours"
    assert "hết hiệu lực trước giờ phát" in problem["message"] and "72 giờ" in problem["message"]
    assert "expire before the play" in problem["message_en"]
    # And valid for four days it is drafted
    draft = _draft(api, people["editor"], priority="normal", valid_hours=96, schedule={"kind": "once", "at": at})
    assert draft["valid_hours"] == 96
    # And a draft valid for a day cannot be moved to a play five days away
    short = _draft(api, people["editor"], priority="normal")
    later = (clock() + timedelta(days=5)).isoformat()
    moved = _post(
        api,
        f"/bulletins/{short['id']}/reschedule",
        {"version": short["version"], "schedule": {"kind": "once", "at": later}},
        people["editor"],
    )
    assert moved.status_code == 422 and json.loads(moved.body)["error"]["details"][0]["field"] == "valid_hours"
