"""The cameras' items in the main table (every access by key or index).

===============  ==============================  ==========================  =====================================
item             PK                              SK                          indexes
===============  ==============================  ==========================  =====================================
camera           ``C#<c>#CAMERAS``               ``T#<thing>``               -
zones/rules      ``C#<c>#CAMERAS``               ``CFG#<thing>``             - (version: optimistic locking)
scene state      ``C#<c>#CAMERA#<thing>``        ``SCENE``                   - (version: optimistic locking)
command          ``C#<c>#CAMERA#<thing>``        ``CMD#<command id>``        -
dedupe marker    ``C#<c>#CAMERA#<thing>``        ``DEDUP#<rule>#<object>``   - (TTL)
event            ``C#<c>#CAMEVENT#<id>``         ``EVENT``                   GSI1 ``C#<c>#CAMEVENTS`` / at#id;
                                                                             GSI2 ``C#<c>#CAMEVENTS#<thing>``
daily counter    ``C#<c>#CAMSTATS``              ``DAY#<yyyy-mm-dd>#<kind>`` - (TTL)
===============  ==============================  ==========================  =====================================
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute

from smartcommune.core.table import MainTable, MergePolicy, commune_pk


def cameras_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "CAMERAS")


def camera_pk(commune_id: str, thing: str) -> str:
    return commune_pk(commune_id, "CAMERA", thing)


def event_pk(commune_id: str, event_id: str) -> str:
    return commune_pk(commune_id, "CAMEVENT", event_id)


def events_index(commune_id: str, thing: str | None = None) -> str:
    return commune_pk(commune_id, "CAMEVENTS", thing) if thing else commune_pk(commune_id, "CAMEVENTS")


def stats_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "CAMSTATS")


class CameraItem(MainTable, discriminator="camera"):
    merge = MergePolicy.MOVE  # a camera of a merged commune keeps watching the same street for the new one

    data = UnicodeAttribute()
    last_seen_at = UTCDateTimeAttribute(null=True)
    last_frame_at = UTCDateTimeAttribute(null=True)
    measured_fps = NumberAttribute(null=True)
    covered = NumberAttribute(null=True)
    uploads_day = UnicodeAttribute(null=True)
    uploads = NumberAttribute(null=True)


class CameraConfigItem(MainTable, discriminator="camera_config"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()
    version = VersionAttribute()


class SceneStateItem(MainTable, discriminator="camera_scene"):
    merge = MergePolicy.DROP  # tracks of the last minutes: a fresh tracker loses nothing that matters

    data = UnicodeAttribute()
    last_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class CameraCommandItem(MainTable, discriminator="camera_command"):
    merge = MergePolicy.DROP  # a camera acts on a command within seconds; the record is for a day

    data = UnicodeAttribute()
    state = UnicodeAttribute()


class DedupeItem(MainTable, discriminator="camera_dedupe"):
    merge = MergePolicy.DROP

    last_at = NumberAttribute()


class CameraEventItem(MainTable, discriminator="camera_event"):
    merge = MergePolicy.MOVE  # events are evidence: they follow the commune

    data = UnicodeAttribute()


class CameraDayItem(MainTable, discriminator="camera_day"):
    merge = MergePolicy.KEEP  # counts of a past day stay with the commune they were counted in

    events = NumberAttribute(default=0)
    last_event_at = UTCDateTimeAttribute(null=True)
