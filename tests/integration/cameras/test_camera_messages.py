"""Camera messages from the IoT topic rules (the sample events of ``events/cameras_devices``): a covered lens is
live state, shadow and an event; an upload request is answered with a grant bound to the camera's own prefix; a
camera's ack closes its command; another camera's name on the topic is dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smartcommune.cameras.contracts import CameraAck, CommandRequest, UploadGrant
from smartcommune.cameras.wiring import camera_commands, camera_events, camera_registry, camera_service
from smartcommune.composition import authenticate
from smartcommune.core.contracts import Role
from smartcommune_local.template import REPO_ROOT
from tests.integration.cameras.conftest import COMMUNE, GATE, load_handler
from tests.support.identities import staff_token

EVENTS = REPO_ROOT / "events" / "cameras_devices"


def _sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(EVENTS / name).read_text(encoding="utf-8"))
    return data


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        self.sent.extend(messages)


@pytest.fixture
def wired(cameras: Any) -> tuple[Any, Recorder]:
    from smartcommune.cameras.storage.commands import CameraCommands
    from smartcommune.core.aws import client

    recorder = Recorder()
    cameras.override(camera_commands, CameraCommands(recorder, client("iot-data", cameras.settings)))
    module = load_handler("cameras_devices")
    return module, recorder


def test_a_covered_lens_is_live_state_shadow_and_one_event(cameras, wired):
    handler, _ = wired
    event = _sample("health_covered.json")
    assert handler.handle(event, cameras) == {"ok": True}
    assert handler.handle(event, cameras) == {"ok": True}  # the next report, 30 s later in the field
    state = cameras.get(camera_registry).state(COMMUNE, GATE, cameras.clock())
    assert state.covered is True and state.measured_fps == 1.0
    # The thing shadow's reported state is the health report
    from smartcommune.core.aws import client

    shadow = json.loads(client("iot-data", cameras.settings).get_thing_shadow(thingName=GATE)["payload"].read())
    assert shadow["state"]["reported"]["covered"] is True
    covered = [e for e in cameras.get(camera_events).page(COMMUNE, GATE, None, 10).items if e.rule_id == "covered"]
    assert len(covered) == 1 and covered[0].rule_kind == "camera_health"


def test_an_upload_request_is_answered_with_a_grant_for_the_cameras_own_prefix(cameras, wired):
    handler, recorder = wired
    assert handler.handle(_sample("upload_request.json"), cameras) == {"ok": True}
    ((topic, payload),) = recorder.sent
    assert topic == f"sc/{COMMUNE}/cameras/{GATE}/upload/grant"
    grant = UploadGrant.model_validate_json(payload)
    assert grant.prefix == f"frames/{COMMUNE}/{GATE}/" and grant.request_id == "5f1c2a9b0d3e4f60"
    policy = json.loads(__import__("base64").b64decode(grant.fields["policy"]))
    assert ["starts-with", "$key", grant.prefix] in policy["conditions"]


def test_an_ack_closes_the_command_and_a_foreign_thing_is_dropped(cameras, wired):
    handler, _ = wired
    police = authenticate(cameras, staff_token(cameras, Role.POLICE))
    record = cameras.get(camera_service).command(police, GATE, CommandRequest(kind="snapshot"))
    ack = CameraAck(command_id=record.command_id, thing=GATE, state="done", at=cameras.clock(), detail="burst x")
    message = json.loads(ack.model_dump_json()) | {"topic_commune": COMMUNE, "topic_thing": GATE, "topic_kind": "ack"}
    assert handler.handle(message, cameras)["state"] == "done"
    # a later duplicate ack does not overwrite the outcome
    dup = message | {"state": "duplicate"}
    handler.handle(dup, cameras)
    assert cameras.get(camera_service).command_state(COMMUNE, GATE, record.command_id).state == "done"
    # a message whose body names another camera than its topic is dropped
    forged = message | {"topic_thing": "gp-cam-01"}
    assert handler.handle(forged, cameras) == {"ok": False, "reason": "thing mismatch"}
