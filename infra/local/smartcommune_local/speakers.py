"""The demo speakers, simulated in-process: one :class:`SpeakerAgent` (own MQTT connection) per thing.

``start_speakers(settings, data_dir)`` connects the 40 Giao Phong speakers to the local broker with their device
certificates (``<data_dir>/pki``, CN = thing name: mutual TLS, as on IoT Core) and the commune's command key;
they follow their shadow on the relayed topics. ``fleet.stop()`` takes them offline. Agent state files (handled
command ids, volume) live in ``<data_dir>/speakers/``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from devices.speaker.agent import AgentConfig, SpeakerAgent
from devices.speaker.runtime import AgentRuntime
from smartcommune.devices.contracts import ShadowTopics, commune_command_key
from smartcommune_local.devices_demo import demo_things
from smartcommune_local.pki import LocalPki, pki_dir

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings


@dataclass
class SpeakerFleet:
    agents: dict[str, SpeakerAgent]
    runtime: AgentRuntime
    stopped: set[str] = field(default_factory=set)

    def online(self) -> int:
        return sum(1 for a in self.agents.values() if a.client is not None and a.client.connected.is_set())

    def stop(self) -> None:
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda a: a.stop(), self.agents.values()))
        self.runtime.close()


def agent_config(
    settings: Settings,
    thing: str,
    commune_id: str,
    data_dir: Path,
    *,
    pki: LocalPki | None = None,
    heartbeat_s: float = 30.0,
    play_ms: int = 200,
) -> AgentConfig:
    """A demo speaker: its certificate from ``<data_dir>/pki`` (issued once), its state in ``<data_dir>/speakers``."""
    return AgentConfig(
        thing=thing,
        commune_id=commune_id,
        host=settings.mqtt_host,
        port=settings.mqtt_port,
        command_key=commune_command_key(settings.command_key, commune_id),
        state_dir=Path(data_dir) / "speakers",
        tls=(pki or LocalPki(pki_dir(data_dir))).device(thing),
        shadow=ShadowTopics.relayed(commune_id, thing),
        heartbeat_s=heartbeat_s,
        play_ms=play_ms,
    )


def start_speakers(
    settings: Settings,
    data_dir: str | Path,
    *,
    commune_ids: tuple[str, ...] = ("giao-phong",),
    things: list[str] | None = None,
    runtime: AgentRuntime | None = None,
    heartbeat_s: float = 30.0,
    play_ms: int = 200,
) -> SpeakerFleet:
    """Connect one agent per demo thing (or per ``things``, all of the first commune) and return the fleet."""
    runtime = runtime or AgentRuntime()
    pki = LocalPki(pki_dir(data_dir))
    pairs = [(t, commune_ids[0]) for t in things] if things else [(t, c) for c in commune_ids for t in demo_things(c)]
    agents = {
        t: SpeakerAgent(
            agent_config(settings, t, c, Path(data_dir), pki=pki, heartbeat_s=heartbeat_s, play_ms=play_ms), runtime
        )
        for t, c in pairs
    }
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda a: a.start(), agents.values()))
    return SpeakerFleet(agents, runtime)
