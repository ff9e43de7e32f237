"""Water quality in the main table: the sensor registry with each sensor's latest values, the readings of each
sensor by day, and the warnings with their open markers. Every access is by key (no scans).

Items (every key inside the commune's ``C#<commune>#`` prefix)::

    C#<c>#WATER                    / S#<sensor>          sensor: where it is + latest values, seq, last heard
    C#<c>#WQDAY#<sensor>#<day>     / Q#<seq, 12 digits>  one reading (day in Vietnam time); the key is the reading's
                                                         id, so a redelivered reading is stored once
    C#<c>#WQWARN                   / W#<warning id>      a warning (ids sort by time: "recent" is one query)
    C#<c>#WQWARN                   / O#<sensor>#<subj>   the warning open for a sensor and subject (one at a time)
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError

from smartcommune.core.contracts import VN_TZ
from smartcommune.core.errors import NotFoundError
from smartcommune.core.table import MainTable, MergePolicy, commune_pk, transaction
from smartcommune.water.contracts import GeoPoint, LatestValues, SensorReading, WaterSensor, WaterWarning
from smartcommune.water.logic import SensorState

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal

READING_KEEP = timedelta(days=2 * 366)
"""Readings are kept two years (a season-on-season comparison), then DynamoDB's TTL removes them."""


class WaterSensorItem(MainTable, discriminator="water_sensor"):
    merge = MergePolicy.MOVE

    sensor_id = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    site_name = UnicodeAttribute()
    hamlet_id = UnicodeAttribute()
    site_kind = UnicodeAttribute()
    lat = NumberAttribute()
    lon = NumberAttribute()
    last_seq = NumberAttribute(null=True)
    measured_at = UTCDateTimeAttribute(null=True)
    received_at = UTCDateTimeAttribute(null=True)
    ph = NumberAttribute(null=True)
    turbidity_ntu = NumberAttribute(null=True)
    free_chlorine_mg_l = NumberAttribute(null=True)
    temperature_c = NumberAttribute(null=True)
    same_count = NumberAttribute(default=0)


class WaterReadingItem(MainTable, discriminator="water_reading"):
    merge = MergePolicy.MOVE

    sensor_id = UnicodeAttribute()
    seq = NumberAttribute()
    measured_at = UTCDateTimeAttribute()
    received_at = UTCDateTimeAttribute()
    ph = NumberAttribute(null=True)
    turbidity_ntu = NumberAttribute(null=True)
    free_chlorine_mg_l = NumberAttribute(null=True)
    temperature_c = NumberAttribute(null=True)


class WaterWarningItem(MainTable, discriminator="water_warning"):
    merge = MergePolicy.MOVE

    document = UnicodeAttribute()  # the warning as raised (JSON); what changes after is in the attributes below
    resolved_at = UTCDateTimeAttribute(null=True)
    acknowledged_by = UnicodeAttribute(null=True)
    acknowledged_at = UTCDateTimeAttribute(null=True)
    acknowledgement_note = UnicodeAttribute(null=True)
    bulletin_id = UnicodeAttribute(null=True)


class WaterOpenWarningItem(MainTable, discriminator="water_open_warning"):
    merge = MergePolicy.MOVE

    warning_id = UnicodeAttribute()


def sensors_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "WATER")


def day_pk(commune_id: str, sensor_id: str, day: str) -> str:
    return commune_pk(commune_id, "WQDAY", sensor_id, day)


def warnings_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "WQWARN")


def _num(value: float | int | None) -> float | None:
    return float(value) if value is not None else None


