"""Factories of the commune website (pattern: ``smartcommune.core.wiring``).

Public: :func:`directory` (criterion 3.1: ``published_count``, ``summary``), :func:`news` (``published_since``),
:func:`site_service` (everything the routes use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.site.logic.common import Communes, Photos
    from smartcommune.site.logic.directory import DirectoryService
    from smartcommune.site.logic.news import NewsService
    from smartcommune.site.logic.places import PlaceService
    from smartcommune.site.storage import SiteRepository


def site_repository(services: Services) -> SiteRepository:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.core.wiring import bound_table
    from smartcommune.site.storage import SiteRepository

    services.get(bound_table)
    return SiteRepository(services.get(audit_repository))


def site_photos(services: Services) -> Photos:
    """Uploads in the media bucket, checked and stripped as feedback's photos are (feedback's public services)."""
    from smartcommune.feedback.wiring import media_repository, photo_sanitizer
    from smartcommune.site.logic.common import Photos

    return Photos(services.get(media_repository), services.get(photo_sanitizer), services.clock)


def site_communes(services: Services) -> Communes:
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.site.logic.common import Communes

    repository = services.get(commune_repository)

    def hamlets(commune_id: str) -> dict[str, str] | None:
        commune = repository.get(commune_id)
        return None if commune is None else {h.id: h.name for h in commune.hamlets}

    return Communes(hamlets)


def directory(services: Services) -> DirectoryService:
    """The officials' directory (public: the criteria scorecard reads ``summary``/``published_count`` for 3.1)."""
    from smartcommune.site.logic.directory import DirectoryService

    return DirectoryService(
        services.get(site_repository), services.get(site_photos), services.get(site_communes), services.clock
    )


def places(services: Services) -> PlaceService:
    from smartcommune.site.logic.places import PlaceService

    return PlaceService(
        services.get(site_repository), services.get(site_photos), services.get(site_communes), services.clock
    )


def news(services: Services) -> NewsService:
    """News articles and their workflow (public: ``published_since`` for activity figures)."""
    from smartcommune.site.logic.news import NewsService

    return NewsService(services.get(site_repository), services.get(site_communes), services.clock)


@dataclass(frozen=True)
class SiteServices:
    directory: DirectoryService
    places: PlaceService
    news: NewsService
    photos: Photos


def site_service(services: Services) -> SiteServices:
    return SiteServices(
        directory=services.get(directory),
        places=services.get(places),
        news=services.get(news),
        photos=services.get(site_photos),
    )
