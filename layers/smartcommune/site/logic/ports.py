"""What the website's services need from outside: the table, the media bucket, photo checks, the commune."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.site.contracts import Article, Official, Place

Page = tuple[list[Any], str | None]


class SiteStore(Protocol):
    """The website's records (``site.storage.SiteRepository``); every change is committed with its audit entry."""

    def get_official(self, commune_id: str, official_id: str) -> Official | None: ...

    def save_official(self, before: Official | None, after: Official, audit: AuditRecord) -> Official: ...

    def delete_official(self, before: Official, audit: AuditRecord) -> None: ...

    def officials(self, commune_id: str, cursor: str | None, limit: int) -> tuple[list[Official], str | None]: ...

    def all_officials(self, commune_id: str) -> list[Official]: ...

    def published_officials(
        self, commune_id: str, words: list[str], cursor: str | None, limit: int
    ) -> tuple[list[Official], str | None]: ...

    def get_place(self, commune_id: str, place_id: str) -> Place | None: ...

    def save_place(self, before: Place | None, after: Place, audit: AuditRecord) -> Place: ...

    def places(self, commune_id: str, cursor: str | None, limit: int) -> tuple[list[Place], str | None]: ...

    def published_places(
        self, commune_id: str, kind: str | None, words: list[str], cursor: str | None, limit: int
    ) -> tuple[list[Place], str | None]: ...

    def get_article(self, commune_id: str, article_id: str) -> Article | None: ...

    def article_id_by_slug(self, commune_id: str, slug: str) -> str | None: ...

    def save_article(self, before: Article | None, after: Article, audit: AuditRecord) -> Article: ...

    def articles(
        self, commune_id: str, status: str | None, cursor: str | None, limit: int
    ) -> tuple[list[Article], str | None]: ...

    def published_articles(
        self, commune_id: str, words: list[str], cursor: str | None, limit: int
    ) -> tuple[list[Article], str | None]: ...

    def published_since(self, commune_id: str, since: datetime) -> int: ...


class Upload(Protocol):
    """What the media bucket holds under an upload's key (feedback's ``UploadInfo``)."""

    @property
    def size_bytes(self) -> int: ...

    @property
    def content_type(self) -> str: ...

    @property
    def data(self) -> bytes: ...


class MediaStore(Protocol):
    """The media bucket, same-origin presigned links (feedback's ``MediaRepository``, through its wiring)."""

    def presign_upload(self, key: str, content_type: str, size_bytes: int, expires_s: int) -> str: ...

    def presign_download(self, key: str, expires_s: int) -> str: ...

    def read(self, key: str) -> Upload | None: ...

    def write(self, key: str, data: bytes, content_type: str) -> None: ...


class PhotoSanitizer(Protocol):
    """Feedback's photo checks (size, declared type against the first bytes) and metadata stripping."""

    def problem(self, size_bytes: int, content_type: str, data: bytes) -> tuple[str, str] | None: ...

    def strip(self, data: bytes) -> bytes: ...


class Hamlets(Protocol):
    """The commune's hamlets by id → name; ``None`` when the commune does not exist."""

    def __call__(self, commune_id: str) -> dict[str, str] | None: ...
