"""Scenarios of the feedback routes: a citizen's own items, the units' items (the field's unit in
``DEFAULT_FIELDS``: security → police, roads → infrastructure, …), moderation, fields, statistics, and Open311."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from smartcommune.core.contracts import Role
from smartcommune_local.template import REPO_ROOT
from tests.support.access.model import Answer, Call, Plan, same, scenario
from tests.support.access.world import COMMUNE, FIELD_UNIT, away_field, home_field

if TYPE_CHECKING:
    from tests.support.access.world import World

OPEN311_EVENT = REPO_ROOT / "events" / "open311" / "post_request.json"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def _item_plan(w: World, role: Role | None, call: Callable[[dict[str, Any]], Call]) -> Plan:
    """A citizen: their own item, and the other citizen's. Staff: an item of their unit's field, and one of
    another unit's (admin and culture have no unit: roads, and security)."""
    if role is Role.CITIZEN:
        return Plan(
            mine=lambda: call(w.kept_feedback("roads")),
            theirs=lambda: call(w.kept_feedback("roads", other=True)),
        )
    return Plan(
        mine=lambda: call(w.kept_feedback(home_field(role))),
        theirs=lambda: call(w.kept_feedback(away_field(role))),
    )


# ---------------------------------------------------------------- public


@scenario("GET /communes/{commune_id}/feedback-fields")
def fields(w: World, role: Role | None) -> Plan:
    return same(Call("GET", f"/communes/{COMMUNE}/feedback-fields"))


@scenario("GET /communes/{commune_id}/feedback")
def public_list(w: World, role: Role | None) -> Plan:
    return same(Call("GET", f"/communes/{COMMUNE}/feedback"))


