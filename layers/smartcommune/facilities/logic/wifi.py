"""The register of free public wifi points (seed V.5, criterion 4.3): staff add and change points and take them
out of service (or back in) with a note; every change is audited; the public list shows each point's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.facilities.contracts import (
    PLACE_KINDS_VI,
    STATUS_VI,
    NewWifiPoint,
    PublicWifiList,
    PublicWifiPoint,
    WifiPoint,
    WifiPointList,
    WifiPointUpdate,
    WifiStatusChange,
)
from smartcommune.facilities.logic.common import audit_record, invalid, new_id, not_found, stale

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.facilities.contracts import WifiPointFields
    from smartcommune.facilities.logic.common import Clock, Communes
    from smartcommune.facilities.logic.ports import FacilitiesStore


class WifiService:
    def __init__(self, store: FacilitiesStore, communes: Communes, clock: Clock) -> None:
        self._store = store
        self._communes = communes
        self._clock = clock

    def _check(self, commune_id: str, fields: WifiPointFields) -> None:
        self._communes.check_hamlet(commune_id, fields.hamlet_id)
        if fields.place_kind == "cultural_house" and fields.hamlet_id is None:
            raise invalid(
                "hamlet_id", "Điểm wifi ở nhà văn hóa cần ghi rõ xóm.", "A cultural house's point names its hamlet."
            )

    def get(self, caller: Principal, point_id: str) -> WifiPoint:
        found = self._store.get_point(caller.commune_id, point_id)
        if found is None:
            raise not_found("điểm wifi", "Wifi point")
        return found

    def create(self, caller: Principal, new: NewWifiPoint, request_key: str | None) -> WifiPoint:
        self._check(caller.commune_id, new)
        point_id = new_id("wf", caller, request_key)
        existing = self._store.get_point(caller.commune_id, point_id)
        if existing is not None:  # a retry of a create that went through
            return existing
        now = self._clock()
        point = WifiPoint(
            id=point_id,
            commune_id=caller.commune_id,
            **new.model_dump(exclude={"status_note", "location"}),
            location=new.location,
            status_since=now,
            status_note=new.status_note if new.status == "out_of_service" else None,
            updated_at=now,
            updated_by=caller.display_name,
        )
        audit = audit_record(caller, "facilities.wifi_added", f"wifi/{point_id}", None, point)
        return self._store.save_point(None, point, audit)

    def update(self, caller: Principal, point_id: str, change: WifiPointUpdate) -> WifiPoint:
        self._check(caller.commune_id, change)
        before = self.get(caller, point_id)
        if before.version != change.version:
            raise stale()
        after = WifiPoint.model_validate(
            {
                **before.model_dump(),
                **change.model_dump(exclude={"version"}),
                "updated_at": self._clock(),
                "updated_by": caller.display_name,
            }
        )
        audit = audit_record(caller, "facilities.wifi_changed", f"wifi/{point_id}", before, after)
        return self._store.save_point(before, after, audit)

    def set_status(self, caller: Principal, point_id: str, change: WifiStatusChange) -> WifiPoint:
        """In or out of service; ``status_since`` moves only when the status does (a new note keeps the time)."""
        before = self.get(caller, point_id)
        if before.version != change.version:
            raise stale()
        if change.status == "out_of_service" and not change.note:
            raise invalid(
                "note",
                "Ghi rõ lý do ngừng hoạt động (ví dụ: mất nguồn điện, hỏng thiết bị).",
                "Say why the point is out of service.",
            )
        now = self._clock()
        after = before.model_copy(
            update={
                "status": change.status,
                "status_since": now if change.status != before.status else before.status_since,
                "status_note": change.note,
                "updated_at": now,
                "updated_by": caller.display_name,
            }
        )
        audit = audit_record(caller, "facilities.wifi_status_changed", f"wifi/{point_id}", before, after)
        return self._store.save_point(before, after, audit)

    def page(self, caller: Principal) -> WifiPointList:
        return WifiPointList(items=self._store.points(caller.commune_id))

    def public_list(self, commune_id: str) -> PublicWifiList:
        hamlets = self._communes.hamlets(commune_id)
        return PublicWifiList(
            commune_id=commune_id,
            items=[
                PublicWifiPoint(
                    **p.model_dump(
                        include={"id", "name", "place_kind", "hamlet_id", "bandwidth_mbps", "free", "status"}
                    ),
                    location=p.location,
                    status_since=p.status_since,
                    place_kind_vi=PLACE_KINDS_VI[p.place_kind],
                    hamlet_name=hamlets.get(p.hamlet_id) if p.hamlet_id else None,
                    status_vi=STATUS_VI[p.status],
                )
                for p in self._store.points(commune_id)
            ],
        )
