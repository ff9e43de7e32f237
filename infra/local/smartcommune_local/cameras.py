"""The simulated cameras of ``make up``: a few :class:`~devices.camera.agent.CameraAgent` replaying real footage.

Each simulated camera reads an image sequence composed from the Penn-Fudan street photos
(``cameras_demo.compose_sequence``: people walking across a street, quiet stretches between them) with OpenCV's
``VideoCapture``, at one frame a second (light on the CPU: the motion gate keeps most frames off the network and
the analysis). They connect to the local broker with their device certificates (mutual TLS, as on IoT Core), ask
for upload grants over MQTT and POST their bursts to the local S3 (moto); the bucket's notification starts the
analysis function through its queue, as in AWS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devices.camera.agent import CameraAgent, CameraAgentConfig
from smartcommune_local.cameras_demo import compose_sequence, demo_cameras
from smartcommune_local.pki import LocalPki, pki_dir

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings

log = logging.getLogger("smartcommune_local.cameras")

SIMULATED = ("gp-cam-01", "gp-cam-03", "gp-cam-05")
"""The demo cameras that stream (the others are registered but offline: the dashboard shows both)."""


def footage_root(data_dir: Path) -> Path:
    return Path(data_dir) / "cameras" / "footage"


@dataclass
class CameraFleet:
    agents: dict[str, CameraAgent]

    def online(self) -> int:
        return sum(1 for a in self.agents.values() if a.client is not None and a.client.connected.is_set())

    def stop(self) -> None:
        for agent in self.agents.values():
            agent.stop()


def start_cameras(
    settings: Settings,
    data_dir: str | Path,
    *,
    commune_id: str = "giao-phong",
    things: tuple[str, ...] = SIMULATED,
    fps: float = 1.0,
    health_s: float = 30.0,
) -> CameraFleet:
    data_dir = Path(data_dir)
    root = footage_root(data_dir)
    pki = LocalPki(pki_dir(data_dir))
    agents: dict[str, CameraAgent] = {}
    for n, camera in enumerate(c for c in demo_cameras(commune_id, root) if c.thing in things):
        # five minutes at 1 frame/s: two people cross in 25 s each, the rest is a quiet street (nothing uploaded)
        compose_sequence(root / camera.thing, seed=n + 1, frames=300, walkers=2, walk_frames=25)
        agent = CameraAgent(
            CameraAgentConfig(
                thing=camera.thing,
                commune_id=commune_id,
                host=settings.mqtt_host,
                port=settings.mqtt_port,
                tls=pki.device(camera.thing),
                stream_url=camera.stream_url,
                state_dir=data_dir / "cameras" / "state",
                fps=fps,
                width=camera.width,
                height=camera.height,
                health_s=health_s,
            )
        )
        try:
            agent.start()
        except Exception:  # one camera that cannot connect does not stop the stack
            log.exception("simulated camera %s did not start", camera.thing)
            continue
        agents[camera.thing] = agent
    return CameraFleet(agents)
