"""The speaker registry: records, live state from heartbeats, uptime and outcome counters, and the clusters.

Everything here is about the speakers themselves (who they are, whether they are up, how they fared), as opposed
to the commands sent to them (``devices.storage.deliveries``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import PutError, UpdateError

from smartcommune.core.errors import NotFoundError
from smartcommune.core.table import commune_pk
from smartcommune.devices.contracts import Cluster, GeoPoint, Speaker, SpeakerState
from smartcommune.devices.logic import (
    HEARTBEAT_SLOT_S,
    SpeakerStats,
    is_online,
    month_days,
    slot_periods,
    speaker_stats,
)
from smartcommune.devices.storage.items import (
    SLOT_KEEP_S,
    ClusterItem,
    HeartbeatSlotItem,
    SpeakerItem,
    SpeakerOutcomeItem,
    SpeakerStatItem,
    outcomes_pk,
    speakers_pk,
)

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal


def _speaker_of(item: SpeakerItem) -> Speaker:
    return Speaker(
        thing=item.thing,
        commune_id=item.commune_id,
        cluster_id=item.cluster_id,
        hamlet_id=item.hamlet_id,
        location=GeoPoint(lat=float(item.lat), lon=float(item.lon)),
        label=item.label,
        volume=int(item.volume),
        emergency_volume=int(item.emergency_volume),
        topic_commune=item.topic_commune if item.topic_commune and item.topic_commune != item.commune_id else None,
    )


class DeviceRepository:
    """The speakers and clusters of one commune, with their live state."""

    def __init__(self, commune_id: str, offline_after_s: int = 90) -> None:
        self.commune_id = commune_id
        self.offline_after_s = offline_after_s

    def put_speakers(self, speakers: Iterable[Speaker]) -> None:
        """Create or replace registry records (keeps nothing of the live state: seeding only)."""
        with SpeakerItem.batch_write() as batch:
            for s in speakers:
                batch.save(
                    SpeakerItem(
                        speakers_pk(s.commune_id),
                        f"T#{s.thing}",
                        thing=s.thing,
                        commune_id=s.commune_id,
                        cluster_id=s.cluster_id,
                        hamlet_id=s.hamlet_id,
                        lat=s.location.lat,
                        lon=s.location.lon,
                        label=s.label,
                        volume=s.volume,
                        emergency_volume=s.emergency_volume,
                        topic_commune=s.namespace,
                    )
                )

    def put_cluster(self, cluster_id: str, hamlet_id: str, name: str, location: GeoPoint, things: list[str]) -> None:
        ClusterItem(
            speakers_pk(self.commune_id),
            f"CL#{cluster_id}",
            cluster_id=cluster_id,
            commune_id=self.commune_id,
            hamlet_id=hamlet_id,
            name=name,
            lat=location.lat,
            lon=location.lon,
            things=things,
        ).save()

    def _items(self) -> list[SpeakerItem]:
        return list(SpeakerItem.query(speakers_pk(self.commune_id), SpeakerItem.sk.startswith("T#")))

    def registry(self) -> dict[str, Speaker]:
        return {item.thing: _speaker_of(item) for item in self._items()}

    def states(self, now: datetime) -> list[SpeakerState]:
        return [self._state(item, now) for item in self._items()]

    def registered(self, thing: str) -> bool:
        """Whether ``thing`` is one of this commune's speakers (one key read of the registry record's type)."""
        try:
            SpeakerItem.get(speakers_pk(self.commune_id), f"T#{thing}", attributes_to_get=["type"])
        except SpeakerItem.DoesNotExist:
            return False
        return True

    def state(self, thing: str, now: datetime) -> SpeakerState:
        try:
            item = SpeakerItem.get(speakers_pk(self.commune_id), f"T#{thing}")
        except SpeakerItem.DoesNotExist as exc:
            raise NotFoundError("Không tìm thấy loa.", message_en="Speaker not found.") from exc
        return self._state(item, now)

    def _state(self, item: SpeakerItem, now: datetime) -> SpeakerState:
        base = _speaker_of(item).model_dump()
        return SpeakerState(
            **base,
            online=is_online(item.last_seen_at, now, self.offline_after_s),
            last_seen_at=item.last_seen_at,
            playing=bool(item.playing),
            reported_volume=int(item.reported_volume) if item.reported_volume is not None else None,
            last_command_id=item.last_command_id,
            last_command_state=item.last_command_state,
        )

    def record_heartbeat(
        self, thing: str, at: datetime, volume: int, playing: bool, *, slot: int | None = None
    ) -> int | None:
        """Live state from a heartbeat; returns the previously reported volume (NotFoundError for a thing that is
        not registered). With ``slot`` (see ``devices.logic.heartbeat_slot``) the heartbeat also counts towards
        the speaker's uptime statistics."""
        item = SpeakerItem(speakers_pk(self.commune_id), f"T#{thing}")
        try:
            # the projection must include the discriminator ("type"), or pynamodb cannot tell it is a speaker
            old = SpeakerItem.get(item.pk, item.sk, attributes_to_get=["type", "reported_volume"])
            previous = int(old.reported_volume) if old.reported_volume is not None else None
        except SpeakerItem.DoesNotExist as exc:  # an unregistered thing: nothing to update, nothing to count
            raise NotFoundError("Không tìm thấy loa.", message_en="Speaker not found.") from exc
        try:
            item.update(
                actions=[
                    SpeakerItem.last_seen_at.set(at),
                    SpeakerItem.reported_volume.set(volume),
                    SpeakerItem.playing.set(playing),
                ],
                condition=SpeakerItem.pk.exists(),
            )
        except UpdateError as exc:  # moved by a merger between the read and the write: found under its successor
            raise NotFoundError("Không tìm thấy loa.", message_en="Speaker not found.") from exc
        if slot is not None:
            self.count_uptime(thing, slot)
        return previous

    def count_uptime(self, thing: str, slot: int, slot_s: int = HEARTBEAT_SLOT_S) -> bool:
        """Count heartbeat ``slot`` as ``slot_s`` seconds of uptime, once; False when it was already counted.

        The slot item is put with a "must not exist" condition; only the writer that created it ADDs to the day
        and month counters, so a heartbeat delivered twice, or two in one slot, adds nothing.
        """
        pk = commune_pk(self.commune_id, "SPKSTAT", thing)
        try:
            HeartbeatSlotItem(pk, f"S#{slot}", expires_at=slot * slot_s + SLOT_KEEP_S).save(
                condition=HeartbeatSlotItem.pk.does_not_exist()
            )
        except PutError:
            return False
        day, month = slot_periods(slot, slot_s)
        typed = SpeakerStatItem.kind.set(SpeakerStatItem)  # an update creates the item: give it its type
        for sk in (f"D#{day}", f"M#{month}"):
            SpeakerStatItem(pk, sk).update(actions=[typed, SpeakerStatItem.up_s.add(slot_s)])
        return True

    def stats(self, thing: str, month: str, now: datetime) -> SpeakerStats:
        """Uptime per day and for ``month`` (``yyyy-mm``) and failed deliveries from the broadcast statistics."""
        self.state(thing, now)  # 404 for a speaker of another commune
        pk = commune_pk(self.commune_id, "SPKSTAT", thing)
        up_s: dict[str, float] = {}
        for item in SpeakerStatItem.query(pk, SpeakerStatItem.sk.startswith(f"D#{month}-")):
            up_s[item.sk[2:]] = float(item.up_s or 0)
        month_up: float | None = None
        with contextlib.suppress(SpeakerStatItem.DoesNotExist):
            month_up = float(SpeakerStatItem.get(pk, f"M#{month}").up_s or 0)
        # Failed deliveries are counted once per completed delivery report (``SpeakerOutcomes.count``), including
        # speakers that never answered.
        periods = [d.isoformat() for d in month_days(month)] + [month]
        keys = [(outcomes_pk(self.commune_id, p), f"T#{thing}") for p in periods]
        failed: dict[str, int] = {}
        for counter in SpeakerOutcomeItem.batch_get(keys):
            failed[counter.pk.rsplit("#", 1)[1]] = int(counter.failed or 0)
        return speaker_stats(thing, month, up_s, failed, now, month_up_s=month_up, month_failed=failed.get(month))

    def record_command_state(self, thing: str, command_id: str, state: str, at: datetime) -> None:
        item = SpeakerItem(speakers_pk(self.commune_id), f"T#{thing}")
        # an unregistered thing: the delivery row still records the ack
        with contextlib.suppress(Exception):
            item.update(
                actions=[
                    SpeakerItem.last_seen_at.set(at),
                    SpeakerItem.last_command_id.set(command_id),
                    SpeakerItem.last_command_state.set(state),
                    SpeakerItem.playing.set(state == "started"),
                ],
                condition=SpeakerItem.pk.exists(),
            )

    def things(self) -> set[str]:
        """The names of this commune's speakers, in one query of the registry (an ack batch checks against it)."""
        return {str(t) for t in self._item_things()}

    def _item_things(self) -> Iterable[str]:
        for item in SpeakerItem.query(
            speakers_pk(self.commune_id), SpeakerItem.sk.startswith("T#"), attributes_to_get=["thing"]
        ):
            yield item.thing

    def add_command_state(self, tx: TransactWrite, thing: str, command_id: str, state: str, at: datetime) -> None:
        """``record_command_state`` as one action of the caller's transaction (the thing must be registered)."""
        tx.update(
            SpeakerItem(speakers_pk(self.commune_id), f"T#{thing}"),
            actions=[
                SpeakerItem.last_seen_at.set(at),
                SpeakerItem.last_command_id.set(command_id),
                SpeakerItem.last_command_state.set(state),
                SpeakerItem.playing.set(state == "started"),
            ],
            condition=SpeakerItem.pk.exists(),
        )

    def set_desired(
        self,
        before: Speaker,
        volume: int | None,
        emergency_volume: int | None,
        *,
        journal: AuditJournal,
        audit: AuditRecord,
    ) -> None:
        """Write a person's new volumes with their audit entry in one transaction, conditioned on ``before``.

        A change made meanwhile by someone else fails the condition: nothing is written and ``ConflictError``
        is raised (the audit entry's "before" is therefore always what was changed).
        """
        actions: list[Any] = []
        if volume is not None:
            actions.append(SpeakerItem.volume.set(volume))
        if emergency_volume is not None:
            actions.append(SpeakerItem.emergency_volume.set(emergency_volume))
        unchanged = (
            SpeakerItem.pk.exists()
            & (SpeakerItem.volume == before.volume)
            & (SpeakerItem.emergency_volume == before.emergency_volume)
        )

        def writes(tx: TransactWrite) -> None:
            if actions:
                tx.update(SpeakerItem(speakers_pk(self.commune_id), f"T#{before.thing}"), actions, condition=unchanged)

        journal.commit(self.commune_id, audit, add_writes=writes)