class WaterRegistry:
    """The commune's water sensors with their latest state (the ``SensorRegistry`` port)."""

    def put_sensors(self, sensors: list[WaterSensor]) -> None:
        """Create or update where sensors are (keeps their latest values: safe to run on every start)."""
        for s in sensors:
            WaterSensorItem(sensors_pk(s.commune_id), f"S#{s.sensor_id}").update(
                actions=[
                    WaterSensorItem.kind.set(WaterSensorItem),  # an update creates the item: give it its type
                    WaterSensorItem.sensor_id.set(s.sensor_id),
                    WaterSensorItem.commune_id.set(s.commune_id),
                    WaterSensorItem.site_name.set(s.site_name),
                    WaterSensorItem.hamlet_id.set(s.hamlet_id),
                    WaterSensorItem.site_kind.set(s.kind),
                    WaterSensorItem.lat.set(s.location.lat),
                    WaterSensorItem.lon.set(s.location.lon),
                ]
            )

    def sensors(self, commune_id: str) -> dict[str, SensorState]:
        out: dict[str, SensorState] = {}
        for item in WaterSensorItem.query(sensors_pk(commune_id), WaterSensorItem.sk.startswith("S#")):
            sensor = WaterSensor(
                sensor_id=item.sensor_id,
                commune_id=commune_id,
                site_name=item.site_name,
                hamlet_id=item.hamlet_id,
                kind=item.site_kind,
                location=GeoPoint(lat=float(item.lat), lon=float(item.lon)),
            )
            out[item.sensor_id] = SensorState(
                sensor=sensor,
                last_seq=int(item.last_seq) if item.last_seq is not None else None,
                measured_at=item.measured_at,
                received_at=item.received_at,
                latest=LatestValues(
                    ph=_num(item.ph),
                    turbidity_ntu=_num(item.turbidity_ntu),
                    free_chlorine_mg_l=_num(item.free_chlorine_mg_l),
                    temperature_c=_num(item.temperature_c),
                ),
                same_count=int(item.same_count or 0),
            )
        return out


class WaterReadings:
    """Readings by sensor and day, and each sensor's latest values (the ``ReadingStore`` port)."""

    def add(self, commune_id: str, reading: SensorReading, received_at: datetime) -> bool:
        day = reading.at.astimezone(VN_TZ).date().isoformat()
        item = WaterReadingItem(
            day_pk(commune_id, reading.sensor_id, day),
            f"Q#{reading.seq:012d}",
            sensor_id=reading.sensor_id,
            seq=reading.seq,
            measured_at=reading.at,
            received_at=received_at,
            ph=reading.ph,
            turbidity_ntu=reading.turbidity_ntu,
            free_chlorine_mg_l=reading.free_chlorine_mg_l,
            temperature_c=reading.temperature_c,
            expires_at=int((reading.at + READING_KEEP).timestamp()),
        )
        try:
            item.save(condition=WaterReadingItem.pk.does_not_exist())
        except PutError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def set_latest(self, commune_id: str, reading: SensorReading, received_at: datetime, same_count: int) -> bool:
        item = WaterSensorItem(sensors_pk(commune_id), f"S#{reading.sensor_id}")
        values = [  # (attribute, value): pynamodb attributes are not hashable
            (WaterSensorItem.ph, reading.ph),
            (WaterSensorItem.turbidity_ntu, reading.turbidity_ntu),
            (WaterSensorItem.free_chlorine_mg_l, reading.free_chlorine_mg_l),
            (WaterSensorItem.temperature_c, reading.temperature_c),
        ]
        actions = [
            WaterSensorItem.last_seq.set(reading.seq),
            WaterSensorItem.measured_at.set(reading.at),
            WaterSensorItem.received_at.set(received_at),
            WaterSensorItem.same_count.set(same_count),
        ]
        actions += [attr.set(v) if v is not None else attr.remove() for attr, v in values]
        try:
            item.update(
                actions=actions,
                condition=WaterSensorItem.pk.exists()
                & (WaterSensorItem.last_seq.does_not_exist() | (WaterSensorItem.last_seq < reading.seq)),
            )
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def day(self, commune_id: str, sensor_id: str, day: str) -> list[SensorReading]:
        return [
            SensorReading(
                sensor_id=item.sensor_id,
                seq=int(item.seq),
                at=item.measured_at,
                ph=_num(item.ph),
                turbidity_ntu=_num(item.turbidity_ntu),
                free_chlorine_mg_l=_num(item.free_chlorine_mg_l),
                temperature_c=_num(item.temperature_c),
            )
            for item in WaterReadingItem.query(day_pk(commune_id, sensor_id, day))
        ]


