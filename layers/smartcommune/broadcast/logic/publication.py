"""Publication of an approved bulletin to its channels: SMS, the loudspeakers, and the public alert.

* **Publication.** On approval a bulletin is published once to the portal feed, the CAP feed and SMS (a CAP
  ``Alert``); re-approval after an edit issues an ``Update``, revoking a published bulletin a ``Cancel``; both
  reference the earlier messages. The CAP messages are added on approval (``approval``), stored with the bulletin
  by ``BulletinStore.save`` and rendered by ``broadcast.logic.cap``; this module sends the SMS, fans the bulletin
  out to its loudspeakers and renders the alert citizens see on the portal.

Its own room (a collaborator of ``BulletinService``) because the channels need only their own ports (speakers,
fan-out, audio, SMS, statistics), never the bulletin's lifecycle.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from smartcommune.broadcast.contracts import PublicAlert
from smartcommune.broadcast.logic.rules import COMMAND_EXPIRES_S, PRIORITY_LABEL_VI, START_IN_MS
from smartcommune.broadcast.logic.targets import area_description, target_things
from smartcommune.core.errors import ConflictError

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Bulletin
    from smartcommune.broadcast.logic.ports import AlertSms, AudioStore, SpeakerDirectory, StatsStore
    from smartcommune.communes.contracts import Commune
    from smartcommune.devices.contracts import DeliveryBatch, Fanout


def sms_text(commune: Commune, bulletin: Bulletin, msg_type: str) -> str:
    """The SMS citizens get: who, how urgent, the headline and what to do (kept short: SMS costs per part)."""
    label = {"Alert": PRIORITY_LABEL_VI[bulletin.priority], "Update": "CẬP NHẬT", "Cancel": "HỦY THÔNG BÁO"}[msg_type]
    text = f"[{commune.name}] {label}: {bulletin.headline}"
    if msg_type != "Cancel" and bulletin.instruction:
        text += f". {bulletin.instruction}"
    return text[:320]


class Publication:
    """Sends a bulletin to SMS subscribers and to its loudspeakers, and renders its public alert."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        speakers: SpeakerDirectory,
        fanout: Fanout,
        audio: AudioStore,
        sms: AlertSms,
        stats: StatsStore,
        public_base_url: str = "",
    ) -> None:
        self._clock = clock
        self._speakers = speakers
        self._fanout = fanout
        self._audio = audio
        self._sms = sms
        self._stats = stats
        self._public_base_url = public_base_url

    def notify_sms(self, commune: Commune, bulletin: Bulletin, msg_type: str) -> int:
        """Text the subscribers of the bulletin's hamlets (all the commune's when it targets the whole commune)."""
        phones = self._sms.subscribers(commune.id, bulletin.hamlets or [h.id for h in commune.hamlets])
        return self._sms.send_batch(phones, sms_text(commune, bulletin, msg_type), "alert") if phones else 0

    def play(self, bulletin: Bulletin) -> DeliveryBatch | None:
        """Fan the bulletin out to its loudspeakers; only ever called for an approved bulletin."""
        if bulletin.status != "approved" or bulletin.approval is None or bulletin.audio is None:
            raise ConflictError("Bản tin chưa được duyệt.", "The bulletin is not approved.")  # never reached by design
        things = target_things(bulletin.target, self._speakers.clusters(bulletin.commune_id))
        if not things:
            return None
        expires_in_s = COMMAND_EXPIRES_S[bulletin.priority]
        batch = self._fanout.send(
            bulletin.commune_id,
            bulletin.id,
            things,
            self._audio.url(bulletin.audio.key, expires_in_s + 600),
            bulletin.audio.sha256,
            bulletin.priority,
            bulletin.volume,
            bulletin.repeat,
            START_IN_MS[bulletin.priority],
            expires_in_s=expires_in_s,
        )
        self._stats.add_pending(bulletin.commune_id, bulletin.id, batch.command_id, batch.expires_at)
        return batch

    def public_alert(self, commune: Commune, bulletin: Bulletin) -> PublicAlert:
        """What the portal shows of a bulletin: active for ``valid_hours`` after it was first published, or past."""
        now = self._clock()
        first = bulletin.messages[0].sent if bulletin.messages else bulletin.created_at
        expires = first + timedelta(hours=bulletin.valid_hours)
        status = "cancelled" if bulletin.status == "cancelled" else ("active" if expires > now else "past")
        hamlets = bulletin.hamlets
        return PublicAlert(
            id=bulletin.id,
            commune_id=commune.id,
            headline=bulletin.headline,
            text=bulletin.text,
            instruction=bulletin.instruction,
            headline_en=bulletin.headline_en,
            text_en=bulletin.text_en,
            instruction_en=bulletin.instruction_en,
            category=bulletin.category,
            event=bulletin.event,
            priority=bulletin.priority,
            hamlets=hamlets,
            area=area_description(commune, hamlets),
            sender_name=bulletin.origin_name,
            sent=bulletin.messages[-1].sent if bulletin.messages else first,
            expires=expires,
            status=status,
            cap_url=f"{self._public_base_url}/cap/{commune.id}/{bulletin.id}.xml",
        )
