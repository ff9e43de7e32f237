"""The commune website's records in the main table, by key or index only; every change with its audit entry.

==========  ================================  ===========  =====================================================
item        PK                                SK           indexes
==========  ================================  ===========  =====================================================
official    ``C#<c>#OFFICIAL#<id>``           ``PROFILE``  GSI2 ``C#<c>#OFFICIALS`` / rank#name#id (staff, all);
                                                           GSI1 ``C#<c>#SITEDIR`` / rank#name#id (published only)
place       ``C#<c>#PLACE#<id>``              ``PROFILE``  GSI2 ``C#<c>#PLACES`` / kind#name#id (staff, all);
                                                           GSI1 ``C#<c>#SITEPLACES`` / kind#name#id (published)
article     ``C#<c>#ARTICLE#<id>``            ``META``     GSI1 ``C#<c>#ARTICLES`` / updated_at#id (staff);
                                                           GSI2 ``C#<c>#NEWS`` / published_at#id (published)
slug        ``C#<c>#SLUG#<slug>``             ``SLUG``     -
==========  ================================  ===========  =====================================================

The public lists are sparse indexes: an entry is in them only while it is published, so a draft can never be
listed by a public query. Search keeps the record's folded words (``words``, space-framed) and filters the index
query with ``contains(words, " <word>")`` for each word asked: diacritics ignored, whole-word prefixes, no scan.
Writes are conditional (a new record must not exist, a change names the version it read) and committed in one
transaction with the audit entry; an article's slug is claimed in the same transaction, so two articles never
share one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from pynamodb.attributes import UnicodeAttribute, VersionAttribute

from smartcommune.core.table import MainTable, MergePolicy, commune_pk, decode_cursor, encode_cursor
from smartcommune.core.text import fold
from smartcommune.site.contracts import Article, Official, Place
from smartcommune.site.logic.common import words_of

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal

M = TypeVar("M", bound=BaseModel)


class OfficialItem(MainTable, discriminator="site_official"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()
    words = UnicodeAttribute()
    version = VersionAttribute()


class PlaceItem(MainTable, discriminator="site_place"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()
    words = UnicodeAttribute()
    version = VersionAttribute()


class ArticleItem(MainTable, discriminator="site_article"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()
    words = UnicodeAttribute()
    status = UnicodeAttribute()
    version = VersionAttribute()


class SlugItem(MainTable, discriminator="site_slug"):
    merge = MergePolicy.MOVE

    article_id = UnicodeAttribute()


def _sort_name(text: str) -> str:
    return fold(text).replace("#", " ")[:60]


def _instant(at: datetime) -> str:
    """An instant as sortable text (UTC, ISO 8601), whatever zone it came in."""
    return at.astimezone(UTC).isoformat()


def _load(model: type[M], item: Any) -> M:
    return model.model_validate_json(item.data).model_copy(update={"version": int(item.version)})


def _words_filter(model: Any, words: list[str]) -> Any:
    condition = None
    for word in words:
        clause = model.words.contains(f" {word}")
        condition = clause if condition is None else condition & clause
    return condition


def _page(model: Any, records: type[M], index: Any, partition: str, index_key: str, **query: Any) -> Any:
    cursor = query.pop("cursor")
    start = decode_cursor(cursor, index_key, partition) if cursor else None
    result = index.query(partition, last_evaluated_key=start, **query)
    items = [_load(records, i) for i in result if isinstance(i, model)]
    last = result.last_evaluated_key
    return items, encode_cursor(last) if last else None


def _official_item(official: Official) -> OfficialItem:
    c = official.commune_id
    order = f"{official.rank:04d}#{_sort_name(official.full_name)}#{official.id}"
    return OfficialItem(
        commune_pk(c, "OFFICIAL", official.id),
        "PROFILE",
        gsi1pk=commune_pk(c, "SITEDIR") if official.published else None,
        gsi1sk=order if official.published else None,
        gsi2pk=commune_pk(c, "OFFICIALS"),
        gsi2sk=order,
        data=official.model_dump_json(exclude={"version"}),
        words=words_of(official.full_name, official.position, official.unit),
    )


def _place_item(place: Place) -> PlaceItem:
    c = place.commune_id
    order = f"{place.kind}#{_sort_name(place.name)}#{place.id}"
    return PlaceItem(
        commune_pk(c, "PLACE", place.id),
        "PROFILE",
        gsi1pk=commune_pk(c, "SITEPLACES") if place.published else None,
        gsi1sk=order if place.published else None,
        gsi2pk=commune_pk(c, "PLACES"),
        gsi2sk=order,
        data=place.model_dump_json(exclude={"version"}),
        words=words_of(place.name, place.product, place.producer, place.description),
    )


def _article_item(article: Article) -> ArticleItem:
    c = article.commune_id
    public = article.status == "published" and article.published_at is not None
    return ArticleItem(
        commune_pk(c, "ARTICLE", article.id),
        "META",
        gsi1pk=commune_pk(c, "ARTICLES"),
        gsi1sk=f"{_instant(article.updated_at)}#{article.id}",
        gsi2pk=commune_pk(c, "NEWS") if public else None,
        gsi2sk=f"{_instant(article.published_at)}#{article.id}" if public and article.published_at else None,
        data=article.model_dump_json(exclude={"version"}),
        words=words_of(article.title, article.summary, article.body),
        status=article.status,
    )


class SiteRepository:
    """Implements ``smartcommune.site.logic.ports.SiteStore``."""

    def __init__(self, audit: AuditJournal) -> None:
        self._audit = audit

    def _commit(self, commune_id: str, audit: AuditRecord, item: MainTable, before: BaseModel | None) -> int:
        """Save ``item`` (new: must not exist; else conditional on ``before``'s version) with its audit entry."""
        version = getattr(before, "version", 0) if before is not None else 0

        def writes(tx: TransactWrite) -> None:
            if before is None:
                tx.save(item, condition=type(item).pk.does_not_exist())
            else:
                item.version = version  # type: ignore[attr-defined]
                tx.save(item)  # the version attribute makes this conditional on the version read

        self._audit.commit(commune_id, audit, add_writes=writes)
        return int(version) + 1

    # ------------------------------------------------------------ officials

    def get_official(self, commune_id: str, official_id: str) -> Official | None:
        try:
            item = OfficialItem.get(commune_pk(commune_id, "OFFICIAL", official_id), "PROFILE", consistent_read=True)
        except OfficialItem.DoesNotExist:
            return None
        return _load(Official, item)

    def save_official(self, before: Official | None, after: Official, audit: AuditRecord) -> Official:
        version = self._commit(after.commune_id, audit, _official_item(after), before)
        return after.model_copy(update={"version": version})

    def delete_official(self, before: Official, audit: AuditRecord) -> None:
        item = _official_item(before)
        item.version = before.version

        def writes(tx: TransactWrite) -> None:
            tx.delete(item)  # conditional on the version read

        self._audit.commit(before.commune_id, audit, add_writes=writes)

    def officials(self, commune_id: str, cursor: str | None, limit: int) -> tuple[list[Official], str | None]:
        partition = commune_pk(commune_id, "OFFICIALS")
        return _page(OfficialItem, Official, OfficialItem.gsi2, partition, "GSI2PK", cursor=cursor, limit=limit)

    def all_officials(self, commune_id: str) -> list[Official]:
        partition = commune_pk(commune_id, "OFFICIALS")
        return [_load(Official, i) for i in OfficialItem.gsi2.query(partition) if isinstance(i, OfficialItem)]

    def published_officials(
        self, commune_id: str, words: list[str], cursor: str | None, limit: int
    ) -> tuple[list[Official], str | None]:
        partition = commune_pk(commune_id, "SITEDIR")
        return _page(
            OfficialItem,
            Official,
            OfficialItem.gsi1,
            partition,
            "GSI1PK",
            cursor=cursor,
            limit=limit,
            filter_condition=_words_filter(OfficialItem, words),
        )

    # ------------------------------------------------------------ places

    def get_place(self, commune_id: str, place_id: str) -> Place | None:
        try:
            item = PlaceItem.get(commune_pk(commune_id, "PLACE", place_id), "PROFILE", consistent_read=True)
        except PlaceItem.DoesNotExist:
            return None
        return _load(Place, item)

    def save_place(self, before: Place | None, after: Place, audit: AuditRecord) -> Place:
        version = self._commit(after.commune_id, audit, _place_item(after), before)
        return after.model_copy(update={"version": version})

    def places(self, commune_id: str, cursor: str | None, limit: int) -> tuple[list[Place], str | None]:
        partition = commune_pk(commune_id, "PLACES")
        return _page(PlaceItem, Place, PlaceItem.gsi2, partition, "GSI2PK", cursor=cursor, limit=limit)

    def published_places(
        self, commune_id: str, kind: str | None, words: list[str], cursor: str | None, limit: int
    ) -> tuple[list[Place], str | None]:
        partition = commune_pk(commune_id, "SITEPLACES")
        return _page(
            PlaceItem,
            Place,
            PlaceItem.gsi1,
            partition,
            "GSI1PK",
            cursor=cursor,
            limit=limit,
            range_key_condition=PlaceItem.gsi1sk.startswith(f"{kind}#") if kind else None,
            filter_condition=_words_filter(PlaceItem, words),
        )

    # ------------------------------------------------------------ articles

    def get_article(self, commune_id: str, article_id: str) -> Article | None:
        try:
            item = ArticleItem.get(commune_pk(commune_id, "ARTICLE", article_id), "META", consistent_read=True)
        except ArticleItem.DoesNotExist:
            return None
        return _load(Article, item)

    def article_id_by_slug(self, commune_id: str, slug: str) -> str | None:
        try:
            return str(SlugItem.get(commune_pk(commune_id, "SLUG", slug), "SLUG").article_id)
        except SlugItem.DoesNotExist:
            return None

    def save_article(self, before: Article | None, after: Article, audit: AuditRecord) -> Article:
        item = _article_item(after)
        version = before.version if before is not None else 0

        def writes(tx: TransactWrite) -> None:
            if before is None:
                tx.save(item, condition=ArticleItem.pk.does_not_exist())
                slug = SlugItem(commune_pk(after.commune_id, "SLUG", after.slug), "SLUG", article_id=after.id)
                tx.save(slug, condition=SlugItem.pk.does_not_exist())
            else:
                item.version = version
                tx.save(item)

        self._audit.commit(after.commune_id, audit, add_writes=writes)
        return after.model_copy(update={"version": version + 1})

    def articles(
        self, commune_id: str, status: str | None, cursor: str | None, limit: int
    ) -> tuple[list[Article], str | None]:
        partition = commune_pk(commune_id, "ARTICLES")
        return _page(
            ArticleItem,
            Article,
            ArticleItem.gsi1,
            partition,
            "GSI1PK",
            cursor=cursor,
            limit=limit,
            scan_index_forward=False,
            filter_condition=(ArticleItem.status == status) if status else None,
        )

    def published_articles(
        self, commune_id: str, words: list[str], cursor: str | None, limit: int
    ) -> tuple[list[Article], str | None]:
        partition = commune_pk(commune_id, "NEWS")
        return _page(
            ArticleItem,
            Article,
            ArticleItem.gsi2,
            partition,
            "GSI2PK",
            cursor=cursor,
            limit=limit,
            scan_index_forward=False,
            filter_condition=_words_filter(ArticleItem, words),
        )

    def published_since(self, commune_id: str, since: datetime) -> int:
        partition = commune_pk(commune_id, "NEWS")
        return ArticleItem.gsi2.count(partition, range_key_condition=ArticleItem.gsi2sk >= _instant(since))
