"""Recorded audio: only a real MP3 is played, it is read once and never beyond the size limit, and abandoned
uploads expire from the media bucket."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest

from smartcommune.broadcast.storage.speech import MAX_AUDIO_BYTES, S3AudioStore, Speech, mp3_info
from smartcommune_local.template import load_template

BULLETIN = "b" * 32
UPLOAD_PREFIX = f"media/uploads/audio/giao-phong/{BULLETIN}/"


@pytest.fixture(scope="module")
def mp3() -> bytes:
    return Speech().mp3("Thông báo của Ủy ban nhân dân xã Giao Phong về lịch tiêm chủng.")


def _frame_header() -> bytes:
    return bytes([0xFF, 0xF3, 0x60, 0xC4])  # MPEG-2 Layer III, 48 kbit/s, 22.05 kHz


def test_a_recording_made_by_an_encoder_is_accepted(mp3):
    info = mp3_info(mp3)
    assert info.sample_rate == 22050 and info.bitrate_kbps == 48 and info.duration_s > 1


def test_an_id3_tag_before_the_first_frame_is_allowed(mp3):
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(10)  # ID3v2.4, 10 bytes of (empty) frames
    assert mp3_info(tag + mp3).sample_rate == 22050


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"<html><script>alert(1)</script>" + _frame_header() + bytes(4000), id="frame header inside"),
        pytest.param(b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"junk" + _frame_header() + bytes(4000), id="junk after ID3"),
        pytest.param(_frame_header() + bytes(4000), id="one header then zeros"),
        pytest.param(b"RIFF....WAVEfmt " + bytes(2000), id="WAV"),
    ],
)
def test_a_file_that_only_looks_like_mp3_somewhere_is_refused(data):
    # A file is MP3 when it starts with an ID3 tag or a frame, followed by several consecutive valid frames
    with pytest.raises(ValueError, match="not an MP3"):
        mp3_info(data)


def test_a_truncated_recording_of_too_few_frames_is_refused(mp3):
    with pytest.raises(ValueError, match="not an MP3"):
        mp3_info(mp3[:200])


class MediaBucket:
    """One uploaded object, served as S3 serves it: ranged GETs answer 206 with ``Content-Range: bytes a-b/total``.

    ``listed_size`` is what a HEAD reports: the size when the upload was first looked at, which a second PUT to
    the same presigned key (or a slow upload finishing) can make stale by the time the object is read.
    """

    def __init__(self, body: bytes, listed_size: int | None = None) -> None:
        self.body = body
        self.listed_size = len(body) if listed_size is None else listed_size
        self.sent_bytes = 0
        self.put: dict[str, bytes] = {}

    def head_object(self, **kwargs: Any) -> dict[str, Any]:
        return {"ContentLength": self.listed_size, "ContentType": "audio/mpeg"}

    def get_object(self, **kwargs: Any) -> dict[str, Any]:
        body = self.body
        if "Range" in kwargs:
            start, end = (int(x) for x in kwargs["Range"].removeprefix("bytes=").split("-"))
            part = body[start : end + 1]
            self.sent_bytes += len(part)
            return {
                "Body": io.BytesIO(part),
                "ContentLength": len(part),
                "ContentRange": f"bytes {start}-{start + len(part) - 1}/{len(body)}",
                "ContentType": "audio/mpeg",
            }
        self.sent_bytes += len(body)
        return {"Body": io.BytesIO(body), "ContentLength": len(body), "ContentType": "audio/mpeg"}

    def put_object(self, **kwargs: Any) -> None:
        self.put[kwargs["Key"]] = kwargs["Body"]


def test_a_recording_grown_past_the_limit_after_it_was_listed_is_refused_and_never_read_whole(mp3):
    # Given an upload listed at the small size first uploaded, whose object is now an MP3 over the 20 MB limit
    big = mp3 * (MAX_AUDIO_BYTES // len(mp3) + 2)
    s3 = MediaBucket(big, listed_size=len(mp3))
    store = S3AudioStore(s3, "media", Speech())
    # When the platform adopts it
    with pytest.raises(ValueError, match="too large"):
        store.adopt("giao-phong", BULLETIN, UPLOAD_PREFIX + "u1.mp3")
    # Then nothing is kept, and no more than the limit (plus one byte, to see it is over) was ever read
    assert s3.put == {}
    assert s3.sent_bytes <= MAX_AUDIO_BYTES + 1


def test_what_is_kept_is_exactly_what_was_read_and_checked(mp3):
    s3 = MediaBucket(mp3)
    ref = S3AudioStore(s3, "media", Speech()).adopt("giao-phong", BULLETIN, UPLOAD_PREFIX + "u2.mp3")
    assert ref.source == "upload" and ref.sha256 == hashlib.sha256(mp3).hexdigest()
    assert s3.put[ref.key] == mp3 and s3.sent_bytes == len(mp3)


def test_an_upload_of_another_bulletin_is_refused(mp3):
    store = S3AudioStore(MediaBucket(mp3), "media", Speech())
    for key in (f"media/uploads/audio/giao-phong/{'c' * 32}/u.mp3", f"{UPLOAD_PREFIX}../../{'c' * 32}/u.mp3"):
        with pytest.raises(ValueError, match="another bulletin"):
            store.adopt("giao-phong", BULLETIN, key)


def test_abandoned_uploads_expire_after_a_day():
    # Given the media bucket of template.yaml and the key a recording is uploaded to
    rules = load_template()["Resources"]["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    ticket = S3AudioStore(_Presigner(), "media-bucket", Speech()).upload_ticket("giao-phong", BULLETIN, "u3", 4096)
    # Then an enabled rule expires objects under the upload prefix after one day, and the upload key is under it
    expiring = [r for r in rules if r["Status"] == "Enabled" and r.get("ExpirationInDays") == 1]
    prefixes = [r["Prefix"] for r in expiring]
    assert any(ticket.key.startswith(p) for p in prefixes), (ticket.key, prefixes)
    # And the audio kept for the loudspeakers is not under it
    assert not any(f"media/audio/giao-phong/{BULLETIN}/x.mp3".startswith(p) for p in prefixes)


class _Presigner:
    def generate_presigned_url(self, method: str, Params: dict[str, Any], ExpiresIn: int) -> str:
        return f"https://media-bucket.s3.ap-southeast-1.amazonaws.com/{Params['Key']}?X-Amz-Signature=x"
