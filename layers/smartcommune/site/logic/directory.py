"""The public directory of officials (criterion 3.1): staff (office, admin) keep it; published entries are public.

Officials' work phone and e-mail are public by design; the directory never holds a citizen's data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.site.contracts import (
    DirectorySummary,
    NewOfficial,
    Official,
    OfficialPage,
    OfficialUpdate,
    OfficialView,
    PublicOfficial,
    PublicOfficialPage,
)
from smartcommune.site.logic.common import audit_record, new_id, not_found, query_words

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.site.logic.common import Clock, Communes, Photos
    from smartcommune.site.logic.ports import SiteStore


class DirectoryService:
    def __init__(self, store: SiteStore, photos: Photos, communes: Communes, clock: Clock) -> None:
        self._store = store
        self._photos = photos
        self._communes = communes
        self._clock = clock

    # ------------------------------------------------------------ staff

    def _view(self, official: Official) -> OfficialView:
        url = self._photos.view(official.photo).url if official.photo else None
        return OfficialView(**official.model_dump(), photo_url=url)

    def get(self, caller: Principal, official_id: str) -> Official:
        found = self._store.get_official(caller.commune_id, official_id)
        if found is None:
            raise not_found("cán bộ trong danh bạ", "Official")
        return found

    def create(self, caller: Principal, new: NewOfficial, request_key: str | None) -> OfficialView:
        official_id = new_id("cb", caller, request_key)
        existing = self._store.get_official(caller.commune_id, official_id)
        if existing is not None:  # a retry of the same request: what it made the first time
            return self._view(existing)
        photo = (
            self._photos.keep(caller.commune_id, new.photo_upload_id, None, "photo_upload_id")
            if (new.photo_upload_id)
            else None
        )
        official = Official(
            id=official_id,
            commune_id=caller.commune_id,
            **new.model_dump(exclude={"photo_upload_id"}),
            photo=photo,
            updated_at=self._clock(),
            updated_by=caller.display_name,
        )
        audit = audit_record(caller, "site.official_added", f"official/{official_id}", None, official)
        return self._view(self._store.save_official(None, official, audit))

    def update(self, caller: Principal, official_id: str, change: OfficialUpdate) -> OfficialView:
        before = self.get(caller, official_id)
        photo = before.photo
        if change.remove_photo:
            photo = None
        if change.photo_upload_id:
            photo = self._photos.keep(caller.commune_id, change.photo_upload_id, None, "photo_upload_id")
        after = Official.model_validate(
            {
                **before.model_dump(),
                **change.model_dump(exclude={"version", "photo_upload_id", "remove_photo"}),
                "photo": photo.model_dump() if photo else None,
                "updated_at": self._clock(),
                "updated_by": caller.display_name,
                "version": change.version,
            }
        )
        audit = audit_record(caller, "site.official_changed", f"official/{official_id}", before, after)
        return self._view(
            self._store.save_official(before.model_copy(update={"version": change.version}), after, audit)
        )

    def remove(self, caller: Principal, official_id: str, version: int) -> None:
        before = self.get(caller, official_id).model_copy(update={"version": version})
        audit = audit_record(caller, "site.official_removed", f"official/{official_id}", before, None)
        self._store.delete_official(before, audit)

    def page(self, caller: Principal, cursor: str | None, limit: int) -> OfficialPage:
        items, next_cursor = self._store.officials(caller.commune_id, cursor, limit)
        return OfficialPage(items=[self._view(o) for o in items], next_cursor=next_cursor)

    # ------------------------------------------------------------ public

    def public_page(self, commune_id: str, q: str | None, cursor: str | None, limit: int) -> PublicOfficialPage:
        self._communes.hamlets(commune_id)
        items, next_cursor = self._store.published_officials(commune_id, query_words(q), cursor, limit)
        return PublicOfficialPage(
            items=[
                PublicOfficial(
                    id=o.id,
                    full_name=o.full_name,
                    position=o.position,
                    unit=o.unit,
                    work_phone=o.work_phone,
                    work_email=o.work_email,
                    photo_url=self._photos.view(o.photo).url if o.photo else None,
                )
                for o in items
            ],
            next_cursor=next_cursor,
        )

    # ------------------------------------------------------------ criterion 3.1

    def summary(self, commune_id: str) -> DirectorySummary:
        everyone = self._store.all_officials(commune_id)
        public = [o for o in everyone if o.published]
        return DirectorySummary(
            commune_id=commune_id,
            officials=len(everyone),
            published=len(public),
            with_phone=sum(1 for o in public if o.work_phone),
            with_email=sum(1 for o in public if o.work_email),
        )

    def published_count(self, commune_id: str) -> int:
        return self.summary(commune_id).published
