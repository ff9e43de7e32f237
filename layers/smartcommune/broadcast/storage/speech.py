"""Vietnamese text-to-speech with Debian's ``espeak-ng`` (voice ``vi``) → WAV → MP3 with ``lame``, stored in S3.

Both programs run as subprocesses without a shell, their paths from settings (``tts_espeak_path``,
``tts_lame_path``): on PATH locally, ``/opt/bin/...`` from the Lambda layer (``docs/tts.md``). Audio lives in the
media bucket at ``media/audio/<commune>/<bulletin>/<sha256>.mp3`` with the SHA-256 in the object's metadata, the
same checksum the speakers verify before playing. Recordings are uploaded (same-origin, ``/media/…``) to
``media/uploads/audio/<commune>/<bulletin>/<id>.mp3``, checked, and kept under their checksum like speech.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from smartcommune.broadcast.contracts import AudioRef, AudioUploadTicket
from smartcommune.core.aws import MEDIA_PREFIX, same_origin

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings

MP3_MIME = "audio/mpeg"
MAX_AUDIO_BYTES = 20 * 1024 * 1024

# MPEG-1 Layer III bitrates (kbit/s) by header index; MPEG-2/2.5 (low sample rates) use the second row.
_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


class SpeechError(RuntimeError):
    """espeak-ng or lame failed (missing binary, bad voice)."""


@dataclass(frozen=True)
class Mp3Info:
    sample_rate: int
    bitrate_kbps: int
    duration_s: float


MIN_FRAMES = 4
"""Consecutive valid frames a file must start with (after its ID3 tag) to count as MP3: about 0.1 s of audio."""


def _skip_id3(data: bytes) -> int:
    """Where the audio starts: after an ID3v2 tag (and its footer) when the file opens with one, else 0."""
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = (data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def _frame_at(data: bytes, offset: int) -> tuple[int, int, int, int] | None:
    """``(version, sample rate, kbit/s, frame length)`` of an MPEG Layer III frame header at ``offset``, or None."""
    if offset + 4 > len(data) or data[offset] != 0xFF or data[offset + 1] & 0xE0 != 0xE0:
        return None
    b1, b2 = data[offset + 1], data[offset + 2]
    version = (b1 >> 3) & 0x03  # 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5 (1 is reserved)
    layer = (b1 >> 1) & 0x03  # 1 = Layer III
    bitrate_index = b2 >> 4
    rate_index = (b2 >> 2) & 0x03
    if version == 1 or layer != 1 or not 0 < bitrate_index < 15 or rate_index == 3:
        return None
    kbps = _BITRATES[1 if version == 3 else 2][bitrate_index]
    rate = _SAMPLE_RATES[version][rate_index]
    padding = (b2 >> 1) & 0x01
    length = (144 if version == 3 else 72) * kbps * 1000 // rate + padding
    return version, rate, kbps, length


def mp3_info(data: bytes) -> Mp3Info:
    """Check ``data`` is an MPEG Layer III stream and read its first frame; the duration assumes constant bitrate.

    The stream must begin at offset 0 (or right after an ID3v2 tag) with ``MIN_FRAMES`` consecutive valid frames
    of the same version and sample rate, each starting where the previous one ends. A file that merely contains
    something like a frame header somewhere (a web page, a WAV, a truncated file) raises ``ValueError``.
    """
    start = offset = _skip_id3(data)
    refusal = f"not an MP3 stream (needs {MIN_FRAMES} consecutive MPEG Layer III frames from byte {start})"
    first = _frame_at(data, offset)
    if first is None:
        raise ValueError(refusal)
    for _ in range(MIN_FRAMES):
        frame = _frame_at(data, offset)
        if frame is None or frame[:2] != first[:2]:
            raise ValueError(refusal)
        offset += frame[3]
    _, rate, kbps, _ = first
    duration = (len(data) - start) * 8 / (kbps * 1000)
    return Mp3Info(sample_rate=rate, bitrate_kbps=kbps, duration_s=round(duration, 2))


class Speech:
    """Text → MP3 bytes (mono, 48 kbit/s: speech over horn loudspeakers needs no more)."""

    def __init__(
        self,
        espeak_path: str = "espeak-ng",
        lame_path: str = "lame",
        voice: str = "vi",
        data_path: str | None = None,
        words_per_minute: int = 145,
    ) -> None:
        self._espeak = espeak_path
        self._lame = lame_path
        self._voice = voice
        self._wpm = words_per_minute
        self._env = {**os.environ, "ESPEAK_DATA_PATH": data_path} if data_path else None

    @classmethod
    def of(cls, settings: Settings) -> Speech:
        return cls(settings.tts_espeak_path, settings.tts_lame_path, settings.tts_voice, settings.tts_espeak_data_path)

    def wav(self, text: str) -> bytes:
        """Vietnamese speech as a WAV file (espeak-ng reads the text on stdin: no length limit, no quoting)."""
        command = [self._espeak, "-v", self._voice, "-s", str(self._wpm), "--stdin", "--stdout"]
        return self._run(command, text.encode("utf-8"), "espeak-ng")

    def mp3(self, text: str) -> bytes:
        """Vietnamese speech as MP3."""
        wav = self.wav(text)
        command = [self._lame, "--quiet", "-m", "m", "-b", "48", "--resample", "22.05", "-", "-"]
        return self._run(command, wav, "lame")

    def _run(self, command: list[str], stdin: bytes, name: str) -> bytes:
        try:
            done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
                command, input=stdin, capture_output=True, check=False, timeout=60, env=self._env
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpeechError(f"{name} could not run ({command[0]}): {exc}") from exc
        if done.returncode != 0 or not done.stdout:
            raise SpeechError(f"{name} failed ({done.returncode}): {done.stderr.decode(errors='replace')[:300]}")
        return done.stdout


def audio_key(commune_id: str, bulletin_id: str, sha256: str) -> str:
    """Where the speakers' audio is kept (under ``media/``, so the admin page can play it same-origin)."""
    return f"{MEDIA_PREFIX}audio/{commune_id}/{bulletin_id}/{sha256}.mp3"


