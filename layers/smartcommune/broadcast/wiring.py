"""Factories for bulletins (``services.get(bulletin_service)``); imports are lazy (cold starts).

The loudspeakers are reached through the device fabric: ``bulletin_fanout`` is ``wiring_devices.device_fanout``
(the real ``Fanout`` of ``docs/broadcast-contract.md``), and ``speaker_directory`` reads the device registry.
Tests override either with in-memory fakes (``services.override(bulletin_fanout, fake)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.core.wiring import bound_table

if TYPE_CHECKING:
    from smartcommune.broadcast.logic.ports import SpeakerDirectory
    from smartcommune.broadcast.logic.service import BulletinService
    from smartcommune.broadcast.storage.bulletins import BulletinRepository
    from smartcommune.broadcast.storage.speech import S3AudioStore
    from smartcommune.broadcast.storage.stats import BroadcastStats
    from smartcommune.broadcast.storage.subscriptions import AlertSubscriptions
    from smartcommune.core.services import Services
    from smartcommune.devices.contracts import DeliveryBatch, DeliveryReport, Fanout


def bulletin_repository(services: Services) -> BulletinRepository:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.broadcast.storage.bulletins import BulletinRepository

    services.get(bound_table)
    return BulletinRepository(services.get(audit_repository))


def alert_subscriptions(services: Services) -> AlertSubscriptions:
    from smartcommune.broadcast.storage.subscriptions import AlertSubscriptions
    from smartcommune.sms.wiring import sms_gateway

    services.get(bound_table)
    return AlertSubscriptions(services.get(sms_gateway))


def broadcast_stats(services: Services) -> BroadcastStats:
    from smartcommune.broadcast.storage.stats import BroadcastStats
    from smartcommune.devices.wiring import speaker_outcomes

    services.get(bound_table)
    return BroadcastStats(services.get(speaker_outcomes))


def audio_store(services: Services) -> S3AudioStore:
    """espeak-ng + lame (paths from settings) and the media bucket."""
    from smartcommune.broadcast.storage.speech import S3AudioStore, Speech
    from smartcommune.core.aws import client

    return S3AudioStore(client("s3", services.settings), services.settings.media_bucket, Speech.of(services.settings))


def bulletin_fanout(services: Services) -> Fanout:
    """The device fabric's fan-out (MQTT locally, IoT Core in AWS)."""
    from smartcommune.devices.wiring import device_fanout

    return services.get(device_fanout)


class LazyFanout:
    """Builds the device fan-out (and its MQTT/IoT connection) on the first play, not on every bulletin request."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def send(self, *args: Any, **kwargs: Any) -> DeliveryBatch:
        return self._services.get(bulletin_fanout).send(*args, **kwargs)

    def report(self, commune_id: str, bulletin_id: str, command_id: str | None = None) -> DeliveryReport:
        return self._services.get(bulletin_fanout).report(commune_id, bulletin_id, command_id)


def speaker_directory(services: Services) -> SpeakerDirectory:
    """The commune's loudspeaker clusters, from the device fabric's registry."""
    from smartcommune.devices.wiring import speaker_directory as devices_directory

    return services.get(devices_directory)


def bulletin_service(services: Services) -> BulletinService:
    from smartcommune.broadcast.logic.service import BulletinService
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core.wiring import rate_counters

    return BulletinService(
        clock=services.clock,
        store=services.get(bulletin_repository),
        communes=services.get(commune_repository),
        speakers=services.get(speaker_directory),
        fanout=LazyFanout(services),
        audio=services.get(audio_store),
        sms=services.get(alert_subscriptions),
        stats=services.get(broadcast_stats),
        rates=services.get(rate_counters),
        public_base_url=services.settings.public_base_url,
    )
