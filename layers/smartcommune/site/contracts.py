"""What the commune website holds and shows: officials, OCOP and agri-tourism places, news articles.

Records (``Official``, ``Place``, ``Article``) are what is stored; ``New…``/``…Update`` are what staff send; the
``Public…`` views are the public projection (published entries only, no staff ids, no workflow notes).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from smartcommune.core.contracts import Contract, normalize_phone

MAX_PLACE_PHOTOS = 6
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_PHOTO_BYTES = 5 * 1024 * 1024
"""The same limit as feedback photos (the media adapter reads at most this much back)."""

_LANDLINE = re.compile(r"^02\d{8,9}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
RECORD_ID = r"^[a-z0-9][a-z0-9-]{2,63}$"


def normalize_work_phone(raw: str) -> str:
    """A work phone as E.164: a mobile (``0912 345 678``) or a landline with its area code (``0228 3877 123``)."""
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    try:
        return normalize_phone(digits)
    except ValueError:
        if _LANDLINE.match(digits):
            return "+84" + digits[1:]
        raise ValueError("work_phone") from None


def normalize_email(raw: str) -> str:
    value = raw.strip().lower()
    if len(value) > 120 or not _EMAIL.match(value):
        raise ValueError("email")
    return value


WorkPhone = Annotated[str, AfterValidator(normalize_work_phone)]
WorkEmail = Annotated[str, AfterValidator(normalize_email)]
PhotoType = Literal["image/jpeg", "image/png", "image/webp"]


class SitePhoto(BaseModel):
    """A photo kept in the media bucket, stripped of its metadata (EXIF, GPS, XMP…)."""

    id: str
    key: str
    content_type: str
    size_bytes: int
    caption: str | None = None


class PhotoView(BaseModel):
    id: str
    url: str = Field(description="a presigned GET on the site's own origin (/media/…), valid one hour")
    caption: str | None = None


class UploadRequest(Contract):
    """Staff ask where to upload one photo (type and exact size are signed into the link)."""

    content_type: PhotoType
    size_bytes: int = Field(ge=1, le=MAX_PHOTO_BYTES)


class UploadTicket(BaseModel):
    upload_id: str
    url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    expires_at: datetime


# ---------------------------------------------------------------- the directory (criterion 3.1)


class OfficialFields(Contract):
    full_name: str = Field(min_length=3, max_length=100)
    position: str = Field(min_length=2, max_length=120, description="chức vụ, e.g. Chủ tịch UBND xã")
    unit: str = Field(min_length=2, max_length=120, description="đơn vị, e.g. UBND xã, Công an xã")
    work_phone: WorkPhone | None = None
    work_email: WorkEmail | None = None
    rank: int = Field(default=100, ge=0, le=9999, description="order in the directory, smallest first")
    published: bool = True


class NewOfficial(OfficialFields):
    photo_upload_id: str | None = Field(default=None, min_length=32, max_length=32)


class OfficialUpdate(OfficialFields):
    version: int = Field(ge=1)
    photo_upload_id: str | None = Field(default=None, min_length=32, max_length=32)
    remove_photo: bool = False


class Official(BaseModel):
    id: str
    commune_id: str
    full_name: str
    position: str
    unit: str
    work_phone: str | None = None
    work_email: str | None = None
    rank: int = 100
    published: bool = True
    photo: SitePhoto | None = None
    updated_at: datetime
    updated_by: str
    version: int = 0


class OfficialView(Official):
    """What staff see (with the photo's link)."""

    photo_url: str | None = None


class PublicOfficial(BaseModel):
    id: str
    full_name: str
    position: str
    unit: str
    work_phone: str | None = None
    work_email: str | None = None
    photo_url: str | None = None


class OfficialPage(BaseModel):
    items: list[OfficialView]
    next_cursor: str | None = None


class PublicOfficialPage(BaseModel):
    items: list[PublicOfficial]
    next_cursor: str | None = None


class DirectorySummary(BaseModel):
    """Criterion 3.1 from the directory: every official listed, and with a way to reach them."""

    commune_id: str
    officials: int = Field(description="entries in the directory, published or not")
    published: int = Field(description="entries the public sees")
    with_phone: int = Field(description="published entries with a work phone")
    with_email: int = Field(description="published entries with a work e-mail")


# ---------------------------------------------------------------- OCOP and agri-tourism places (criterion 6.3)

PlaceKind = Literal["ocop", "tourism"]


class GeoPoint(Contract):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PlaceFields(Contract):
    kind: PlaceKind
    name: str = Field(min_length=3, max_length=150)
    product: str | None = Field(default=None, max_length=150, description="the OCOP product, e.g. Nước mắm")
    producer: str | None = Field(default=None, max_length=150, description="cooperative, business or household")
    ocop_stars: int | None = Field(default=None, ge=3, le=5, description="OCOP rating (3 to 5 stars)")
    hamlet_id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    location: GeoPoint | None = None
    opening_hours: str | None = Field(default=None, max_length=200)
    contact_phone: WorkPhone | None = None
    description: str = Field(default="", max_length=4000)
    published: bool = False


class NewPlace(PlaceFields):
    pass


class PlaceUpdate(PlaceFields):
    version: int = Field(ge=1)


class AttachPhoto(Contract):
    upload_id: str = Field(min_length=32, max_length=32)
    caption: str | None = Field(default=None, max_length=200)
    version: int = Field(ge=1)


class Place(BaseModel):
    id: str
    commune_id: str
    kind: PlaceKind
    name: str
    product: str | None = None
    producer: str | None = None
    ocop_stars: int | None = None
    hamlet_id: str | None = None
    location: GeoPoint | None = None
    opening_hours: str | None = None
    contact_phone: str | None = None
    description: str = ""
    published: bool = False
    photos: list[SitePhoto] = Field(default_factory=list)
    updated_at: datetime
    updated_by: str
    version: int = 0


class PlaceView(Place):
    photo_views: list[PhotoView] = Field(default_factory=list)


class PublicPlace(BaseModel):
    id: str
    kind: PlaceKind
    name: str
    product: str | None = None
    producer: str | None = None
    ocop_stars: int | None = None
    hamlet_id: str | None = None
    hamlet_name: str | None = None
    location: GeoPoint | None = None
    opening_hours: str | None = None
    contact_phone: str | None = None
    description: str = ""
    photos: list[PhotoView] = Field(default_factory=list)


class PlacePage(BaseModel):
    items: list[PlaceView]
    next_cursor: str | None = None


class PublicPlacePage(BaseModel):
    items: list[PublicPlace]
    next_cursor: str | None = None


# ---------------------------------------------------------------- news articles

ArticleStatus = Literal["draft", "in_review", "published", "unpublished", "archived"]
ArticleAction = Literal["submit", "return", "publish", "unpublish", "reopen", "archive"]


class NewArticle(Contract):
    title: str = Field(min_length=5, max_length=200)
    summary: str = Field(default="", max_length=500)
    body: str = Field(min_length=10, max_length=20000, description="plain text; blank lines separate paragraphs")
    slug: str | None = Field(default=None, min_length=3, max_length=80, pattern=SLUG)


class ArticleUpdate(Contract):
    title: str = Field(min_length=5, max_length=200)
    summary: str = Field(default="", max_length=500)
    body: str = Field(min_length=10, max_length=20000)
    version: int = Field(ge=1)


class ArticleTransition(Contract):
    action: ArticleAction
    version: int = Field(ge=1)
    note: str | None = Field(default=None, max_length=500)


class ArticleEvent(BaseModel):
    at: datetime
    action: str
    by_name: str
    role: str
    note: str | None = None


class Article(BaseModel):
    id: str
    commune_id: str
    slug: str
    title: str
    summary: str = ""
    body: str
    status: ArticleStatus = "draft"
    author_id: str
    author_name: str
    reviewer_id: str | None = None
    reviewer_name: str | None = None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    history: list[ArticleEvent] = Field(default_factory=list)
    version: int = 0


class ArticleListItem(BaseModel):
    id: str
    slug: str
    title: str
    status: ArticleStatus
    author_name: str
    updated_at: datetime
    published_at: datetime | None = None
    version: int


class ArticlePage(BaseModel):
    items: list[ArticleListItem]
    next_cursor: str | None = None


class PublicArticle(BaseModel):
    slug: str
    title: str
    summary: str = ""
    body: str
    author_name: str
    published_at: datetime


class PublicArticleItem(BaseModel):
    slug: str
    title: str
    summary: str = ""
    published_at: datetime


class PublicArticlePage(BaseModel):
    items: list[PublicArticleItem]
    next_cursor: str | None = None


# ---------------------------------------------------------------- queries


class ListQuery(Contract):
    cursor: str | None = Field(default=None, max_length=1000)
    limit: int = Field(default=50, ge=1, le=100)
    q: str | None = Field(default=None, max_length=100, description="words to find, diacritics ignored")


class PlaceQuery(ListQuery):
    kind: PlaceKind | None = None


class ArticleQuery(Contract):
    cursor: str | None = Field(default=None, max_length=1000)
    limit: int = Field(default=50, ge=1, le=100)
    status: ArticleStatus | None = None


class Saved(BaseModel):
    ok: bool = True
