"""The commune website over HTTP: public lists and pages under ``/communes/{commune_id}/site/…``, staff editing
under ``/site/…`` (the caller's own commune). Thin handlers: parse → one service call → map.

The office and the chairman's office keep the directory; they and the culture officer keep the places; authors
(culture, office) write news and the reviewer (admin) publishes it.

Long because: every endpoint of the website (directory, places and their photos, news and its workflow, public
JSON and pages) is declared here with its access, one short handler each.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import Field

from smartcommune.core.api.http import ApiResponse
from smartcommune.core.api.router import PUBLIC, router
from smartcommune.core.contracts import Contract, Role
from smartcommune.core.errors import InvalidInputError
from smartcommune.site.contracts import (
    SLUG,
    Article,
    ArticlePage,
    ArticleQuery,
    ArticleTransition,
    ArticleUpdate,
    AttachPhoto,
    ListQuery,
    NewArticle,
    NewOfficial,
    NewPlace,
    OfficialPage,
    OfficialUpdate,
    OfficialView,
    PlacePage,
    PlaceQuery,
    PlaceUpdate,
    PlaceView,
    PublicArticle,
    PublicArticlePage,
    PublicOfficialPage,
    PublicPlace,
    PublicPlacePage,
    UploadRequest,
    UploadTicket,
)

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.site.wiring import SiteServices

TAGS = ("site",)
DIRECTORY_EDITORS = frozenset({Role.OFFICE, Role.ADMIN})
PLACE_EDITORS = frozenset({Role.OFFICE, Role.ADMIN, Role.CULTURE})
NEWSROOM = frozenset({Role.CULTURE, Role.OFFICE, Role.ADMIN})
AUTHORS = frozenset({Role.CULTURE, Role.OFFICE})
UPLOADERS = PLACE_EDITORS
_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_ID = re.compile(r"^[a-z]{2}-[0-9a-f]{20}$")


class VersionQuery(Contract):
    version: int = Field(ge=1)


def _site(request: ApiRequest) -> SiteServices:
    from smartcommune.site.wiring import site_service

    return request.services.get(site_service)


def _request_key(request: ApiRequest) -> str | None:
    """The optional ``Idempotency-Key``: a retried create returns what the first one made."""
    key = (request.raw.header("idempotency-key") or "").strip()
    if key and not _KEY.match(key):
        raise InvalidInputError(
            "Tiêu đề Idempotency-Key không hợp lệ (8–64 ký tự chữ, số, . _ : -).",
            "The Idempotency-Key header is invalid (8-64 letters, digits, . _ : -).",
        )
    return key or None


def _id(request: ApiRequest, name: str) -> str:
    value = request.path_params[name]
    if not _ID.match(value):
        from smartcommune.core.errors import NotFoundError

        raise NotFoundError("Không tìm thấy.", "Not found.")
    return value


def _commune(request: ApiRequest) -> str:
    """The path's commune id, resolved through mergers (an old commune's links keep answering)."""
    from smartcommune.communes.wiring import current_commune_id

    return current_commune_id(request.services, request.path_params["commune_id"])


def _slug(request: ApiRequest) -> str:
    slug = request.path_params["slug"]
    if not re.match(SLUG, slug) or len(slug) > 80:
        from smartcommune.core.errors import NotFoundError

        raise NotFoundError("Không tìm thấy bài viết.", "Article not found.")
    return slug


# ---------------------------------------------------------------- public


@router.route(
    "GET",
    "/communes/{commune_id}/site/directory",
    allow=PUBLIC,
    summary="The public directory of officials (name, position, unit, work phone and e-mail); q ignores diacritics",
    query=ListQuery,
    response=PublicOfficialPage,
    tags=TAGS,
)
def public_directory(request: ApiRequest) -> PublicOfficialPage:
    query: ListQuery = request.query
    return _site(request).directory.public_page(_commune(request), query.q, query.cursor, query.limit)


@router.route(
    "GET",
    "/communes/{commune_id}/site/places",
    allow=PUBLIC,
    summary="Published OCOP products and agri-tourism places (kind=ocop|tourism; q ignores diacritics)",
    query=PlaceQuery,
    response=PublicPlacePage,
    tags=TAGS,
)
def public_places(request: ApiRequest) -> PublicPlacePage:
    query: PlaceQuery = request.query
    return _site(request).places.public_page(_commune(request), query.kind, query.q, query.cursor, query.limit)


@router.route(
    "GET",
    "/communes/{commune_id}/site/places/{place_id}",
    allow=PUBLIC,
    summary="One published place",
    response=PublicPlace,
    tags=TAGS,
)
def public_place(request: ApiRequest) -> PublicPlace:
    return _site(request).places.public_place(_commune(request), _id(request, "place_id"))


@router.route(
    "GET",
    "/communes/{commune_id}/site/news",
    allow=PUBLIC,
    summary="Published news, newest first (q ignores diacritics)",
    query=ListQuery,
    response=PublicArticlePage,
    tags=TAGS,
)
def public_news(request: ApiRequest) -> PublicArticlePage:
    query: ListQuery = request.query
    return _site(request).news.public_page(_commune(request), query.q, query.cursor, query.limit)


@router.route(
    "GET",
    "/communes/{commune_id}/site/news/{slug}",
    allow=PUBLIC,
    summary="One published article",
    response=PublicArticle,
    tags=TAGS,
)
def public_article(request: ApiRequest) -> PublicArticle:
    return _site(request).news.public_article(_commune(request), _slug(request))


@router.route(
    "GET",
    "/communes/{commune_id}/site/news/{slug}/page",
    allow=PUBLIC,
    summary="One published article as a page of its own (HTML, no script)",
    tags=TAGS,
    produces=("text/html",),
)
def public_article_page(request: ApiRequest) -> ApiResponse:
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.site.logic.pages import PAGE_CSP, article_html

    commune_id = _commune(request)
    article = _site(request).news.public_article(commune_id, _slug(request))
    commune = request.services.get(commune_repository).get(commune_id)
    name = commune.name if commune is not None else commune_id
    return ApiResponse(
        body=article_html(article, name, commune_id),
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": PAGE_CSP,
            "Cache-Control": "public, max-age=300",
        },
    )


# ---------------------------------------------------------------- directory (staff)


@router.route(
    "GET",
    "/site/officials",
    allow=DIRECTORY_EDITORS,
    summary="The directory as staff keep it (published or not)",
    query=ListQuery,
    response=OfficialPage,
    tags=TAGS,
)
def list_officials(request: ApiRequest) -> OfficialPage:
    query: ListQuery = request.query
    return _site(request).directory.page(request.caller, query.cursor, query.limit)


@router.route(
    "POST",
    "/site/officials",
    allow=DIRECTORY_EDITORS,
    summary="Add an official to the directory (optional Idempotency-Key)",
    body=NewOfficial,
    response=OfficialView,
    status=201,
    tags=TAGS,
)
def add_official(request: ApiRequest) -> OfficialView:
    return _site(request).directory.create(request.caller, request.body, _request_key(request))


@router.route(
    "PUT",
    "/site/officials/{official_id}",
    allow=DIRECTORY_EDITORS,
    summary="Change an official's entry (its version as read)",
    body=OfficialUpdate,
    response=OfficialView,
    tags=TAGS,
)
def change_official(request: ApiRequest) -> OfficialView:
    return _site(request).directory.update(request.caller, _id(request, "official_id"), request.body)


@router.route(
    "DELETE",
    "/site/officials/{official_id}",
    allow=DIRECTORY_EDITORS,
    summary="Remove an official from the directory (?version= as read)",
    query=VersionQuery,
    status=204,
    tags=TAGS,
)
def remove_official(request: ApiRequest) -> ApiResponse:
    query: VersionQuery = request.query
    _site(request).directory.remove(request.caller, _id(request, "official_id"), query.version)
    return ApiResponse(status=204)


# ---------------------------------------------------------------- photos (staff)


@router.route(
    "POST",
    "/site/uploads",
    allow=UPLOADERS,
    summary="Where to upload one photo (presigned PUT on /media/…, type and size signed, 15 minutes)",
    body=UploadRequest,
    response=UploadTicket,
    status=201,
    tags=TAGS,
)
def upload_ticket(request: ApiRequest) -> UploadTicket:
    body: UploadRequest = request.body
    return _site(request).photos.ticket(request.caller.commune_id, body.content_type, body.size_bytes)


# ---------------------------------------------------------------- places (staff)


@router.route(
    "GET",
    "/site/places",
    allow=PLACE_EDITORS,
    summary="OCOP and agri-tourism places as staff keep them (published or not)",
    query=ListQuery,
    response=PlacePage,
    tags=TAGS,
)
def list_places(request: ApiRequest) -> PlacePage:
    query: ListQuery = request.query
    return _site(request).places.page(request.caller, query.cursor, query.limit)


@router.route(
    "POST",
    "/site/places",
    allow=PLACE_EDITORS,
    summary="Add an OCOP product or agri-tourism place (optional Idempotency-Key)",
    body=NewPlace,
    response=PlaceView,
    status=201,
    tags=TAGS,
)
def add_place(request: ApiRequest) -> PlaceView:
    return _site(request).places.create(request.caller, request.body, _request_key(request))


@router.route(
    "PUT",
    "/site/places/{place_id}",
    allow=PLACE_EDITORS,
    summary="Change a place (its version as read); published: true shows it to the public",
    body=PlaceUpdate,
    response=PlaceView,
    tags=TAGS,
)
def change_place(request: ApiRequest) -> PlaceView:
    return _site(request).places.update(request.caller, _id(request, "place_id"), request.body)


@router.route(
    "POST",
    "/site/places/{place_id}/photos",
    allow=PLACE_EDITORS,
    summary="Attach an uploaded photo: checked (type, size) and stripped of EXIF/GPS on the server",
    body=AttachPhoto,
    response=PlaceView,
    status=201,
    tags=TAGS,
)
def attach_place_photo(request: ApiRequest) -> PlaceView:
    return _site(request).places.attach_photo(request.caller, _id(request, "place_id"), request.body)


@router.route(
    "DELETE",
    "/site/places/{place_id}/photos/{photo_id}",
    allow=PLACE_EDITORS,
    summary="Take a photo off a place (?version= as read)",
    query=VersionQuery,
    response=PlaceView,
    tags=TAGS,
)
def remove_place_photo(request: ApiRequest) -> PlaceView:
    query: VersionQuery = request.query
    photo_id = request.path_params["photo_id"]
    return _site(request).places.remove_photo(request.caller, _id(request, "place_id"), photo_id, query.version)


# ---------------------------------------------------------------- news (staff)


@router.route(
    "GET",
    "/site/articles",
    allow=NEWSROOM,
    summary="Articles of every status, last changed first (status= to filter)",
    query=ArticleQuery,
    response=ArticlePage,
    tags=TAGS,
)
def list_articles(request: ApiRequest) -> ArticlePage:
    query: ArticleQuery = request.query
    return _site(request).news.page(request.caller, query.status, query.cursor, query.limit)


@router.route(
    "POST",
    "/site/articles",
    allow=AUTHORS,
    summary="Write a draft article (its slug from the title unless given; optional Idempotency-Key)",
    body=NewArticle,
    response=Article,
    status=201,
    tags=TAGS,
)
def draft_article(request: ApiRequest) -> Article:
    return _site(request).news.create(request.caller, request.body, _request_key(request))


@router.route(
    "GET",
    "/site/articles/{article_id}",
    allow=NEWSROOM,
    summary="One article with its history",
    response=Article,
    tags=TAGS,
)
def get_article(request: ApiRequest) -> Article:
    return _site(request).news.get(request.caller, _id(request, "article_id"))


@router.route(
    "PUT",
    "/site/articles/{article_id}",
    allow=AUTHORS,
    summary="Edit a draft (its version as read)",
    body=ArticleUpdate,
    response=Article,
    tags=TAGS,
)
def edit_article(request: ApiRequest) -> Article:
    return _site(request).news.update(request.caller, _id(request, "article_id"), request.body)


@router.route(
    "POST",
    "/site/articles/{article_id}/transitions",
    allow=NEWSROOM,
    summary="A workflow step: submit, reopen (authors); publish, return, unpublish, archive (reviewer)",
    body=ArticleTransition,
    response=Article,
    tags=TAGS,
)
def article_transition(request: ApiRequest) -> Article:
    return _site(request).news.transition(request.caller, _id(request, "article_id"), request.body)