class SpeakerOutcomes:
    """Plays and failures per speaker per day and month: ``C#<c>#SPKOUT#<period>`` / ``T#<thing>``.

    Counted once per completed delivery report by whoever completes it (bulletins' statistics), read by the
    speaker's own statistics and by the broadcast statistics of a period (one query per period).
    """

    def count(self, commune_id: str, periods: list[str], rows: list[tuple[str, str]]) -> None:
        """Add one play (state ``finished``) or one failure (any other final state) per ``(thing, state)``."""
        typed = SpeakerOutcomeItem.kind.set(SpeakerOutcomeItem)  # an update creates the item: give it its type
        for period in periods:
            for thing, state in rows:
                field = SpeakerOutcomeItem.played if state == "finished" else SpeakerOutcomeItem.failed
                SpeakerOutcomeItem(outcomes_pk(commune_id, period), f"T#{thing}").update(actions=[typed, field.add(1)])

    def period(self, commune_id: str, period: str) -> dict[str, dict[str, int]]:
        """``{"played": {thing: n}, "failed": {thing: n}}`` for one day or month (zeros left out)."""
        out: dict[str, dict[str, int]] = {"played": {}, "failed": {}}
        for item in SpeakerOutcomeItem.query(outcomes_pk(commune_id, period)):
            if item.played:
                out["played"][item.sk[2:]] = int(item.played)
            if item.failed:
                out["failed"][item.sk[2:]] = int(item.failed)
        return out


class RegistryDirectory:
    """The commune's loudspeaker clusters, grouped from the device registry's speakers."""

    def clusters(self, commune_id: str) -> list[Cluster]:
        grouped: dict[str, Cluster] = {}
        for speaker in sorted(DeviceRepository(commune_id).registry().values(), key=lambda s: s.thing):
            cluster = grouped.setdefault(
                speaker.cluster_id,
                Cluster(
                    cluster_id=speaker.cluster_id,
                    commune_id=commune_id,
                    hamlet_id=speaker.hamlet_id,
                    name=speaker.cluster_id,
                    location=speaker.location,
                ),
            )
            cluster.things.append(speaker.thing)
        return list(grouped.values())
