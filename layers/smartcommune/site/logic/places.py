"""OCOP products and agri-tourism places (criterion 6.3): staff keep them with photos; published ones are public."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.errors import ConflictError
from smartcommune.site.contracts import (
    MAX_PLACE_PHOTOS,
    AttachPhoto,
    NewPlace,
    Place,
    PlacePage,
    PlaceUpdate,
    PlaceView,
    PublicPlace,
    PublicPlacePage,
)
from smartcommune.site.logic.common import audit_record, invalid, new_id, not_found, query_words

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.site.contracts import PlaceFields
    from smartcommune.site.logic.common import Clock, Communes, Photos
    from smartcommune.site.logic.ports import SiteStore


class PlaceService:
    def __init__(self, store: SiteStore, photos: Photos, communes: Communes, clock: Clock) -> None:
        self._store = store
        self._photos = photos
        self._communes = communes
        self._clock = clock

    def _view(self, place: Place) -> PlaceView:
        return PlaceView(**place.model_dump(), photo_views=[self._photos.view(p) for p in place.photos])

    def _check(self, commune_id: str, fields: PlaceFields) -> None:
        hamlets = self._communes.hamlets(commune_id)
        if fields.hamlet_id is not None and fields.hamlet_id not in hamlets:
            names = ", ".join(hamlets.values())
            raise invalid("hamlet_id", f"Xóm không thuộc xã. Chọn một trong: {names}.", "Unknown hamlet.")
        if fields.kind == "ocop" and not fields.product:
            raise invalid("product", "Sản phẩm OCOP cần tên sản phẩm.", "An OCOP point names its product.")
        if fields.kind != "ocop" and fields.ocop_stars is not None:
            raise invalid("ocop_stars", "Chỉ sản phẩm OCOP mới có số sao.", "Only OCOP products have stars.")

    def get(self, caller: Principal, place_id: str) -> Place:
        found = self._store.get_place(caller.commune_id, place_id)
        if found is None:
            raise not_found("điểm giới thiệu", "Place")
        return found

    def create(self, caller: Principal, new: NewPlace, request_key: str | None) -> PlaceView:
        self._check(caller.commune_id, new)
        place_id = new_id("dd", caller, request_key)
        existing = self._store.get_place(caller.commune_id, place_id)
        if existing is not None:
            return self._view(existing)
        place = Place(
            id=place_id,
            commune_id=caller.commune_id,
            **new.model_dump(),
            updated_at=self._clock(),
            updated_by=caller.display_name,
        )
        audit = audit_record(caller, "site.place_added", f"place/{place_id}", None, place)
        return self._view(self._store.save_place(None, place, audit))

    def _save(self, caller: Principal, before: Place, after: Place, version: int, action: str) -> PlaceView:
        audit = audit_record(caller, action, f"place/{before.id}", before, after)
        expected = before.model_copy(update={"version": version})
        return self._view(self._store.save_place(expected, after, audit))

    def update(self, caller: Principal, place_id: str, change: PlaceUpdate) -> PlaceView:
        self._check(caller.commune_id, change)
        before = self.get(caller, place_id)
        after = Place.model_validate(
            {
                **before.model_dump(),
                **change.model_dump(exclude={"version"}),
                "updated_at": self._clock(),
                "updated_by": caller.display_name,
            }
        )
        return self._save(caller, before, after, change.version, "site.place_changed")

    def attach_photo(self, caller: Principal, place_id: str, attach: AttachPhoto) -> PlaceView:
        before = self.get(caller, place_id)
        if before.version != attach.version:
            raise ConflictError(
                "Dữ liệu vừa được người khác thay đổi, vui lòng tải lại và thử lại.",
                "The record was changed by someone else; reload and try again.",
            )
        if any(p.id == attach.upload_id for p in before.photos):  # a retry: attached already
            return self._view(before)
        if len(before.photos) >= MAX_PLACE_PHOTOS:
            raise invalid("upload_id", f"Mỗi điểm có tối đa {MAX_PLACE_PHOTOS} ảnh.", "Too many photos.")
        photo = self._photos.keep(caller.commune_id, attach.upload_id, attach.caption)
        after = before.model_copy(
            update={"photos": [*before.photos, photo], "updated_at": self._clock(), "updated_by": caller.display_name}
        )
        return self._save(caller, before, after, attach.version, "site.place_photo_added")

    def remove_photo(self, caller: Principal, place_id: str, photo_id: str, version: int) -> PlaceView:
        before = self.get(caller, place_id)
        kept = [p for p in before.photos if p.id != photo_id]
        if len(kept) == len(before.photos):
            raise not_found("ảnh", "Photo")
        after = before.model_copy(
            update={"photos": kept, "updated_at": self._clock(), "updated_by": caller.display_name}
        )
        return self._save(caller, before, after, version, "site.place_photo_removed")

    def page(self, caller: Principal, cursor: str | None, limit: int) -> PlacePage:
        items, next_cursor = self._store.places(caller.commune_id, cursor, limit)
        return PlacePage(items=[self._view(p) for p in items], next_cursor=next_cursor)

    # ------------------------------------------------------------ public

    def _public(self, place: Place, hamlets: dict[str, str]) -> PublicPlace:
        return PublicPlace(
            **place.model_dump(
                include={
                    "id", "kind", "name", "product", "producer", "ocop_stars", "hamlet_id", "location",
                    "opening_hours", "contact_phone", "description",
                }
            ),
            hamlet_name=hamlets.get(place.hamlet_id) if place.hamlet_id else None,
            photos=[self._photos.view(p) for p in place.photos],
        )  # fmt: skip

    def public_page(
        self, commune_id: str, kind: str | None, q: str | None, cursor: str | None, limit: int
    ) -> PublicPlacePage:
        hamlets = self._communes.hamlets(commune_id)
        items, next_cursor = self._store.published_places(commune_id, kind, query_words(q), cursor, limit)
        return PublicPlacePage(items=[self._public(p, hamlets) for p in items], next_cursor=next_cursor)

    def public_place(self, commune_id: str, place_id: str) -> PublicPlace:
        hamlets = self._communes.hamlets(commune_id)
        place = self._store.get_place(commune_id, place_id)
        if place is None or not place.published:  # a draft is as unknown as a place that never existed
            raise not_found("điểm giới thiệu", "Place")
        return self._public(place, hamlets)
