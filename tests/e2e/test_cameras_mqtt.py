"""A simulated camera on real MQTT, end to end: the edge agent (awsiotsdk, mutual TLS with its own certificate)
replays real footage, asks for an upload grant over MQTT (IoT-rule emulator -> cameras_devices -> grant on its
topic), uploads moving bursts under its prefix; the bucket's notification feeds the analysis function through its
queue (the template's SQS event source, played locally); a line crossing becomes an event. A staff command reaches
the camera once and its ack comes back to the command record; health reaches the registry."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from devices.camera.agent import CameraAgent, CameraAgentConfig
from smartcommune.cameras.contracts import CameraConfigUpdate, CommandRequest, RuleSpec, ZoneSpec
from smartcommune.cameras.wiring import camera_events, camera_registry, camera_service
from smartcommune.composition import authenticate
from smartcommune.core.aws import client
from smartcommune.core.contracts import Role
from smartcommune.core.services import Services
from smartcommune_local.broker import free_port
from smartcommune_local.cameras_demo import WHOLE, compose_sequence, seed_cameras
from smartcommune_local.iot_rules import start_local_iot
from smartcommune_local.pki import LocalPki, pki_dir, platform_tls_settings
from smartcommune_local.triggers import Triggers
from tests.support.identities import ensure_demo_communes, staff_token

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings
    from smartcommune_local.template import LocalResources

pytestmark = pytest.mark.e2e

COMMUNE, THING = "giao-phong", "gp-cam-01"


def _wait(what: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.2)
    return what()


@pytest.fixture
def camera_world(aws: LocalResources, settings: Settings, tmp_path: Path) -> Iterator[tuple[Services, CameraAgent]]:
    settings = settings.model_copy(
        update={"mqtt_port": free_port(), "fanout_transport": "mqtt"} | platform_tls_settings(tmp_path)
    )
    services = Services(settings)
    ensure_demo_communes(services)
    seed_cameras(services)
    iot = start_local_iot(aws, settings, tmp_path, services=services, start_speakers=False)
    # a line down the middle of the picture, crossed either way by anyone walking across (set through the service:
    # the camera gets its zones as a command, as staff would send them)
    police = authenticate(services, staff_token(services, Role.POLICE))
    cameras = services.get(camera_service)
    cameras.set_config(
        police,
        THING,
        CameraConfigUpdate(
            zones=[ZoneSpec(zone_id="whole", name="Toàn khung hình", polygon=WHOLE)],
            rules=[RuleSpec(rule_id="cross", name="Đi qua vạch", kind="line_crossing", line=((0.5, 0.0), (0.5, 1.0)))],
            version=cameras.config(COMMUNE, THING).version,
        ),
    )
    triggers = Triggers(
        aws, boto3.Session(region_name=settings.aws_region), None, only={"CameraAnalyseFunction"}, services=services
    )
    triggers.start()
    footage = tmp_path / "footage" / THING
    compose_sequence(footage, seed=4, frames=40, walkers=1)
    s3 = client("s3", settings)

    def upload(grant: Any, key: str, body: bytes, content_type: str) -> None:
        # moto runs in this process: the presigned POST is replaced by the same write under the grant's prefix
        assert key.startswith(grant.prefix)
        s3.put_object(Bucket=settings.camera_bucket, Key=key, Body=body, ContentType=content_type)

    agent = CameraAgent(
        CameraAgentConfig(
            thing=THING,
            commune_id=COMMUNE,
            host=settings.mqtt_host,
            port=settings.mqtt_port,
            tls=LocalPki(pki_dir(tmp_path)).device(THING),
            stream_url=str(footage / "frame_%04d.jpg"),
            state_dir=tmp_path / "state",
            fps=8.0,
            health_s=1.0,
        ),
        uploader=upload,
    )
    agent.start()
    try:
        yield services, agent
    finally:
        agent.stop()
        triggers.stop()
        iot.stop()


def test_a_person_walking_across_the_camera_becomes_a_line_crossing_event(camera_world):
    services, agent = camera_world
    events = services.get(camera_events)
    # Then, while the footage replays, a burst reaches the analysis and the crossing is an event with a snapshot
    found = _wait(lambda: [e for e in events.page(COMMUNE, THING, None, 10).items if e.rule_id == "cross"], 90)
    assert found, f"no crossing event; bursts sent: {agent.bursts_sent}, frames read: {agent.frames_read}"
    assert found[0].labels == ["Person"] and found[0].snapshot
    # And the camera's health reached the registry (online, frames per second)
    state = _wait(lambda: (s := services.get(camera_registry).state(COMMUNE, THING, services.clock())).online and s)
    assert state.measured_fps and state.measured_fps > 0
    # And a reboot command is acted on once: its ack comes back to the command record
    police = authenticate(services, staff_token(services, Role.POLICE))
    record = services.get(camera_service).command(police, THING, CommandRequest(kind="reboot"))
    done = _wait(lambda: services.get(camera_service).command_state(COMMUNE, THING, record.command_id).state == "done")
    assert done and agent.reboots == 1
