"""Scenarios of the broadcast and devices routes: bulletins of a department's own field (police: "Security",
health: "Health"; the general editors any), approval, the public alert feed and CAP, citizens' SMS subscription,
and the CAP feed."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from tests.support.access.model import Build, Call, Plan, same, scenario
from tests.support.access.world import COMMUNE, away_category, home_category

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from smartcommune.core.contracts import Role
    from tests.support.access.world import World


def _with_alert(w: World, call: Call) -> Build:
    """``call``, once a public alert exists."""

    def build() -> Call:
        w.published_bulletin()
        return call

    return build


def _kept(w: World, role: Role | None, call: Callable[[dict[str, Any]], Call]) -> Plan:
    """A bulletin of the role's own field, and one of another field (both the same bulletins every time)."""
    return Plan(
        mine=lambda: call(w.kept_draft(home_category(role))),
        theirs=lambda: call(w.kept_draft(away_category(role))),
    )


def _fresh(w: World, role: Role | None, call: Callable[[dict[str, Any]], Call]) -> Plan:
    """A new draft of the role's own field, and of another field (for a call that can be made once)."""
    return Plan(
        mine=lambda: call(w.draft(home_category(role))),
        theirs=lambda: call(w.draft(away_category(role))),
    )


@scenario("POST /bulletins")
def draft(w: World, role: Role | None) -> Plan:
    def new(category: str) -> Call:
        body = {"headline": f"Thông báo số {w.serial()}", "text": "Nội dung thông báo của xã.", "category": category}
        return Call("POST", "/bulletins", body)

    return Plan(mine=lambda: new(home_category(role)), theirs=lambda: new(away_category(role)))


@scenario("GET /bulletins")
def bulletins(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/bulletins?limit=5"))


@scenario("GET /bulletins/{bulletin_id}")
def bulletin(w: World, role: Role | None) -> Plan:
    return _kept(w, role, lambda b: Call("GET", f"/bulletins/{b['id']}"))


@scenario("PATCH /bulletins/{bulletin_id}")
def edit(w: World, role: Role | None) -> Plan:
    def call(b: dict[str, Any]) -> Call:
        body = {"version": w.version(b["id"]), "instruction": f"Hướng dẫn số {w.serial()}"}  # no new speech
        return Call("PATCH", f"/bulletins/{b['id']}", body)

    return _kept(w, role, call)


@scenario("POST /bulletins/{bulletin_id}/approve")
def approve(w: World, role: Role | None) -> Plan:
    return _fresh(w, role, lambda b: Call("POST", f"/bulletins/{b['id']}/approve", {"version": b["version"]}))


@scenario("POST /bulletins/{bulletin_id}/revoke")
def revoke(w: World, role: Role | None) -> Plan:
    body = {"reason": "Hoãn phát"}
    return _fresh(w, role, lambda b: Call("POST", f"/bulletins/{b['id']}/revoke", {"version": b["version"], **body}))


@scenario("POST /bulletins/{bulletin_id}/discard")
def discard(w: World, role: Role | None) -> Plan:
    return _fresh(w, role, lambda b: Call("POST", f"/bulletins/{b['id']}/discard", {"version": b["version"]}))


@scenario("POST /bulletins/{bulletin_id}/reschedule")
def reschedule(w: World, role: Role | None) -> Plan:
    def call(b: dict[str, Any]) -> Call:
        at = (w.clock() + timedelta(hours=2)).isoformat()
        body = {"version": w.version(b["id"]), "schedule": {"kind": "once", "at": at}}
        return Call("POST", f"/bulletins/{b['id']}/reschedule", body)

    return _kept(w, role, call)


@scenario("POST /bulletins/{bulletin_id}/audio-upload")
def audio_upload(w: World, role: Role | None) -> Plan:
    def call(b: dict[str, Any]) -> Call:
        body = {"version": w.version(b["id"]), "size_bytes": 4096}
        return Call("POST", f"/bulletins/{b['id']}/audio-upload", body)

    return _kept(w, role, call)


@scenario("POST /bulletins/{bulletin_id}/audio")
def audio(w: World, role: Role | None) -> Plan:
    def call(b: dict[str, Any]) -> Call:
        key = w.uploaded_audio(b["id"])
        return Call("POST", f"/bulletins/{b['id']}/audio", {"version": w.version(b["id"]), "key": key})

    return _kept(w, role, call)


@scenario("GET /bulletins/{bulletin_id}/delivery")
def delivery(w: World, role: Role | None) -> Plan:
    return _kept(w, role, lambda b: Call("GET", f"/bulletins/{b['id']}/delivery"))


@scenario("GET /broadcast/statistics")
def statistics(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", f"/broadcast/statistics?start={w.clock().date().isoformat()}"))


# ---------------------------------------------------------------- citizens and the public


@scenario("GET /communes/{commune_id}/alerts")
def alerts(w: World, role: Role | None) -> Plan:
    return Plan(mine=_with_alert(w, Call("GET", f"/communes/{COMMUNE}/alerts?hamlet=xom-1")))


@scenario("GET /me/alert-subscription")
def subscription(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/me/alert-subscription"))


@scenario("POST /me/alert-subscription")
def subscribe(w: World, role: Role | None) -> Plan:
    return same(Call("POST", "/me/alert-subscription", {"hamlets": ["xom-1"]}))


@scenario("GET /cap/index.atom")
def cap_index(w: World, role: Role | None) -> Plan:
    return Plan(mine=_with_alert(w, Call("GET", "/cap/index.atom")))


@scenario("GET /cap/{commune_id}/index.atom")
def cap_commune_index(w: World, role: Role | None) -> Plan:
    return Plan(mine=_with_alert(w, Call("GET", f"/cap/{COMMUNE}/index.atom")))


@scenario("GET /cap/{commune_id}/{alert_file}")
def cap_alert(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", f"/cap/{COMMUNE}/{w.published_bulletin()['id']}.xml"))
