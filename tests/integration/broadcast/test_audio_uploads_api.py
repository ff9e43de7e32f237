"""Recorded audio through the API on moto: a same-origin upload ticket that signs type and size, a real-MP3 check,
the admin page's player on the site's own origin, and a limit on how many tickets one person may take."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from smartcommune.broadcast.logic.rules import AUDIO_TICKETS_PER_HOUR
from smartcommune.broadcast.storage.speech import Speech
from smartcommune.broadcast.wiring import bulletin_fanout, speaker_directory
from smartcommune.core.contracts import Role
from tests.integration.broadcast.test_bulletins_api import FakeDirectory, FakeFanout
from tests.support.identities import auth, ensure_demo_communes, staff_token


@pytest.fixture(scope="module")
def recording() -> bytes:
    return Speech().mp3("Đây là bản ghi âm của cán bộ văn hóa xã về lịch tiêm chủng.")


@pytest.fixture
def fanout(services: Any) -> FakeFanout:
    fake = FakeFanout()
    services.override(bulletin_fanout, fake)
    services.override(speaker_directory, FakeDirectory())
    ensure_demo_communes(services)
    return fake


@pytest.fixture
def people(services: Any, fanout: FakeFanout) -> dict[str, str]:
    return {
        "editor": staff_token(services, Role.CULTURE, username="gp.culture"),
        "approver": staff_token(services, Role.ADMIN, username="gp.admin"),
    }


def _post(api: Any, path: str, body: dict[str, Any], token: str) -> Any:
    return api.http.post(path, body=json.dumps(body), headers=auth(token))


def _draft(api: Any, token: str) -> dict[str, Any]:
    body = {"headline": "Lịch tiêm chủng", "text": "Tiêm chủng mở rộng tại trạm y tế xã.", "category": "Health"}
    response = _post(api, "/bulletins", body, token)
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def _ticket(api: Any, draft: dict[str, Any], size: int, token: str) -> Any:
    return _post(
        api, f"/bulletins/{draft['id']}/audio-upload", {"version": draft["version"], "size_bytes": size}, token
    )


def _upload(settings: Any, key: str, body: bytes) -> None:
    """What the page's PUT to the ticket's URL leaves in the bucket (moto checks no signature)."""
    boto3.client("s3", region_name="ap-southeast-1").put_object(
        Bucket=settings.media_bucket, Key=key, Body=body, ContentType="audio/mpeg"
    )


def test_an_upload_ticket_is_on_the_site_itself_and_signs_the_type_and_exact_size(api, people, recording):
    # Given a draft / When the editor asks to upload a recording of a given size
    draft = _draft(api, people["editor"])
    response = _ticket(api, draft, len(recording), people["editor"])
    assert response.status_code == 200, response.body
    ticket = json.loads(response.body)
    # Then the URL is on the page's own origin (the Content-Security-Policy allows nothing else) under the
    # bulletin's upload prefix, and its signature covers Content-Type and Content-Length (S3 refuses other sizes)
    url = urlsplit(ticket["url"])
    assert not url.scheme and not url.netloc
    assert url.path.startswith(f"/media/uploads/audio/giao-phong/{draft['id']}/")
    signed = parse_qs(url.query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-length", "content-type", "host"} <= set(signed)
    assert ticket["method"] == "PUT" and ticket["key"] == url.path.removeprefix("/")
    assert ticket["headers"] == {"Content-Type": "audio/mpeg", "Content-Length": str(len(recording))}


def test_a_recorded_mp3_replaces_the_speech_and_the_page_plays_it_from_its_own_origin(
    api, people, settings, fanout, recording
):
    # Given a draft and a recording uploaded with its ticket
    draft = _draft(api, people["editor"])
    ticket = json.loads(_ticket(api, draft, len(recording), people["editor"]).body)
    _upload(settings, ticket["key"], recording)
    # When the editor confirms it
    response = _post(
        api, f"/bulletins/{draft['id']}/audio", {"version": draft["version"], "key": ticket["key"]}, people["editor"]
    )
    # Then the bulletin plays the recording, and the page's player loads it from /media/ on the site itself
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    assert body["audio"]["source"] == "upload" and body["audio"]["sha256"] != draft["audio"]["sha256"]
    assert body["audio_url"].startswith(f"/media/audio/giao-phong/{draft['id']}/")
    kept = boto3.client("s3", region_name="ap-southeast-1").get_object(
        Bucket=settings.media_bucket, Key=urlsplit(body["audio_url"]).path.removeprefix("/")
    )
    assert kept["Body"].read() == recording
    # And once approved, the loudspeakers get the same audio straight from S3
    approved = _post(api, f"/bulletins/{draft['id']}/approve", {"version": body["version"]}, people["approver"])
    assert approved.status_code == 200, approved.body
    assert fanout.sent[0]["sha"] == body["audio"]["sha256"] and urlsplit(fanout.sent[0]["audio_url"]).netloc


def test_speech_made_for_a_draft_also_plays_from_the_sites_own_origin(api, people):
    draft = _draft(api, people["editor"])
    assert draft["audio"]["source"] == "tts" and draft["audio_url"].startswith("/media/audio/giao-phong/")


def test_a_file_that_only_contains_something_like_mp3_is_refused(api, people, settings):
    # Given a web page with an MP3 frame header hidden inside, uploaded as a "recording"
    draft = _draft(api, people["editor"])
    fake = b"<html><script>alert(1)</script>" + bytes([0xFF, 0xF3, 0x60, 0xC4]) + bytes(3000) + b"</html>"
    ticket = json.loads(_ticket(api, draft, len(fake), people["editor"]).body)
    _upload(settings, ticket["key"], fake)
    # When the editor confirms it
    response = _post(
        api, f"/bulletins/{draft['id']}/audio", {"version": draft["version"], "key": ticket["key"]}, people["editor"]
    )
    # Then it is refused in Vietnamese and English, and the bulletin keeps its speech
    assert response.status_code == 422, response.body
    error = json.loads(response.body)["error"]
    assert "MP3" in error["message"] and "not an MP3" in error["message_en"]
    after = json.loads(api.http.get(f"/bulletins/{draft['id']}", headers=auth(people["editor"])).body)
    assert after["audio"] == draft["audio"]


def test_upload_tickets_are_limited_per_person(api, people, services):
    # Given a draft / When one editor asks for more upload tickets than allowed in an hour
    draft = _draft(api, people["editor"])
    codes = [_ticket(api, draft, 4096, people["editor"]).status_code for _ in range(AUDIO_TICKETS_PER_HOUR)]
    over = _ticket(api, draft, 4096, people["editor"])
    # Then the ones over the limit are refused with when to try again; another person is not affected
    assert codes == [200] * AUDIO_TICKETS_PER_HOUR
    assert over.status_code == 429
    error = json.loads(over.body)["error"]
    assert "thử lại sau" in error["message"] and error["retry_after_s"] > 0
    other = staff_token(services, Role.OFFICE, username="gp.office")
    assert _ticket(api, draft, 4096, other).status_code == 200
