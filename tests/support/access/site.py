"""Scenarios of the commune website: public lists and pages answer anyone; the office (and the chairman's office)
keep the directory; they and culture keep places and photos; authors write news, the reviewer publishes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from smartcommune.core.contracts import Role
from tests.support.access.model import Call, Plan, same, scenario

if TYPE_CHECKING:
    from tests.support.access.world import World

PUBLIC = "/communes/giao-phong/site"
OFFICIAL = {"full_name": "Cán Bộ Kiểm Tra", "position": "Công chức", "unit": "UBND xã", "work_phone": "0228 3877 100"}
PLACE = {"kind": "ocop", "name": "Sản phẩm kiểm tra", "product": "Nước mắm", "ocop_stars": 3, "published": True}
ARTICLE = {"title": "Bài viết kiểm tra quyền", "body": "Nội dung bài viết để kiểm tra ai được làm gì."}


def _official(w: World) -> dict[str, Any]:
    return dict(w.ok("add an official", Call("POST", "/site/officials", OFFICIAL), Role.OFFICE))


def _place(w: World) -> dict[str, Any]:
    body = {**PLACE, "name": f"Sản phẩm kiểm tra {w.serial()}"}
    return dict(w.ok("add a place", Call("POST", "/site/places", body), Role.CULTURE))


def _kept_place(w: World) -> dict[str, Any]:
    return w.once("site place", lambda: _place(w))


def _article(w: World, status: str = "draft") -> dict[str, Any]:
    """A fresh article by the culture officer, taken to ``status`` (draft, in_review or published)."""
    body = {**ARTICLE, "title": f"Bài viết kiểm tra quyền số {w.serial()}"}
    article = dict(w.ok("draft an article", Call("POST", "/site/articles", body), Role.CULTURE))
    steps = [("submit", Role.CULTURE), ("publish", Role.ADMIN)]
    for action, role in steps[: ("draft", "in_review", "published").index(status)]:
        path = f"/site/articles/{article['id']}/transitions"
        body = {"action": action, "version": article["version"]}
        article = dict(w.ok(f"{action} the article", Call("POST", path, body), role))
    return article


def _published(w: World) -> dict[str, Any]:
    return w.once("site published article", lambda: _article(w, "published"))


def _uploaded(w: World) -> str:
    from smartcommune.core.aws import client
    from tests.support.photos import gps_exif, jpeg

    data = jpeg(gps_exif())
    ask = Call("POST", "/site/uploads", {"content_type": "image/jpeg", "size_bytes": len(data)})
    ticket = w.ok("ask for an upload", ask, Role.CULTURE)
    key = urlsplit(ticket["url"]).path.lstrip("/")
    client("s3", w.settings).put_object(Bucket=w.settings.media_bucket, Key=key, Body=data, ContentType="image/jpeg")
    return str(ticket["upload_id"])


# ---------------------------------------------------------------- public


@scenario("GET /communes/{commune_id}/site/directory")
def public_directory(w: World, role: Role | None) -> Plan:
    w.once("site official", lambda: _official(w))
    return same(Call("GET", f"{PUBLIC}/directory?q=kiem+tra"))


@scenario("GET /communes/{commune_id}/site/places")
def public_places(w: World, role: Role | None) -> Plan:
    _kept_place(w)
    return same(Call("GET", f"{PUBLIC}/places?kind=ocop"))


@scenario("GET /communes/{commune_id}/site/places/{place_id}")
def public_place(w: World, role: Role | None) -> Plan:
    return same(Call("GET", f"{PUBLIC}/places/{_kept_place(w)['id']}"))


@scenario("GET /communes/{commune_id}/site/news")
def public_news(w: World, role: Role | None) -> Plan:
    _published(w)
    return same(Call("GET", f"{PUBLIC}/news"))


@scenario("GET /communes/{commune_id}/site/news/{slug}")
def public_article(w: World, role: Role | None) -> Plan:
    return same(Call("GET", f"{PUBLIC}/news/{_published(w)['slug']}"))


@scenario("GET /communes/{commune_id}/site/news/{slug}/page")
def public_article_page(w: World, role: Role | None) -> Plan:
    return same(Call("GET", f"{PUBLIC}/news/{_published(w)['slug']}/page"))


# ---------------------------------------------------------------- directory


@scenario("GET /site/officials")
def list_officials(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/site/officials"))


@scenario("POST /site/officials")
def add_official(w: World, role: Role | None) -> Plan:
    return same(Call("POST", "/site/officials", OFFICIAL))


@scenario("PUT /site/officials/{official_id}")
def change_official(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        official = _official(w)
        body = {**OFFICIAL, "position": "Phó Chủ tịch", "version": official["version"]}
        return Call("PUT", f"/site/officials/{official['id']}", body)

    return Plan(mine=build)


@scenario("DELETE /site/officials/{official_id}")
def remove_official(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        official = _official(w)
        return Call("DELETE", f"/site/officials/{official['id']}?version={official['version']}")

    return Plan(mine=build)


# ---------------------------------------------------------------- places and photos


@scenario("POST /site/uploads")
def upload_ticket(w: World, role: Role | None) -> Plan:
    return same(Call("POST", "/site/uploads", {"content_type": "image/png", "size_bytes": 2000}))


@scenario("GET /site/places")
def list_places(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/site/places"))


@scenario("POST /site/places")
def add_place(w: World, role: Role | None) -> Plan:
    return same(Call("POST", "/site/places", PLACE))


@scenario("PUT /site/places/{place_id}")
def change_place(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        place = _place(w)
        return Call("PUT", f"/site/places/{place['id']}", {**PLACE, "ocop_stars": 4, "version": place["version"]})

    return Plan(mine=build)


@scenario("POST /site/places/{place_id}/photos")
def attach_photo(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        place = _place(w)
        body = {"upload_id": _uploaded(w), "version": place["version"]}
        return Call("POST", f"/site/places/{place['id']}/photos", body)

    return Plan(mine=build)


@scenario("DELETE /site/places/{place_id}/photos/{photo_id}")
def remove_photo(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        place = _place(w)
        body = {"upload_id": _uploaded(w), "version": place["version"]}
        place = w.ok("attach a photo", Call("POST", f"/site/places/{place['id']}/photos", body), Role.CULTURE)
        photo = place["photos"][0]["id"]
        return Call("DELETE", f"/site/places/{place['id']}/photos/{photo}?version={place['version']}")

    return Plan(mine=build)


# ---------------------------------------------------------------- news


@scenario("GET /site/articles")
def list_articles(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/site/articles?status=draft"))


@scenario("POST /site/articles")
def draft_article(w: World, role: Role | None) -> Plan:
    return same(Call("POST", "/site/articles", ARTICLE))


@scenario("GET /site/articles/{article_id}")
def get_article(w: World, role: Role | None) -> Plan:
    article = w.once("site draft", lambda: _article(w))
    return same(Call("GET", f"/site/articles/{article['id']}"))


@scenario("PUT /site/articles/{article_id}")
def edit_article(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        article = _article(w)
        return Call("PUT", f"/site/articles/{article['id']}", {**ARTICLE, "version": article["version"]})

    return Plan(mine=build)


@scenario("POST /site/articles/{article_id}/transitions")
def transition(w: World, role: Role | None) -> Plan:
    """Authors send a fresh draft for review; the reviewer publishes a fresh article waiting for review."""

    def build() -> Call:
        if role in (Role.CULTURE, Role.OFFICE):
            article, action = _article(w), "submit"
        else:
            article, action = _article(w, "in_review"), "publish"
        body = {"action": action, "version": article["version"]}
        return Call("POST", f"/site/articles/{article['id']}/transitions", body)

    return Plan(mine=build)