@scenario("GET /communes/{commune_id}/feedback/{feedback_id}")
def public_item(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", f"/communes/{COMMUNE}/feedback/{w.kept_feedback('roads', 'published')['id']}"))


# ---------------------------------------------------------------- citizens


@scenario("POST /feedback/uploads")
def upload(w: World, role: Role | None) -> Plan:
    return same(Call("POST", "/feedback/uploads", {"content_type": "image/jpeg", "size_bytes": 2048}))


@scenario("POST /feedback")
def submit(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        n = w.serial()
        body = {
            "field_code": "roads",
            "title": "Ổ gà trên đường trục xóm 1",
            "description": "Đoạn đường gần nhà văn hóa xóm 1 có ổ gà sâu, trời mưa rất nguy hiểm.",
            "hamlet_id": "xom-1",
        }
        return Call("POST", "/feedback", body, {"Idempotency-Key": f"access-submit-{n:06d}"})

    return Plan(mine=build)


@scenario("GET /me/feedback")
def my_feedback(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        mine = w.submit("roads")["id"]
        theirs = w.submit("roads", other=True)["id"]  # the newest: it would be on the first page if it leaked

        def check(answer: Answer) -> str | None:
            listed = {i["id"] for i in answer.json()["items"]}
            if theirs in listed:
                return "lists the other citizen's feedback"
            return None if mine in listed else "does not list the caller's newest feedback"

        return Call("GET", "/me/feedback?limit=50", check=check)

    return Plan(mine=build)


@scenario("GET /feedback/{feedback_id}")
def get_item(w: World, role: Role | None) -> Plan:
    return _item_plan(w, role, lambda item: Call("GET", f"/feedback/{item['id']}"))


@scenario("POST /feedback/{feedback_id}/comments")
def comment(w: World, role: Role | None) -> Plan:
    return _item_plan(w, role, lambda item: Call("POST", f"/feedback/{item['id']}/comments", {"body": "Xin cảm ơn."}))


@scenario("POST /feedback/{feedback_id}/rating")
def rating(w: World, role: Role | None) -> Plan:
    def rate(other: bool) -> Call:
        item = w.feedback("roads", "resolved", other=other)  # rated once: a fresh item each time
        return Call("POST", f"/feedback/{item['id']}/rating", {"stars": 5, "comment": "Xử lý nhanh"})

    return Plan(mine=lambda: rate(False), theirs=lambda: rate(True))


# ---------------------------------------------------------------- staff


def _only_unit(unit: Role) -> Callable[[Answer], str | None]:
    def check(answer: Answer) -> str | None:
        others = sorted({i["unit"] for i in answer.json()["items"]} - {unit.value})
        return f"lists items of other units: {', '.join(others)}" if others else None

    return check


@scenario("GET /staff/feedback")
def inbox(w: World, role: Role | None) -> Plan:
    """Every inbox; a unit's default inbox lists only its items, and asking for another unit's is refused."""

    def mine() -> Call:
        w.kept_feedback(home_field(role))  # something of the caller's unit to list, and of another's to leave out
        w.kept_feedback(away_field(role))
        return Call("GET", "/staff/feedback?limit=100")

    theirs = FIELD_UNIT[away_field(role)].value
    return Plan(
        mine=mine,
        theirs=lambda: Call("GET", f"/staff/feedback?unit={theirs}&limit=100"),
        scoped=_only_unit(role) if role is not None else None,
    )


def _step(role: Role | None, field: str) -> tuple[str, str, dict[str, Any]]:
    """The status an item of ``field`` must be in for ``role`` to take a step on it, the step and its fields."""
    if role is Role.CULTURE:
        return "approved", "publish", {}
    if role in (Role.ADMIN, Role.OFFICE):
        return "received", "assign", {"unit": FIELD_UNIT[field].value}
    return "assigned", "start", {}


@scenario("POST /feedback/{feedback_id}/actions")
def action(w: World, role: Role | None) -> Plan:
    def act(field: str) -> Call:
        status, step, extra = _step(role, field)
        item = w.feedback(field, status)  # a step is taken once: a fresh item each time
        body = {"action": step, "expected_version": item["version"], **extra}
        return Call("POST", f"/feedback/{item['id']}/actions", body)

    return Plan(mine=lambda: act(home_field(role)), theirs=lambda: act(away_field(role)))


@scenario("POST /feedback/{feedback_id}/comments/{comment_id}/visibility")
def visibility(w: World, role: Role | None) -> Plan:
    def hide(field: str) -> Call:
        feedback_id, comment_id = w.comment(field)
        return Call("POST", f"/feedback/{feedback_id}/comments/{comment_id}/visibility", {"hidden": True})

    return Plan(mine=lambda: hide(home_field(role)), theirs=lambda: hide(away_field(role)))


@scenario("PUT /communes/me/feedback-fields/{code}")
def put_field(w: World, role: Role | None) -> Plan:
    body = {
        "name": "Kiểm tra quyền",
        "name_en": "Access check",
        "unit": "office",
        "deadline_hours": 24,
        "active": False,
    }
    return same(Call("PUT", "/communes/me/feedback-fields/kiem_tra_quyen", body))


@scenario("GET /staff/feedback/stats")
def stats(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/staff/feedback/stats"))


# ---------------------------------------------------------------- Open311 (public; a POST needs the commune's key)


def _open311_get(key: str, path: str) -> None:
    @scenario(key)
    def get(w: World, role: Role | None) -> Plan:
        return same(Call("GET", f"/open311/v2/{path}?jurisdiction_id={COMMUNE}"))


for _fmt in ("json", "xml"):
    _open311_get(f"GET /open311/v2/services.{_fmt}", f"services.{_fmt}")
    _open311_get(f"GET /open311/v2/requests.{_fmt}", f"requests.{_fmt}")
_open311_get("GET /open311/v2/services/{service_file}", "services/roads.xml")


@scenario("GET /open311/v2/requests/{request_file}")
def open311_request(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        return Call("GET", f"/open311/v2/requests/{w.kept_feedback('roads')['id']}.json?jurisdiction_id={COMMUNE}")

    return Plan(mine=build)


def _open311_post(fmt: str) -> None:
    @scenario(f"POST /open311/v2/requests.{fmt}")
    def post(w: World, role: Role | None) -> Plan:
        def build() -> Call:
            params = {**json.loads(OPEN311_EVENT.read_text(encoding="utf-8")), "api_key": w.open311_key(fmt)}
            return Call("POST", f"/open311/v2/requests.{fmt}", urlencode(params), {**FORM, **w.viewer()})

        return Plan(mine=build)


for _fmt in ("json", "xml"):
    _open311_post(_fmt)
