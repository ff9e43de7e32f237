"""Citizen accounts in the main table, listed and searched by index (never a scan).

=================  ====================================  =======  ==========================================
item               PK                                    SK       indexes
=================  ====================================  =======  ==========================================
citizen            ``C#<commune>#CITIZEN#<id>``          PROFILE  GSI1 ``C#<commune>#CITIZENS`` / name key;
                                                                  GSI2 ``C#<commune>#HAMLET#<hamlet>`` / name key
phone look-up      ``C#<commune>#PHONE#<hmac(phone)>``   LOOKUP   -
CCCD look-up       ``C#<commune>#CCCD#<hmac(cccd)>``     LOOKUP   -
=================  ====================================  =======  ==========================================

The name key is the folded name then the id, so lists come in alphabetical order. A text search queries GSI1
(or GSI2 when a hamlet is chosen) with a filter on the ``search`` attribute (see
``smartcommune.citizens.logic.search_text``). The look-up items are written in the same transaction as the
citizen with "must not exist" conditions: that is what makes a phone number or CCCD unique in a commune. Only a
verified CCCD has a look-up item; one a citizen claimed waits in ``cccd_pending`` on their profile.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import TransactWriteError

from smartcommune.citizens.contracts import Citizen
from smartcommune.citizens.logic import name_key, search_text
from smartcommune.core.errors import ConflictError
from smartcommune.core.table import MainTable, MergePolicy, commune_pk, decode_cursor, encode_cursor, transaction

if TYPE_CHECKING:
    from pynamodb.expressions.condition import Condition
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal
    from smartcommune.core.pii import PiiHasher

_ID = re.compile(r"^[0-9a-f]{32}$")


class CitizenItem(MainTable, discriminator="citizen"):
    merge = MergePolicy.MOVE

    citizen_id = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    full_name = UnicodeAttribute(null=True)
    hamlet_id = UnicodeAttribute(null=True)
    address = UnicodeAttribute(null=True)
    cccd = UnicodeAttribute(null=True)
    cccd_pending = UnicodeAttribute(null=True)
    birth_date = UnicodeAttribute(null=True)
    status_updates = UnicodeAttribute(null=True)  # absent: "sms"
    status = UnicodeAttribute()
    lock_reason = UnicodeAttribute(null=True)
    sessions_valid_after = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    search = UnicodeAttribute()
    version = VersionAttribute()


class CitizenLookupItem(MainTable, discriminator="citizen_lookup"):
    merge = MergePolicy.MOVE

    citizen_id = UnicodeAttribute()


def citizen_key(commune_id: str, citizen_id: str) -> tuple[str, str]:
    """The (PK, SK) of a citizen's profile; :class:`ValueError` for an id that cannot be one."""
    if not _ID.match(citizen_id):
        raise ValueError("not a citizen id")
    return _pk(commune_id, citizen_id), "PROFILE"


def _pk(commune_id: str, citizen_id: str) -> str:
    return commune_pk(commune_id, "CITIZEN", citizen_id)


def _to_item(citizen: Citizen) -> CitizenItem:
    key = name_key(citizen)
    item = CitizenItem(
        _pk(citizen.commune_id, citizen.id),
        "PROFILE",
        gsi1pk=commune_pk(citizen.commune_id, "CITIZENS"),
        gsi1sk=key,
        gsi2pk=commune_pk(citizen.commune_id, "HAMLET", citizen.hamlet_id) if citizen.hamlet_id else None,
        gsi2sk=key if citizen.hamlet_id else None,
        citizen_id=citizen.id,
        commune_id=citizen.commune_id,
        phone=citizen.phone,
        full_name=citizen.full_name,
        hamlet_id=citizen.hamlet_id,
        address=citizen.address,
        cccd=citizen.cccd,
        cccd_pending=citizen.cccd_pending,
        birth_date=citizen.birth_date.isoformat() if citizen.birth_date else None,
        status_updates=citizen.status_updates,
        status=citizen.status,
        lock_reason=citizen.lock_reason,
        sessions_valid_after=citizen.sessions_valid_after,
        created_at=citizen.created_at,
        updated_at=citizen.updated_at,
        created_by=citizen.created_by,
        search=search_text(citizen),
        merged_from=citizen.recorded_under,
    )
    if citizen.version is not None:
        item.version = citizen.version
    return item


