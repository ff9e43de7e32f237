"""Camera events: recorded once per rule, object and cooldown; listed newest first; acknowledged (audited).

An event, its de-duplication marker and the day's counter of its rule kind are written in one transaction: the
marker's condition ("none, or older than the cooldown") decides, so the same object seen in ten frames (or the
same burst analysed twice after a retry) makes one event.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from pynamodb.exceptions import TransactWriteError

from smartcommune.cameras.contracts import CameraEvent, EventPage
from smartcommune.cameras.storage.items import (
    CameraDayItem,
    CameraEventItem,
    DedupeItem,
    camera_pk,
    event_pk,
    events_index,
    stats_pk,
)
from smartcommune.core.contracts import VN_TZ
from smartcommune.core.errors import ConflictError, NotFoundError
from smartcommune.core.table import decode_cursor, encode_cursor, transaction

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal

DEDUPE_KEEP_S = 2 * 24 * 3600
DAY_KEEP_S = 400 * 24 * 3600


def _day(at: datetime) -> str:
    return at.astimezone(VN_TZ).date().isoformat()


def not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy sự kiện.", "Event not found.")


def _item(event: CameraEvent) -> CameraEventItem:
    sort = f"{event.at.isoformat()}#{event.event_id}"
    return CameraEventItem(
        event_pk(event.commune_id, event.event_id),
        "EVENT",
        data=event.model_dump_json(),
        gsi1pk=events_index(event.commune_id),
        gsi1sk=sort,
        gsi2pk=events_index(event.commune_id, event.thing),
        gsi2sk=sort,
    )


class EventRepository:
    def record(self, event: CameraEvent, object_key: str, cooldown_s: int) -> bool:
        at_s = event.at.timestamp()
        marker = DedupeItem(
            camera_pk(event.commune_id, event.thing),
            f"DEDUP#{event.rule_id}#{object_key or '-'}",
            last_at=at_s,
            expires_at=int(at_s + max(cooldown_s, 60) + DEDUPE_KEEP_S),
        )
        day = CameraDayItem(stats_pk(event.commune_id), f"DAY#{_day(event.at)}#{event.rule_kind}")
        try:
            with transaction() as tx:
                tx.save(
                    marker,
                    condition=DedupeItem.pk.does_not_exist() | (DedupeItem.last_at <= at_s - cooldown_s - 1e-3),
                )
                tx.save(_item(event), condition=CameraEventItem.pk.does_not_exist())
                tx.update(
                    day,
                    actions=[
                        CameraDayItem.events.add(1),
                        CameraDayItem.last_event_at.set(event.at),
                        CameraDayItem.expires_at.set(int(at_s + DAY_KEEP_S)),
                    ],
                )
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
                return False
            raise
        return True

    def get(self, commune_id: str, event_id: str) -> CameraEvent:
        try:
            item = CameraEventItem.get(event_pk(commune_id, event_id), "EVENT")
        except CameraEventItem.DoesNotExist as exc:
            raise not_found() from exc
        return CameraEvent.model_validate_json(item.data)

    def page(self, commune_id: str, thing: str | None, cursor: str | None, limit: int) -> EventPage:
        index = CameraEventItem.gsi2 if thing else CameraEventItem.gsi1
        partition = events_index(commune_id, thing)
        key = "GSI2PK" if thing else "GSI1PK"
        start = decode_cursor(cursor, key, partition) if cursor else None
        result = index.query(partition, scan_index_forward=False, limit=limit, last_evaluated_key=start)
        items = [CameraEvent.model_validate_json(cast("CameraEventItem", i).data) for i in result]
        last = result.last_evaluated_key
        return EventPage(items=items, next_cursor=encode_cursor(last) if last and len(items) == limit else None)

    def since(self, commune_id: str, since: datetime, limit: int) -> list[CameraEvent]:
        result = CameraEventItem.gsi1.query(
            events_index(commune_id),
            CameraEventItem.gsi1sk >= since.isoformat(),
            scan_index_forward=False,
            limit=limit,
        )
        return [CameraEvent.model_validate_json(cast("CameraEventItem", i).data) for i in result]

    def day_counts(self, commune_id: str, at: datetime) -> tuple[dict[str, int], datetime | None]:
        counts: dict[str, int] = {}
        last: datetime | None = None
        prefix = f"DAY#{_day(at)}#"
        for item in CameraDayItem.query(stats_pk(commune_id), CameraDayItem.sk.startswith(prefix)):
            counts[item.sk[len(prefix) :]] = int(item.events or 0)
            if item.last_event_at is not None and (last is None or item.last_event_at > last):
                last = item.last_event_at
        return counts, last

    def latest(self, commune_id: str, now: datetime, days: int = 30) -> datetime | None:
        """The newest event's time (one index read), looking back ``days``."""
        found = self.since(commune_id, now - timedelta(days=days), 1)
        return found[0].at if found else None

    def update(self, journal: AuditJournal, before: CameraEvent, after: CameraEvent, audit: AuditRecord) -> CameraEvent:
        """Replace the event if it is still as read (its JSON), with its audit entry in the same transaction."""
        item = _item(after)

        def writes(tx: Any) -> None:
            tx.save(item, condition=CameraEventItem.data == before.model_dump_json())

        try:
            journal.commit(after.commune_id, audit, add_writes=writes)
        except ConflictError as exc:
            raise ConflictError(
                "Sự kiện vừa được người khác xử lý; tải lại và thử lại.", "The event was just changed; reload."
            ) from exc
        return after