def _conditional(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


class WaterWarnings:
    """Warnings and their open markers (the ``WarningStore`` port); acknowledgements go with their audit entry."""

    def __init__(self, journal: AuditJournal) -> None:
        self._journal = journal

    def open_warnings(self, commune_id: str) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for item in WaterOpenWarningItem.query(warnings_pk(commune_id), WaterOpenWarningItem.sk.startswith("O#")):
            _, sensor_id, subject = item.sk.split("#", 2)
            out[(sensor_id, subject)] = item.warning_id
        return out

    def raise_warning(self, warning: WaterWarning) -> bool:
        pk = warnings_pk(warning.commune_id)
        document = warning.model_dump_json(exclude={"resolved_at", "bulletin_id"})
        try:
            with transaction() as tx:
                tx.save(
                    WaterOpenWarningItem(pk, f"O#{warning.sensor_id}#{warning.subject}", warning_id=warning.warning_id),
                    condition=WaterOpenWarningItem.pk.does_not_exist(),
                )
                tx.save(
                    WaterWarningItem(pk, f"W#{warning.warning_id}", document=document),
                    condition=WaterWarningItem.pk.does_not_exist(),
                )
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
                return False
            raise
        return True

    def resolve(self, commune_id: str, sensor_id: str, subject: str, warning_id: str, at: datetime) -> None:
        pk = warnings_pk(commune_id)
        try:
            with transaction() as tx:
                tx.delete(
                    WaterOpenWarningItem(pk, f"O#{sensor_id}#{subject}"),
                    condition=WaterOpenWarningItem.warning_id == warning_id,
                )
                tx.update(
                    WaterWarningItem(pk, f"W#{warning_id}"),
                    actions=[WaterWarningItem.resolved_at.set(at)],
                    condition=WaterWarningItem.pk.exists(),
                )
        except TransactWriteError as exc:  # resolved by a concurrent batch already
            reasons = exc.cancellation_reasons or []
            if not any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
                raise

    @staticmethod
    def _warning_of(item: WaterWarningItem) -> WaterWarning:
        data = json.loads(item.document)
        data.update(
            resolved_at=item.resolved_at,
            acknowledged_by=item.acknowledged_by,
            acknowledged_at=item.acknowledged_at,
            acknowledgement_note=item.acknowledgement_note,
            bulletin_id=item.bulletin_id,
        )
        return WaterWarning.model_validate(data)

    def get(self, commune_id: str, warning_id: str) -> WaterWarning:
        try:
            item = WaterWarningItem.get(warnings_pk(commune_id), f"W#{warning_id}", consistent_read=True)
        except WaterWarningItem.DoesNotExist as exc:
            raise NotFoundError("Không tìm thấy cảnh báo này.", "No such warning.") from exc
        return self._warning_of(item)

    def recent(self, commune_id: str, since: datetime, limit: int) -> list[WaterWarning]:
        start = f"W#{since.astimezone(VN_TZ):%Y%m%dT%H%M%S}"
        items = WaterWarningItem.query(
            warnings_pk(commune_id),
            WaterWarningItem.sk.between(start, "W#~"),
            scan_index_forward=False,
            limit=limit,
        )
        return [self._warning_of(item) for item in items]

    def acknowledge(self, warning: WaterWarning, audit: AuditRecord) -> WaterWarning:
        item = WaterWarningItem(warnings_pk(warning.commune_id), f"W#{warning.warning_id}")
        by, at, note = warning.acknowledged_by, warning.acknowledged_at, warning.acknowledgement_note
        if by is None or at is None or note is None:
            raise ValueError("an acknowledgement needs who, when and a note")

        def writes(tx: TransactWrite) -> None:
            tx.update(
                item,
                actions=[
                    WaterWarningItem.acknowledged_by.set(by),
                    WaterWarningItem.acknowledged_at.set(at),
                    WaterWarningItem.acknowledgement_note.set(note),
                ],
                condition=WaterWarningItem.pk.exists() & WaterWarningItem.acknowledged_at.does_not_exist(),
            )

        self._journal.commit(warning.commune_id, audit, add_writes=writes)
        return self.get(warning.commune_id, warning.warning_id)

    def link_bulletin(self, commune_id: str, warning_id: str, bulletin_id: str) -> bool:
        try:
            WaterWarningItem(warnings_pk(commune_id), f"W#{warning_id}").update(
                actions=[WaterWarningItem.bulletin_id.set(bulletin_id)],
                condition=WaterWarningItem.pk.exists() & WaterWarningItem.bulletin_id.does_not_exist(),
            )
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True