UPLOAD_PREFIX = f"{MEDIA_PREFIX}uploads/"
"""Where uploads land before they are checked; the media bucket's lifecycle rule deletes them after a day."""


def upload_prefix(commune_id: str, bulletin_id: str) -> str:
    return f"{UPLOAD_PREFIX}audio/{commune_id}/{bulletin_id}/"


_RANGE_TOTAL = re.compile(r"/(\d+)$")


class S3AudioStore:
    """Implements ``smartcommune.broadcast.logic.ports.AudioStore`` on the media bucket."""

    def __init__(self, s3: Any, bucket: str, speech: Speech) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._speech = speech

    def store(self, commune_id: str, bulletin_id: str, mp3: bytes, source: str) -> AudioRef:
        """Keep ``mp3`` under its checksum (idempotent: the same audio is the same object)."""
        info = mp3_info(mp3)
        sha = hashlib.sha256(mp3).hexdigest()
        key = audio_key(commune_id, bulletin_id, sha)
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=mp3,
            ContentType=MP3_MIME,
            Metadata={"sha256": sha, "source": source},
        )
        return AudioRef(
            key=key,
            sha256=sha,
            source="upload" if source == "upload" else "tts",
            size_bytes=len(mp3),
            duration_s=info.duration_s,
        )

    def synthesize(self, commune_id: str, bulletin_id: str, text: str) -> AudioRef:
        return self.store(commune_id, bulletin_id, self._speech.mp3(text), "tts")

    def url(self, key: str, expires_s: int) -> str:
        """A presigned GET the speakers download the MP3 with (straight from S3: speakers are not pages)."""
        return str(
            self._s3.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_s
            )
        )

    def page_url(self, key: str, expires_s: int) -> str | None:
        """A presigned GET on the site's own origin (``/media/…``) for the admin page's player; None for audio
        kept under an older key outside ``media/`` (the page's Content-Security-Policy admits only its origin)."""
        if not key.startswith(MEDIA_PREFIX):
            return None
        return same_origin(self.url(key, expires_s), self._bucket)

    def upload_ticket(
        self, commune_id: str, bulletin_id: str, upload_id: str, size_bytes: int, expires_s: int = 900
    ) -> AudioUploadTicket:
        """A same-origin presigned PUT for a recording of exactly ``size_bytes`` (type and length signed)."""
        if not 0 < size_bytes <= MAX_AUDIO_BYTES:
            raise ValueError("the recording is too large")
        key = f"{upload_prefix(commune_id, bulletin_id)}{upload_id}.mp3"
        url = self._s3.generate_presigned_url(
            "put_object",
            Params={"Bucket": self._bucket, "Key": key, "ContentType": MP3_MIME, "ContentLength": size_bytes},
            ExpiresIn=expires_s,
        )
        return AudioUploadTicket(
            key=key,
            url=same_origin(str(url), self._bucket),
            headers={"Content-Type": MP3_MIME, "Content-Length": str(size_bytes)},
            expires_in_s=expires_s,
        )

    def adopt(self, commune_id: str, bulletin_id: str, key: str) -> AudioRef:
        """Check an uploaded file is MP3 of a sane size and keep it under its checksum; ``ValueError`` if not.

        One ranged GET reads at most ``MAX_AUDIO_BYTES + 1`` bytes and learns the object's full size from
        ``Content-Range``: what is checked is what is kept (the bytes read, stored under their checksum), even if
        the upload is replaced meanwhile, and a file over the limit is never read whole. moto does not check
        presigned signatures, so the size and type signed in the ticket are checked again here.
        """
        if not key.startswith(upload_prefix(commune_id, bulletin_id)) or ".." in key.split("/"):
            raise ValueError("the upload belongs to another bulletin")
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{MAX_AUDIO_BYTES}")
        except Exception as exc:  # botocore ClientError: not uploaded (yet), or empty (InvalidRange)
            raise ValueError("nothing was uploaded there") from exc
        data = response["Body"].read(MAX_AUDIO_BYTES + 1)
        match = _RANGE_TOTAL.search(response.get("ContentRange") or "")
        size = int(match.group(1)) if match else len(data)
        if size > MAX_AUDIO_BYTES or len(data) > MAX_AUDIO_BYTES:
            raise ValueError("the recording is too large")
        return self.store(commune_id, bulletin_id, data, "upload")
