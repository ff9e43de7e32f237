"""News articles of the commune website and their editorial workflow (:mod:`.workflow`); published ones are
public as JSON and as a page (:mod:`.pages`). Every step is audited with who took it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.errors import ConflictError, ForbiddenError
from smartcommune.site.contracts import (
    Article,
    ArticleEvent,
    ArticleListItem,
    ArticlePage,
    ArticleTransition,
    ArticleUpdate,
    NewArticle,
    PublicArticle,
    PublicArticleItem,
    PublicArticlePage,
)
from smartcommune.site.logic.common import audit_record, new_id, not_found, query_words, slugify
from smartcommune.site.logic.workflow import AUTHORS, REVIEWERS, check_edit, check_step

if TYPE_CHECKING:
    from datetime import datetime

    from smartcommune.core.principal import Principal
    from smartcommune.site.logic.common import Clock, Communes
    from smartcommune.site.logic.ports import SiteStore

MAX_SLUG_TRIES = 20


def list_item(article: Article) -> ArticleListItem:
    return ArticleListItem(
        **article.model_dump(include={"id", "slug", "title", "status", "author_name", "updated_at", "published_at"}),
        version=article.version,
    )


class NewsService:
    def __init__(self, store: SiteStore, communes: Communes, clock: Clock) -> None:
        self._store = store
        self._communes = communes
        self._clock = clock

    def get(self, caller: Principal, article_id: str) -> Article:
        if not caller.roles & (AUTHORS | REVIEWERS):
            raise ForbiddenError("Bạn không có quyền xem bài viết chưa đăng.", "You may not read unpublished articles.")
        found = self._store.get_article(caller.commune_id, article_id)
        if found is None:
            raise not_found("bài viết", "Article")
        return found

    def _free_slug(self, commune_id: str, wanted: str | None, title: str) -> str:
        if wanted:
            if self._store.article_id_by_slug(commune_id, wanted) is not None:
                raise ConflictError(
                    f"Đường dẫn “{wanted}” đã được dùng cho bài khác; hãy chọn đường dẫn khác.",
                    f"The slug “{wanted}” is taken; choose another.",
                )
            return wanted
        base = slugify(title)
        for n in range(1, MAX_SLUG_TRIES + 1):
            slug = base if n == 1 else f"{base}-{n}"
            if self._store.article_id_by_slug(commune_id, slug) is None:
                return slug
        return f"{base}-{self._clock().strftime('%Y%m%d%H%M%S')}"

    def create(self, caller: Principal, new: NewArticle, request_key: str | None) -> Article:
        check_edit("draft", caller.roles)
        article_id = new_id("bv", caller, request_key)
        existing = self._store.get_article(caller.commune_id, article_id)
        if existing is not None:  # a retry of the same request
            return existing
        now = self._clock()
        article = Article(
            id=article_id,
            commune_id=caller.commune_id,
            slug=self._free_slug(caller.commune_id, new.slug, new.title),
            title=new.title,
            summary=new.summary,
            body=new.body,
            author_id=caller.subject_id,
            author_name=caller.display_name,
            created_at=now,
            updated_at=now,
            history=[self._event(caller, "create", None)],
        )
        audit = audit_record(caller, "site.article_drafted", f"article/{article_id}", None, article)
        return self._store.save_article(None, article, audit)

    def _event(self, caller: Principal, action: str, note: str | None) -> ArticleEvent:
        return ArticleEvent(
            at=self._clock(), action=action, by_name=caller.display_name, role=caller.primary_role.value, note=note
        )

    def update(self, caller: Principal, article_id: str, change: ArticleUpdate) -> Article:
        before = self.get(caller, article_id)
        check_edit(before.status, caller.roles)
        after = before.model_copy(
            update={
                "title": change.title,
                "summary": change.summary,
                "body": change.body,
                "updated_at": self._clock(),
                "history": [*before.history, self._event(caller, "edit", None)],
            }
        )
        audit = audit_record(caller, "site.article_edited", f"article/{article_id}", before, after)
        return self._store.save_article(before.model_copy(update={"version": change.version}), after, audit)

    def transition(self, caller: Principal, article_id: str, step: ArticleTransition) -> Article:
        before = self.get(caller, article_id)
        target = check_step(
            step.action, before.status, caller.roles, step.note, own_article=before.author_id == caller.subject_id
        )
        now = self._clock()
        update: dict[str, object] = {
            "status": target,
            "updated_at": now,
            "history": [*before.history, self._event(caller, step.action, step.note)],
        }
        if step.action == "publish":
            update |= {"reviewer_id": caller.subject_id, "reviewer_name": caller.display_name}
            update["published_at"] = before.published_at or now  # a republished article keeps its date
        after = before.model_copy(update=update)
        audit = audit_record(caller, f"site.article_{_PAST[step.action]}", f"article/{article_id}", before, after)
        return self._store.save_article(before.model_copy(update={"version": step.version}), after, audit)

    def page(self, caller: Principal, status: str | None, cursor: str | None, limit: int) -> ArticlePage:
        if not caller.roles & (AUTHORS | REVIEWERS):
            raise ForbiddenError("Bạn không có quyền xem bài viết chưa đăng.", "You may not read unpublished articles.")
        items, next_cursor = self._store.articles(caller.commune_id, status, cursor, limit)
        return ArticlePage(items=[list_item(a) for a in items], next_cursor=next_cursor)

    # ------------------------------------------------------------ public

    def public_page(self, commune_id: str, q: str | None, cursor: str | None, limit: int) -> PublicArticlePage:
        self._communes.hamlets(commune_id)
        items, next_cursor = self._store.published_articles(commune_id, query_words(q), cursor, limit)
        return PublicArticlePage(
            items=[
                PublicArticleItem(slug=a.slug, title=a.title, summary=a.summary, published_at=a.published_at)
                for a in items
                if a.published_at is not None
            ],
            next_cursor=next_cursor,
        )

    def public_article(self, commune_id: str, slug: str) -> PublicArticle:
        self._communes.hamlets(commune_id)
        article_id = self._store.article_id_by_slug(commune_id, slug)
        article = self._store.get_article(commune_id, article_id) if article_id else None
        if article is None or article.status != "published" or article.published_at is None:
            raise not_found("bài viết", "Article")  # drafts and withdrawn articles are not there for the public
        return PublicArticle(
            slug=article.slug,
            title=article.title,
            summary=article.summary,
            body=article.body,
            author_name=article.author_name,
            published_at=article.published_at,
        )

    def published_since(self, commune_id: str, since: datetime) -> int:
        """Articles first published at or after ``since`` and still published."""
        return self._store.published_since(commune_id, since)


_PAST = {
    "submit": "submitted",
    "return": "returned",
    "publish": "published",
    "unpublish": "unpublished",
    "reopen": "reopened",
    "archive": "archived",
}
