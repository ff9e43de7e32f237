"""The loudspeaker fabric's items in the main table and their keys: the one place that knows the layout below.

Every other module of ``devices.storage`` reads and writes through these classes; keeping them together means
importing any of those modules registers every discriminator, so a query over one partition (a command and its
deliveries) can always tell its items apart.

Items (single table, every key inside the commune's ``C#<commune>#`` prefix)::

    C#<c>#SPEAKERS        / T#<thing>      speaker: registry record + live state (heartbeat, last command)
    C#<c>#SPEAKERS        / CL#<cluster>   cluster
    C#<c>#CMD#<command>   / META           the signed command, its targets, attempts per target
                                           GSI1 C#<c>#BULLETIN#<bulletin> / CMD#<sent_at>  (latest per bulletin;
                                           C#<c>#REPROVISION for a re-provisioning run's plan)
                                           GSI2 C#<c>#OPENCMD / <expires_at>  while some target has not answered
    C#<c>#CMD#<command>   / T#<thing>      one speaker's delivery (written by the ack handler only)
    C#<c>#SPKSTAT#<thing> / S#<slot>       a 30 s heartbeat slot already counted (TTL 3 days)
    C#<c>#SPKSTAT#<thing> / D#<yyyy-mm-dd> uptime seconds of the day (Vietnam time), ADDed once per slot
    C#<c>#SPKSTAT#<thing> / M#<yyyy-mm>    uptime seconds of the month
    C#<c>#SPKOUT#<period> / T#<thing>      plays and failures of a speaker in a day or month
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from smartcommune.core.table import MainTable, MergePolicy, commune_pk


class SpeakerItem(MainTable, discriminator="speaker"):
    merge = MergePolicy.MOVE

    thing = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    cluster_id = UnicodeAttribute()
    hamlet_id = UnicodeAttribute()
    lat = NumberAttribute()
    lon = NumberAttribute()
    label = UnicodeAttribute(default="")
    volume = NumberAttribute(default=70)
    emergency_volume = NumberAttribute(default=100)
    last_seen_at = UTCDateTimeAttribute(null=True)
    playing = BooleanAttribute(default=False)
    reported_volume = NumberAttribute(null=True)
    last_command_id = UnicodeAttribute(null=True)
    last_command_state = UnicodeAttribute(null=True)
    # The commune its topics and command key belong to (a merger keeps it: see contracts.Speaker.topic_commune).
    topic_commune = UnicodeAttribute(null=True)
    # Re-provisioning (devices.storage.reprovisioning): the run it waits for an ack of and its sealed new key
    # (the command is rebuilt and signed from these on every retry); after the flip, the commune it left (still
    # allowed in its policy until the platform drops it) and when.
    reprovision_to = UnicodeAttribute(null=True)
    reprovision_command_id = UnicodeAttribute(null=True)
    reprovision_sealed = UnicodeAttribute(null=True)
    previous_topic_commune = UnicodeAttribute(null=True)
    reprovisioned_at = UTCDateTimeAttribute(null=True)


class ClusterItem(MainTable, discriminator="speaker_cluster"):
    merge = MergePolicy.MOVE

    cluster_id = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    hamlet_id = UnicodeAttribute()
    name = UnicodeAttribute()
    lat = NumberAttribute()
    lon = NumberAttribute()
    things = ListAttribute(of=UnicodeAttribute, default=list)


class CommandItem(MainTable, discriminator="play_command"):
    merge = MergePolicy.MOVE

    # "play" (a PlayCommand) or "reprovision" (a ReprovisionPlan: the per-thing commands are built from the
    # speakers' records), both through the same delivery rows, acks and retries.
    command_kind = UnicodeAttribute(default="play")
    command_id = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    bulletin_id = UnicodeAttribute()
    priority = UnicodeAttribute()
    command_json = UnicodeAttribute()
    targets = ListAttribute(of=UnicodeAttribute)
    attempts_json = UnicodeAttribute(default="{}")
    start_at = UTCDateTimeAttribute()
    expires_on = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute()
    last_sent_at = UTCDateTimeAttribute()


class DeliveryItem(MainTable, discriminator="delivery"):
    merge = MergePolicy.MOVE

    thing = UnicodeAttribute()
    command_id = UnicodeAttribute()
    state = UnicodeAttribute()
    acked_at = UTCDateTimeAttribute(null=True)
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    detail = UnicodeAttribute(default="")
    version = VersionAttribute()


class SpeakerStatItem(MainTable, discriminator="speaker_stat"):
    """A speaker's uptime counter for one day (``D#``) or month (``M#``)."""

    merge = MergePolicy.MOVE

    up_s = NumberAttribute(default=0)


class HeartbeatSlotItem(MainTable, discriminator="speaker_heartbeat_slot"):
    """Marks one 30 s heartbeat slot of a speaker as counted; DynamoDB's TTL removes it after a few days."""

    merge = MergePolicy.DROP


SLOT_KEEP_S = 3 * 24 * 3600


class SpeakerOutcomeItem(MainTable, discriminator="speaker_outcome"):
    merge = MergePolicy.MOVE

    played = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)


def speakers_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "SPEAKERS")


def command_pk(commune_id: str, command_id: str) -> str:
    return commune_pk(commune_id, "CMD", command_id)


def outcomes_pk(commune_id: str, period: str) -> str:
    return commune_pk(commune_id, "SPKOUT", period)
