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
    from smartcommune.devices.storage.reprovisioning import SpeakerReprovisioning, ThingPolicy
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


def thing_policy(services: Services) -> ThingPolicy:
    """Which communes' topics each speaker may use: its thing attributes, read by the shared IoT policy (the local
    stack overrides it to rewrite the broker's ACL too)."""
    from smartcommune.core.aws import client
    from smartcommune.devices.storage.reprovisioning import IotThingPolicy

    return IotThingPolicy(client("iot", services.settings))


def speaker_reprovisioning(services: Services) -> SpeakerReprovisioning:
    """Move a commune's speakers onto its own topics and key after a merger (``smartcommune communes reprovision``;
    public: a merger's done state may start it)."""
    from smartcommune.devices.storage.reprovisioning import SpeakerReprovisioning

    fanout = services.get(device_fanout)
    return SpeakerReprovisioning(
        clock=services.clock, publisher=fanout.publisher, policy=services.get(thing_policy), key_of=fanout.key
    )


def speaker_topic_bindings(services: Services, commune_ids: list[str]) -> dict[str, list[str]]:
    """thing -> the communes whose topics it may use now (what the local broker's ACL is made from at start)."""
    from smartcommune.devices.storage.reprovisioning import topic_bindings

    services.get(bound_table)
    return topic_bindings(commune_ids)