def to_citizen(item: CitizenItem) -> Citizen:
    return Citizen(
        id=item.citizen_id,
        commune_id=item.commune_id,
        phone=item.phone,
        full_name=item.full_name,
        hamlet_id=item.hamlet_id,
        address=item.address,
        cccd=item.cccd,
        cccd_pending=item.cccd_pending,
        birth_date=date.fromisoformat(item.birth_date) if item.birth_date else None,
        status_updates="portal" if item.status_updates == "portal" else "sms",
        status="locked" if item.status == "locked" else "active",
        lock_reason=item.lock_reason,
        sessions_valid_after=item.sessions_valid_after,
        created_at=item.created_at,
        updated_at=item.updated_at,
        created_by=item.created_by,
        version=item.version,
        recorded_under=item.merged_from,
    )


class CitizenRepository:
    """Citizens of every commune; implements ``smartcommune.citizens.logic.CitizenStore``."""

    def __init__(self, pii: PiiHasher, audit: AuditJournal) -> None:
        self._pii = pii
        self._audit = audit

    def account_key(self, commune_id: str, citizen_id: str) -> tuple[str, str]:
        """The (PK, SK) of a citizen's record, for a batch read with other items; ``ValueError`` for a bad id."""
        return citizen_key(commune_id, citizen_id)

    def account_from(self, item: object) -> Citizen | None:
        """The citizen in an item of a batch read, or ``None`` if the item is something else."""
        return to_citizen(item) if isinstance(item, CitizenItem) else None

    def _lookup_pk(self, commune_id: str, what: str, value: str) -> str:
        return commune_pk(commune_id, what, self._pii.hash(value))

    def get(self, commune_id: str, citizen_id: str) -> Citizen | None:
        if not _ID.match(citizen_id):
            return None
        try:
            item = CitizenItem.get(_pk(commune_id, citizen_id), "PROFILE", consistent_read=True)
        except CitizenItem.DoesNotExist:
            return None
        return to_citizen(item)

    def _by_lookup(self, commune_id: str, what: str, value: str) -> Citizen | None:
        try:
            lookup = CitizenLookupItem.get(self._lookup_pk(commune_id, what, value), "LOOKUP", consistent_read=True)
        except CitizenLookupItem.DoesNotExist:
            return None
        return self.get(commune_id, lookup.citizen_id)

    def find_by_phone(self, commune_id: str, phone: str) -> Citizen | None:
        return self._by_lookup(commune_id, "PHONE", phone)

    def find_by_cccd(self, commune_id: str, cccd: str) -> Citizen | None:
        return self._by_lookup(commune_id, "CCCD", cccd)

    def _lookup(self, commune_id: str, what: str, value: str, citizen_id: str) -> CitizenLookupItem:
        return CitizenLookupItem(self._lookup_pk(commune_id, what, value), "LOOKUP", citizen_id=citizen_id)

    def _run(self, commune_id: str, writes: Any, audit: AuditRecord | None, conflict: tuple[str, str]) -> None:
        if audit is not None:
            self._audit.commit(commune_id, audit, add_writes=writes)
            return
        try:
            with transaction() as tx:
                writes(tx)
        except TransactWriteError as exc:
            raise ConflictError(*conflict) from exc

    def create(self, citizen: Citizen, audit: AuditRecord | None = None) -> Citizen:
        def writes(tx: TransactWrite) -> None:
            tx.save(_to_item(citizen), condition=CitizenItem.pk.does_not_exist())
            tx.save(
                self._lookup(citizen.commune_id, "PHONE", citizen.phone, citizen.id),
                condition=CitizenLookupItem.pk.does_not_exist(),
            )
            if citizen.cccd:
                tx.save(
                    self._lookup(citizen.commune_id, "CCCD", citizen.cccd, citizen.id),
                    condition=CitizenLookupItem.pk.does_not_exist(),
                )

        self._run(
            citizen.commune_id,
            writes,
            audit,
            (
                "Số điện thoại hoặc số CCCD này đã có tài khoản trong xã.",
                "This phone number or citizen ID already has an account in the commune.",
            ),
        )
        return citizen.model_copy(update={"version": 1})

    def create_many(self, citizens: list[Citizen]) -> None:
        """Bulk import: batch writes, no transaction per citizen (moto copies the whole table per transaction).

        The caller has checked that no phone or CCCD is taken and none repeats; an import runs alone.
        """
        with CitizenItem.batch_write() as batch:
            for citizen in citizens:
                batch.save(_to_item(citizen.model_copy(update={"version": 1})))
                batch.save(self._lookup(citizen.commune_id, "PHONE", citizen.phone, citizen.id))
                if citizen.cccd:
                    batch.save(self._lookup(citizen.commune_id, "CCCD", citizen.cccd, citizen.id))

    def update(self, before: Citizen, after: Citizen, audit: AuditRecord | None = None) -> Citizen:
        if after.id != before.id or after.commune_id != before.commune_id or after.phone != before.phone:
            raise ValueError("a citizen's id, commune and phone never change")

        def writes(tx: TransactWrite) -> None:
            tx.save(_to_item(after.model_copy(update={"version": before.version})))
            if before.cccd != after.cccd:
                if before.cccd:
                    tx.delete(
                        self._lookup(before.commune_id, "CCCD", before.cccd, before.id),
                        condition=CitizenLookupItem.citizen_id == before.id,
                    )
                if after.cccd:
                    tx.save(
                        self._lookup(after.commune_id, "CCCD", after.cccd, after.id),
                        condition=CitizenLookupItem.pk.does_not_exist(),
                    )

        self._run(
            before.commune_id,
            writes,
            audit,
            (
                "Dữ liệu vừa được thay đổi ở nơi khác hoặc số CCCD đã được dùng; vui lòng tải lại và thử lại.",
                "The record changed elsewhere or the citizen ID is taken; reload and try again.",
            ),
        )
        return after.model_copy(update={"version": (before.version or 0) + 1})

    def transfer_cccd(self, holder: Citizen, claimant: Citizen, after: Citizen, audit: AuditRecord) -> Citizen:
        """Staff move a verified CCCD from ``holder`` to ``claimant`` (stored as ``after``) with the audit entry.

        Both profiles must be unchanged since read and the look-up must still point at ``holder``; otherwise
        nothing is written and :class:`ConflictError` is raised.
        """
        if after.id != claimant.id or after.cccd is None or holder.cccd != after.cccd:
            raise ValueError("a transfer moves the holder's CCCD to the claimant")
        cccd = after.cccd
        holder_after = holder.model_copy(update={"cccd": None, "updated_at": after.updated_at})

        def writes(tx: TransactWrite) -> None:
            tx.save(_to_item(holder_after.model_copy(update={"version": holder.version})))
            tx.save(_to_item(after.model_copy(update={"version": claimant.version})))
            tx.save(
                self._lookup(after.commune_id, "CCCD", cccd, after.id),
                condition=CitizenLookupItem.citizen_id == holder.id,
            )
            if claimant.cccd and claimant.cccd != cccd:
                tx.delete(
                    self._lookup(claimant.commune_id, "CCCD", claimant.cccd, claimant.id),
                    condition=CitizenLookupItem.citizen_id == claimant.id,
                )

        self._run(
            after.commune_id,
            writes,
            audit,
            ("Dữ liệu vừa được thay đổi ở nơi khác; vui lòng tải lại và thử lại.", "The records changed; reload."),
        )
        return after.model_copy(update={"version": (claimant.version or 0) + 1})

    def page(
        self,
        commune_id: str,
        *,
        hamlet_id: str | None,
        status: str | None,
        words: list[str],
        cursor: str | None,
        limit: int,
        cccd_pending: bool | None = None,
    ) -> tuple[list[Citizen], str | None]:
        if hamlet_id:
            index: Any = CitizenItem.gsi2
            index_key, partition = "GSI2PK", commune_pk(commune_id, "HAMLET", hamlet_id)
        else:
            index, index_key, partition = CitizenItem.gsi1, "GSI1PK", commune_pk(commune_id, "CITIZENS")
        conditions: list[Condition] = [CitizenItem.search.contains(f" {word}") for word in words]
        if status:
            conditions.append(CitizenItem.status == status)
        if cccd_pending:
            conditions.append(CitizenItem.cccd_pending.exists())
        condition: Condition | None = None
        for part in conditions:
            condition = part if condition is None else condition & part
        start = decode_cursor(cursor, index_key, partition) if cursor else None
        results = index.query(
            partition,
            filter_condition=condition,
            limit=limit,
            last_evaluated_key=start,
            page_size=200 if condition is not None else limit,
        )
        citizens = [to_citizen(item) for item in results if isinstance(item, CitizenItem)]
        last_key = results.last_evaluated_key if len(citizens) == limit else None
        return citizens, encode_cursor(last_key) if last_key else None
