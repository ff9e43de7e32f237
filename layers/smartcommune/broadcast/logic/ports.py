"""What bulletin logic needs from outside, as ``typing.Protocol`` ports (stores, speakers, speech, SMS, statistics).

Its own room because the ports are the contract between the pure logic and its adapters: ``broadcast.wiring``
passes the real ones (``broadcast.storage``, the device fabric, the communes capability) and unit tests pass
in-memory fakes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.broadcast.contracts import (
        AudioRef,
        AudioUploadTicket,
        Bulletin,
        BulletinPage,
        PublishedMessage,
        ScheduledPlay,
    )
    from smartcommune.communes.contracts import Commune
    from smartcommune.devices.contracts import Cluster


class BulletinStore(Protocol):
    """Bulletins and what hangs off them (``smartcommune.broadcast.storage.bulletins.BulletinRepository``).

    ``save`` writes ``after`` conditioned on ``before`` being unchanged (its version), together with the audit
    entry and the derived items: the next scheduled play (by its minute), new CAP messages, and the public alert.
    """

    def get(self, commune_id: str, bulletin_id: str) -> Bulletin | None: ...

    def save(self, before: Bulletin | None, after: Bulletin, audit: AuditRecord) -> Bulletin: ...

    def page(self, commune_id: str, status: str | None, cursor: str | None, limit: int) -> BulletinPage: ...

    def due(self, bucket: str) -> list[ScheduledPlay]: ...

    def alerts(self, commune_id: str, hamlet: str | None, limit: int) -> list[Bulletin]: ...

    def message(self, commune_id: str, bulletin_id: str, seq: int) -> Bulletin | None:
        """The bulletin as it was when CAP message ``seq`` was issued."""

    def messages(self, commune_id: str | None, limit: int) -> list[tuple[Bulletin, PublishedMessage]]:
        """The newest CAP messages of a commune (or of every commune), newest first."""


class SpeakerDirectory(Protocol):
    """The commune's loudspeaker clusters and their things (the device registry)."""

    def clusters(self, commune_id: str) -> list[Cluster]: ...


class AudioStore(Protocol):
    """Speech synthesis and the audio files in the media bucket (``broadcast.storage.speech.S3AudioStore``)."""

    def synthesize(self, commune_id: str, bulletin_id: str, text: str) -> AudioRef: ...

    def url(self, key: str, expires_s: int) -> str:
        """A presigned GET for the loudspeakers."""

    def upload_ticket(
        self, commune_id: str, bulletin_id: str, upload_id: str, size_bytes: int, expires_s: int = 900
    ) -> AudioUploadTicket:
        """A same-origin presigned PUT for a recording of exactly ``size_bytes``."""

    def adopt(self, commune_id: str, bulletin_id: str, key: str) -> AudioRef:
        """Check an upload is MP3 within the size limit and keep it; ``ValueError`` (with the reason) if not."""


class RateLimiter(Protocol):
    """Fixed-window counters (``core.rates``): ``None`` while under ``limit``, else seconds until the window ends."""

    def hit(self, key: str, limit: int, window_s: int, now: datetime) -> int | None: ...


class AlertSms(Protocol):
    """Subscribed citizens' phones by hamlet, and the SMS queue (in batches)."""

    def subscribers(self, commune_id: str, hamlets: list[str]) -> list[str]: ...

    def send_batch(self, phones: list[str], text: str, purpose: str) -> int: ...


class StatsStore(Protocol):
    """Broadcast statistics counters and the fan-outs whose reports are still to be counted."""

    def record(
        self,
        *,
        commune_id: str,
        bulletin_id: str,
        command_id: str,
        day: str,
        rows: list[tuple[str, str, str]],
        duration_s: float,
    ) -> bool: ...

    def add_pending(self, commune_id: str, bulletin_id: str, command_id: str, deadline: datetime) -> None: ...

    def pending(self, limit: int = 200) -> list[tuple[str, str, str, datetime]]: ...

    def done(self, commune_id: str, bulletin_id: str, command_id: str) -> None: ...

    def period(self, commune_id: str, period: str) -> dict[str, Any]: ...


class CommuneLookup(Protocol):
    def get(self, commune_id: str) -> Commune | None: ...
