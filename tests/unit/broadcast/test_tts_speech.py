"""Real Vietnamese speech: espeak-ng (voice vi) → lame → MP3 with a valid header, a plausible length, a checksum."""

from __future__ import annotations

import hashlib

import pytest

from smartcommune.broadcast.storage.speech import S3AudioStore, Speech, SpeechError, audio_key, mp3_info

TEXT = "Thông báo khẩn cấp: bão số 3 sắp đổ bộ vào xã Giao Phong. Bà con khẩn trương chằng chống nhà cửa."


class RecordingS3:
    def __init__(self) -> None:
        self.objects: dict[str, dict] = {}

    def put_object(self, **kwargs) -> None:
        self.objects[kwargs["Key"]] = kwargs


def test_vietnamese_text_becomes_mp3_of_plausible_length():
    mp3 = Speech().mp3(TEXT)
    info = mp3_info(mp3)
    assert mp3[:2] == b"\xff\xf3" or mp3[:3] == b"ID3" or mp3[0] == 0xFF
    assert info.sample_rate == 22050 and info.bitrate_kbps == 48
    assert 4.0 < info.duration_s < 15.0  # ~20 words read at ~145 words per minute


def test_stored_under_its_checksum_with_metadata():
    s3 = RecordingS3()
    ref = S3AudioStore(s3, "media", Speech()).synthesize("giao-phong", "b" * 32, TEXT)
    stored = s3.objects[ref.key]
    assert ref.key == audio_key("giao-phong", "b" * 32, ref.sha256)
    assert hashlib.sha256(stored["Body"]).hexdigest() == ref.sha256 == stored["Metadata"]["sha256"]
    assert stored["ContentType"] == "audio/mpeg" and ref.duration_s and ref.source == "tts"


def test_binaries_come_from_settings_and_a_wrong_path_is_a_clear_error():
    with pytest.raises(SpeechError, match="espeak-ng could not run"):
        Speech(espeak_path="/nonexistent/espeak-ng").mp3(TEXT)


def test_non_mp3_is_refused():
    with pytest.raises(ValueError, match="not an MP3"):
        mp3_info(b"RIFF....WAVEfmt " + bytes(200))
