"""The camera agent acts on each command once (by its id, across restarts), uploads a snapshot when asked, and
sends only moving frames, as bursts whose manifest comes last."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devices.camera.agent import CameraAgent, CameraAgentConfig
from smartcommune.cameras.contracts import CameraCommand, UploadGrant, camera_topic
from smartcommune.devices.storage.mqtt import TlsFiles
from smartcommune_local.cameras_demo import compose_sequence

THING, COMMUNE = "gp-cam-01", "giao-phong"
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


class FakeClient:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> None:
        self.published.append((topic, json.loads(payload)))

    def acks(self) -> list[tuple[str, str]]:
        return [(m["command_id"], m["state"]) for t, m in self.published if t.endswith("/ack")]


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("footage") / THING
    compose_sequence(folder, seed=3, frames=16, walkers=1)
    return str(folder / "frame_%04d.jpg")


def _agent(tmp_path: Path, footage: str, uploads: list[tuple[str, str]], moving: bool = True) -> CameraAgent:
    config = CameraAgentConfig(
        thing=THING,
        commune_id=COMMUNE,
        host="127.0.0.1",
        port=1,
        tls=TlsFiles("cert", "key"),
        stream_url=footage,
        state_dir=tmp_path / "state",
        burst_frames=3,
    )
    agent = CameraAgent(
        config,
        gate_factory=lambda: lambda frame: moving,
        uploader=lambda grant, key, body, content_type: uploads.append((key, content_type)),
        clock=lambda: NOW,
    )
    agent.client = FakeClient()  # type: ignore[assignment]
    grant = UploadGrant(
        request_id="r1",
        url="http://s3.local/bucket",
        fields={"policy": "p"},
        prefix=f"frames/{COMMUNE}/{THING}/",
        expires_at=NOW + timedelta(hours=1),
    )
    agent.handle_message(camera_topic(COMMUNE, THING, "upload/grant"), grant.model_dump_json().encode())
    return agent


def _command(kind: str, command_id: str, **extra: Any) -> bytes:
    return (
        CameraCommand(command_id=command_id, thing=THING, kind=kind, issued_at=NOW, **extra).model_dump_json().encode()
    )  # type: ignore[arg-type]


CMD_1 = "00000000-0000-4000-8000-000000000001"
CMD_2 = "00000000-0000-4000-8000-000000000002"


def test_a_command_delivered_twice_is_acted_on_once_even_after_a_restart(tmp_path, footage):
    uploads: list[tuple[str, str]] = []
    agent = _agent(tmp_path, footage, uploads)
    # Given a settings command (1 frame a second, 320x180), delivered twice (QoS 1 is at least once)
    agent.handle_command(_command("settings", CMD_1, fps=1.0, width=320, height=180))
    agent.handle_command(_command("settings", CMD_1, fps=1.0, width=320, height=180))
    # Then it applied once and answered done, then duplicate
    assert (agent.fps, agent.resolution) == (1.0, (320, 180))
    assert agent.client.acks() == [(CMD_1, "done"), (CMD_1, "duplicate")]  # type: ignore[union-attr]
    # And a restarted agent (same state directory) still knows it handled that command, and keeps its settings
    again = _agent(tmp_path, footage, uploads)
    again.handle_command(_command("settings", CMD_1, fps=1.0, width=320, height=180))
    assert again.client.acks() == [(CMD_1, "duplicate")]  # type: ignore[union-attr]
    assert again.resolution == (320, 180)


def test_a_snapshot_is_uploaded_once_with_its_manifest_last(tmp_path, footage):
    uploads: list[tuple[str, str]] = []
    agent = _agent(tmp_path, footage, uploads, moving=False)
    agent.handle_command(_command("snapshot", CMD_2))
    agent.handle_command(_command("snapshot", CMD_2))  # redelivered before the next frame
    agent.tick()
    agent.tick()
    # One frame and its manifest, under the camera's own prefix; acked done once (the redelivery: duplicate)
    assert [k.rsplit("/", 1)[-1] for k, _ in uploads] == ["00.jpg", "burst.json"]
    assert all(k.startswith(f"frames/{COMMUNE}/{THING}/2026-11-29/") for k, _ in uploads)
    assert sorted(agent.client.acks()) == [(CMD_2, "done"), (CMD_2, "duplicate")]  # type: ignore[union-attr]


def test_static_frames_upload_nothing_and_moving_frames_go_in_bursts(tmp_path, footage):
    quiet: list[tuple[str, str]] = []
    still = _agent(tmp_path / "still", footage, quiet, moving=False)
    for _ in range(6):
        still.tick()
    assert quiet == [] and still.frames_read == 6
    busy: list[tuple[str, str]] = []
    moving = _agent(tmp_path / "moving", footage, busy, moving=True)
    for _ in range(6):
        moving.tick()
    # six moving frames in bursts of three: two bursts, each three frames then its manifest
    names = [k.rsplit("/", 1)[-1] for k, _ in busy]
    assert names == ["00.jpg", "01.jpg", "02.jpg", "burst.json"] * 2
    assert moving.bursts_sent == 2


def test_a_reboot_reopens_the_stream_and_a_covered_lens_is_reported(tmp_path, footage):
    agent = _agent(tmp_path, footage, [])
    agent.tick()
    agent.handle_command(_command("reboot", "00000000-0000-4000-8000-000000000003"))
    assert agent.reboots == 1 and agent.source._capture is None
    agent.tick()  # the stream opens again
    assert agent.frames_read == 2
    import numpy as np

    for _ in range(3):
        agent._check_covered(np.zeros((180, 320, 3), np.uint8))
    health = agent.health()
    assert health.covered is True and health.frames_read == 2
