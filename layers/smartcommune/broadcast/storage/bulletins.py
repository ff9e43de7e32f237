"""Bulletins in the main table, by key or index only.

==================  ==================================  ===============  ==============================================
item                PK                                  SK               indexes
==================  ==================================  ===============  ==============================================
bulletin            ``C#<c>#BULLETIN#<id>``             ``META``         GSI1 ``C#<c>#BULLETINS`` / created_at#id;
                                                                         GSI2 ``SLOTS#<UTC minute>`` / rank#c#id while
                                                                         a play is pending (sparse: the scheduler's
                                                                         time-bucket index)
CAP message         ``C#<c>#BULLETIN#<id>``             ``MSG#<seq>``    GSI1 ``C#<c>#CAP`` / sent#id#seq;
                                                                         GSI2 ``CAP#ALL`` / sent#c#id#seq
public alert        ``C#<c>#BULLETIN#<id>``             ``ALERT``        GSI1 ``C#<c>#ALERTS`` / first sent#id
subscription        ``C#<c>#ALERTSUB#<citizen>``        ``SUB``          -
hamlet subscriber   ``C#<c>#ALERTSUBS#<hamlet>``        ``<citizen>``    -
stats counter       ``C#<c>#BSTATS#<yyyy-mm[-dd]>``     ``TOTAL`` …      -
==================  ==================================  ===============  ==============================================

A bulletin's messages and its public alert keep a snapshot of the bulletin as published, so an edit waiting for
approval never changes what citizens see. Every bulletin write is conditioned on its version and committed with
its audit entry.

The table lists every broadcast item; this module keeps the bulletin's own (bulletin, CAP message, public alert).
Subscriptions are kept by ``storage.subscriptions``, statistics counters (and the counted and pending delivery
reports under the bulletin's partition, ``bulletin_pk``) by ``storage.stats``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute

from smartcommune.broadcast.contracts import (
    Bulletin,
    BulletinListItem,
    BulletinPage,
    PublishedMessage,
    ScheduledPlay,
)
from smartcommune.broadcast.logic.lifecycle import stage
from smartcommune.broadcast.logic.rules import PRIORITY_RANK
from smartcommune.broadcast.logic.schedules import minute_bucket
from smartcommune.core.table import MainTable, MergePolicy, commune_pk, decode_cursor, encode_cursor

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal


class BulletinItem(MainTable, discriminator="bulletin"):
    merge = MergePolicy.MOVE

    commune_id = UnicodeAttribute()
    bulletin_id = UnicodeAttribute()
    status = UnicodeAttribute()
    document = UnicodeAttribute()
    version = VersionAttribute()


class CapMessageItem(MainTable, discriminator="cap_message"):
    merge = MergePolicy.MOVE

    commune_id = UnicodeAttribute()
    bulletin_id = UnicodeAttribute()
    seq = NumberAttribute()
    document = UnicodeAttribute()  # the bulletin as published with this message


class PublicAlertItem(MainTable, discriminator="public_alert"):
    merge = MergePolicy.MOVE

    reach = UnicodeAttribute()  # " xom-1 xom-2 " or " * " (whole commune): what the hamlet filter matches
    document = UnicodeAttribute()


def bulletin_pk(commune_id: str, bulletin_id: str) -> str:
    """The partition of a bulletin and what hangs off it (CAP messages, public alert, statistics markers)."""
    return commune_pk(commune_id, "BULLETIN", bulletin_id)


def _bulletin_item(bulletin: Bulletin) -> BulletinItem:
    due = bulletin.next_play_at if bulletin.status == "approved" else None
    return BulletinItem(
        bulletin_pk(bulletin.commune_id, bulletin.id),
        "META",
        gsi1pk=commune_pk(bulletin.commune_id, "BULLETINS"),
        gsi1sk=f"{bulletin.created_at.isoformat()}#{bulletin.id}",
        gsi2pk=f"SLOTS#{minute_bucket(due)}" if due else None,
        gsi2sk=f"{PRIORITY_RANK[bulletin.priority]}#{bulletin.commune_id}#{bulletin.id}" if due else None,
        commune_id=bulletin.commune_id,
        bulletin_id=bulletin.id,
        status=bulletin.status,
        document=bulletin.model_dump_json(exclude={"version"}),
    )


def _to_bulletin(document: str, version: int | None = None) -> Bulletin:
    bulletin = Bulletin.model_validate_json(document)
    return bulletin.model_copy(update={"version": version}) if version is not None else bulletin


def _list_item(bulletin: Bulletin) -> BulletinListItem:
    return BulletinListItem(
        id=bulletin.id,
        headline=bulletin.headline,
        priority=bulletin.priority,
        status=bulletin.status,
        stage=stage(bulletin),
        origin=bulletin.origin,
        created_by=bulletin.created_by,
        edited_by=bulletin.edited_by,
        created_by_name=bulletin.created_by_name,
        created_at=bulletin.created_at,
        approved_by=bulletin.approval.approver_name if bulletin.approval else None,
        plays=bulletin.plays,
        next_play_at=bulletin.next_play_at,
        version=bulletin.version,
    )


class BulletinRepository:
    """Implements ``smartcommune.broadcast.logic.ports.BulletinStore``."""

    def __init__(self, audit: AuditJournal) -> None:
        self._audit = audit

    def get(self, commune_id: str, bulletin_id: str) -> Bulletin | None:
        try:
            item = BulletinItem.get(bulletin_pk(commune_id, bulletin_id), "META", consistent_read=True)
        except BulletinItem.DoesNotExist:
            return None
        return _to_bulletin(item.document, int(item.version))

    def save(self, before: Bulletin | None, after: Bulletin, audit: AuditRecord) -> Bulletin:
        item = _bulletin_item(after)
        if before is not None:
            item.version = before.version
        fresh = after.messages[len(before.messages) if before else 0 :]
        snapshot = after.model_dump_json(exclude={"version"})

        def writes(tx: TransactWrite) -> None:
            if before is None:
                tx.save(item, condition=BulletinItem.pk.does_not_exist())
            else:
                tx.save(item)  # the version attribute makes this conditional on ``before.version``
            for message in fresh:
                tx.save(self._message_item(after, message, snapshot), condition=CapMessageItem.pk.does_not_exist())
            if fresh and after.channels.portal:
                tx.save(self._alert_item(after, snapshot))

        self._audit.commit(after.commune_id, audit, add_writes=writes)
        return after.model_copy(update={"version": (before.version if before else 0) + 1})

    @staticmethod
    def _message_item(bulletin: Bulletin, message: PublishedMessage, snapshot: str) -> CapMessageItem:
        c, b, sent = bulletin.commune_id, bulletin.id, message.sent.isoformat()
        public = bulletin.channels.cap
        return CapMessageItem(
            bulletin_pk(c, b),
            f"MSG#{message.seq:04d}",
            gsi1pk=commune_pk(c, "CAP") if public else None,
            gsi1sk=f"{sent}#{b}#{message.seq:04d}" if public else None,
            gsi2pk="CAP#ALL" if public else None,
            gsi2sk=f"{sent}#{c}#{b}#{message.seq:04d}" if public else None,
            commune_id=c,
            bulletin_id=b,
            seq=message.seq,
            document=snapshot,
        )

    @staticmethod
    def _alert_item(bulletin: Bulletin, snapshot: str) -> PublicAlertItem:
        first = bulletin.messages[0].sent.isoformat()
        reach = " " + " ".join(bulletin.hamlets) + " " if bulletin.hamlets else " * "
        return PublicAlertItem(
            bulletin_pk(bulletin.commune_id, bulletin.id),
            "ALERT",
            gsi1pk=commune_pk(bulletin.commune_id, "ALERTS"),
            gsi1sk=f"{first}#{bulletin.id}",
            reach=reach,
            document=snapshot,
        )

    def page(self, commune_id: str, status: str | None, cursor: str | None, limit: int) -> BulletinPage:
        partition = commune_pk(commune_id, "BULLETINS")
        start = decode_cursor(cursor, "GSI1PK", partition) if cursor else None
        result = BulletinItem.gsi1.query(
            partition,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
            filter_condition=(BulletinItem.status == status) if status else None,
        )
        items = [_list_item(_to_bulletin(i.document, int(i.version))) for i in result if isinstance(i, BulletinItem)]
        last = result.last_evaluated_key
        return BulletinPage(items=items, next_cursor=encode_cursor(last) if last else None)

    def due(self, bucket: str) -> list[ScheduledPlay]:
        plays: list[ScheduledPlay] = []
        for item in BulletinItem.gsi2.query(f"SLOTS#{bucket}"):
            if not isinstance(item, BulletinItem):
                continue
            bulletin = _to_bulletin(item.document)
            if bulletin.next_play_at is not None:
                plays.append(
                    ScheduledPlay(
                        commune_id=bulletin.commune_id,
                        bulletin_id=bulletin.id,
                        due_at=bulletin.next_play_at,
                        occurrence=bulletin.plays + 1,
                        priority=bulletin.priority,
                    )
                )
        return plays

    def alerts(self, commune_id: str, hamlet: str | None, limit: int) -> list[Bulletin]:
        condition = (
            (PublicAlertItem.reach.contains(f" {hamlet} ") | PublicAlertItem.reach.contains(" * ")) if hamlet else None
        )
        out: list[Bulletin] = []
        for item in PublicAlertItem.gsi1.query(
            commune_pk(commune_id, "ALERTS"), scan_index_forward=False, filter_condition=condition, page_size=limit
        ):
            if isinstance(item, PublicAlertItem):
                out.append(_to_bulletin(item.document))
            if len(out) >= limit:
                break
        return out

    def message(self, commune_id: str, bulletin_id: str, seq: int) -> Bulletin | None:
        try:
            item = CapMessageItem.get(bulletin_pk(commune_id, bulletin_id), f"MSG#{seq:04d}")
        except CapMessageItem.DoesNotExist:
            return None
        bulletin = _to_bulletin(item.document)
        return bulletin if bulletin.channels.cap else None

    def messages(self, commune_id: str | None, limit: int) -> list[tuple[Bulletin, PublishedMessage]]:
        index, partition = (
            (CapMessageItem.gsi1, commune_pk(commune_id, "CAP")) if commune_id else (CapMessageItem.gsi2, "CAP#ALL")
        )
        out: list[tuple[Bulletin, PublishedMessage]] = []
        for item in index.query(partition, scan_index_forward=False, limit=limit):
            if isinstance(item, CapMessageItem):
                bulletin = _to_bulletin(item.document)
                out.append((bulletin, bulletin.messages[int(item.seq) - 1]))
        return out
