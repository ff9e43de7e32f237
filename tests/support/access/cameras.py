"""Scenarios of the cameras routes: the demo cameras (``seed_cameras``) and events recorded as the analysis would
record them (a fresh one for each call that acts on an event: an event is acknowledged or drafted from once)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from smartcommune.cameras.contracts import CameraEvent, EventBox
from smartcommune.cameras.wiring import camera_bucket, camera_events, camera_service
from smartcommune_local.cameras_demo import seed_cameras
from tests.support.access.model import Call, Plan, same, scenario
from tests.support.access.world import COMMUNE

if TYPE_CHECKING:
    from smartcommune.core.contracts import Role
    from tests.support.access.world import World

CAMERA = "gp-cam-05"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _seeded(w: World) -> None:
    w.once("cameras", lambda: seed_cameras(w.services))


def event(w: World, *, fresh: bool = False) -> str:
    """An event of the school-gate camera (severe: it may draft a bulletin), with its snapshot."""
    _seeded(w)

    def build() -> str:
        n = w.serial()
        found = CameraEvent(
            event_id=f"access-{n:06d}",
            commune_id=COMMUNE,
            thing=CAMERA,
            camera_name="Cổng trường THCS Giao Phong",
            hamlet_id="bac-hai",
            rule_id="gate-night",
            rule_name="Có người ở cổng trường ban đêm",
            rule_kind="zone_presence",
            severity="severe",
            at=w.clock() - timedelta(minutes=n),
            labels=["Person"],
            boxes=[EventBox(label="Person", confidence=97.0, left=0.3, top=0.3, width=0.2, height=0.5)],
            detail="Person trong vùng Vỉa hè",
            snapshot=True,
        )
        w.services.get(camera_events).record(found, f"access:{n}", 0)
        w.services.get(camera_bucket).put_snapshot(COMMUNE, CAMERA, found.event_id, JPEG, JPEG)
        return found.event_id

    return build() if fresh else w.once("camera-event", build)


@scenario("GET /cameras")
def cameras(w: World, role: Role | None) -> Plan:
    _seeded(w)
    return same(Call("GET", "/cameras"))


@scenario("GET /cameras/{thing}")
def camera(w: World, role: Role | None) -> Plan:
    _seeded(w)
    return same(Call("GET", f"/cameras/{CAMERA}"))


@scenario("GET /cameras/{thing}/config")
def config(w: World, role: Role | None) -> Plan:
    _seeded(w)
    return same(Call("GET", f"/cameras/{CAMERA}/config"))


@scenario("PUT /cameras/{thing}/config")
def put_config(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        current: dict[str, Any] = w.services.get(camera_service).config(COMMUNE, "gp-cam-02").model_dump(mode="json")
        body = {"zones": current["zones"], "rules": current["rules"], "version": current["version"]}
        return Call("PUT", "/cameras/gp-cam-02/config", body)

    _seeded(w)
    return Plan(mine=build)


@scenario("POST /cameras/{thing}/commands")
def command(w: World, role: Role | None) -> Plan:
    _seeded(w)
    return same(Call("POST", f"/cameras/{CAMERA}/commands", {"kind": "snapshot"}))


@scenario("GET /cameras/{thing}/commands/{command_id}")
def command_state(w: World, role: Role | None) -> Plan:
    def build() -> str:
        from smartcommune.cameras.contracts import CommandRequest
        from smartcommune.composition import authenticate
        from smartcommune.core.contracts import Role as R

        police = authenticate(w.services, w.tokens[R.POLICE])
        record = w.services.get(camera_service).command(police, CAMERA, CommandRequest(kind="reboot"))
        return record.command_id

    _seeded(w)
    return Plan(mine=lambda: Call("GET", f"/cameras/{CAMERA}/commands/{w.once('camera-command', build)}"))


@scenario("GET /camera-events")
def events(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", f"/camera-events?thing={CAMERA}&limit=5"))


@scenario("GET /camera-events/{event_id}")
def one_event(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", f"/camera-events/{event(w)}"))


@scenario("GET /camera-events/{event_id}/snapshot")
def snapshot(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", f"/camera-events/{event(w)}/snapshot"))


@scenario("POST /camera-events/{event_id}/ack")
def acknowledge(w: World, role: Role | None) -> Plan:
    return Plan(
        mine=lambda: Call("POST", f"/camera-events/{event(w, fresh=True)}/ack", {"note": "Đã cử người kiểm tra"})
    )


@scenario("POST /camera-events/{event_id}/feedback")
def to_feedback(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", f"/camera-events/{event(w, fresh=True)}/feedback"))


@scenario("POST /camera-events/{event_id}/bulletin")
def draft_bulletin(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("POST", f"/camera-events/{event(w, fresh=True)}/bulletin", {}))


@scenario("GET /cameras-police")
def police_view(w: World, role: Role | None) -> Plan:
    _seeded(w)
    return same(Call("GET", "/cameras-police"))


@scenario("GET /cameras-summary")
def summary(w: World, role: Role | None) -> Plan:
    _seeded(w)
    return same(Call("GET", "/cameras-summary"))
