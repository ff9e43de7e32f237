"""The facilities' records in the main table, by key only; every change committed with its audit entry.

==========  =====================  ==============  =========================================================
item        PK                     SK              holds
==========  =====================  ==============  =========================================================
wifi point  ``C#<c>#WIFI``         ``P#<id>``      the point (JSON ``data``: place, hamlet, bandwidth, status)
school      ``C#<c>#SCHOOLS``      ``S#<id>``      the school with every school year's figures (JSON ``data``)
==========  =====================  ==============  =========================================================

A commune has tens of points and a few schools: each register is one partition, listed by one query (no index, no
scan). A school's yearly lines live inside its record, so the summary's latest year is read with the school. Writes
are conditional (a new record must not exist; a change names the version it read) and go in one transaction with
the audit entry, so a refused change writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from pynamodb.attributes import UnicodeAttribute, VersionAttribute

from smartcommune.core.table import MainTable, MergePolicy, commune_pk
from smartcommune.facilities.contracts import School, WifiPoint

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal

M = TypeVar("M", bound=BaseModel)


class WifiPointItem(MainTable, discriminator="facilities_wifi"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()
    version = VersionAttribute()


class SchoolItem(MainTable, discriminator="facilities_school"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()
    version = VersionAttribute()


def wifi_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "WIFI")


def schools_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "SCHOOLS")


def _load(model: type[M], item: Any) -> M:
    return model.model_validate_json(item.data).model_copy(update={"version": int(item.version)})


class FacilitiesRepository:
    """Implements ``smartcommune.facilities.logic.ports.FacilitiesStore``."""

    def __init__(self, audit: AuditJournal) -> None:
        self._audit = audit

    def _commit(self, commune_id: str, audit: AuditRecord, item: MainTable, before: BaseModel | None) -> int:
        """Save ``item`` (new: must not exist; else conditional on ``before``'s version) with its audit entry."""
        version = int(getattr(before, "version", 0)) if before is not None else 0

        def writes(tx: TransactWrite) -> None:
            if before is None:
                tx.save(item, condition=type(item).pk.does_not_exist())
            else:
                item.version = version  # type: ignore[attr-defined]
                tx.save(item)  # the version attribute makes this conditional on the version read

        self._audit.commit(commune_id, audit, add_writes=writes)
        return version + 1

    # ------------------------------------------------------------ wifi points

    def get_point(self, commune_id: str, point_id: str) -> WifiPoint | None:
        try:
            item = WifiPointItem.get(wifi_pk(commune_id), f"P#{point_id}", consistent_read=True)
        except WifiPointItem.DoesNotExist:
            return None
        return _load(WifiPoint, item)

    def points(self, commune_id: str) -> list[WifiPoint]:
        found = [_load(WifiPoint, i) for i in WifiPointItem.query(wifi_pk(commune_id)) if isinstance(i, WifiPointItem)]
        return sorted(found, key=lambda p: (p.place_kind, p.hamlet_id or "", p.name))

    def save_point(self, before: WifiPoint | None, after: WifiPoint, audit: AuditRecord) -> WifiPoint:
        item = WifiPointItem(
            wifi_pk(after.commune_id), f"P#{after.id}", data=after.model_dump_json(exclude={"version"})
        )
        version = self._commit(after.commune_id, audit, item, before)
        return after.model_copy(update={"version": version})

    # ------------------------------------------------------------ schools

    def get_school(self, commune_id: str, school_id: str) -> School | None:
        try:
            item = SchoolItem.get(schools_pk(commune_id), f"S#{school_id}", consistent_read=True)
        except SchoolItem.DoesNotExist:
            return None
        return _load(School, item)

    def schools(self, commune_id: str) -> list[School]:
        found = [_load(School, i) for i in SchoolItem.query(schools_pk(commune_id)) if isinstance(i, SchoolItem)]
        order = {"mam_non": 0, "tieu_hoc": 1, "thcs": 2}
        return sorted(found, key=lambda s: (order[s.level], s.name))

    def save_school(self, before: School | None, after: School, audit: AuditRecord) -> School:
        item = SchoolItem(
            schools_pk(after.commune_id), f"S#{after.id}", data=after.model_dump_json(exclude={"version"})
        )
        version = self._commit(after.commune_id, audit, item, before)
        return after.model_copy(update={"version": version})
