"""Factories for the loudspeaker fabric (``services.get(device_fanout)``); imports are lazy (cold starts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.wiring import bound_table

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.devices.storage.desired import SpeakerSettings
    from smartcommune.devices.storage.fanout import DeviceFanout
    from smartcommune.devices.storage.publishers import CommandPublisher
    from smartcommune.devices.storage.registry import RegistryDirectory, SpeakerOutcomes
    from smartcommune.devices.storage.shadows import ShadowStore


def command_publisher(services: Services) -> CommandPublisher:
    """IoT data plane in AWS, the local Mosquitto locally (``settings.fanout_transport``)."""
    from smartcommune.devices.storage.publishers import publisher_for

    return publisher_for(services.settings)


def device_fanout(services: Services) -> DeviceFanout:
    """The ``Fanout`` port of ``docs/broadcast-contract.md`` (also registry and delivery reports)."""
    from smartcommune.devices.storage.fanout import DeviceFanout

    services.get(bound_table)
    return DeviceFanout(services.settings, services.clock, services.get(command_publisher))


def shadow_store(services: Services) -> ShadowStore:
    from smartcommune.core.aws import client
    from smartcommune.devices.storage.shadows import ShadowStore

    settings = services.settings
    relay = settings.fanout_transport == "mqtt"
    return ShadowStore(client("iot-data", settings), services.get(command_publisher) if relay else None, relay)


def speaker_settings(services: Services) -> SpeakerSettings:
    """Staff change a speaker's desired volumes: audited, then written to its shadow."""
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.devices.storage.desired import SpeakerSettings

    services.get(bound_table)
    return SpeakerSettings(
        journal=services.get(audit_repository),
        shadows=services.get(shadow_store),
        clock=services.clock,
        offline_after_s=services.settings.speaker_offline_after_s,
    )


def speaker_directory(services: Services) -> RegistryDirectory:
    """The commune's loudspeaker clusters, grouped from the registry (public: bulletins target them)."""
    from smartcommune.devices.storage.registry import RegistryDirectory

    services.get(bound_table)
    return RegistryDirectory()


def speaker_outcomes(services: Services) -> SpeakerOutcomes:
    """Plays and failures per speaker (public: bulletins' statistics count completed deliveries into it)."""
    from smartcommune.devices.storage.registry import SpeakerOutcomes

    services.get(bound_table)
    return SpeakerOutcomes()
