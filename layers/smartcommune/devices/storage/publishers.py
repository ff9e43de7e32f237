"""How play commands reach the broker: the ``CommandPublisher`` port and its two transports.

``IotDataPublisher`` (AWS: ``iot-data publish``, no awscrt in Lambda) or ``MqttPublisher`` (local Mosquitto,
mutual TLS with the platform's own certificate), chosen by ``settings.fanout_transport`` in ``publisher_for``.
Kept apart from the table code: these are the only adapters that talk to IoT Core / MQTT.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings
    from smartcommune.devices.storage.mqtt import MqttClient


class CommandPublisher(Protocol):
    def ready(self) -> None:
        """Open the connection now, so a command's start lead is not spent connecting (a cold Lambda, a new
        process)."""

    def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        """Publish each (topic, payload) at QoS 1; returns when the broker has them all."""


class IotDataPublisher:
    """AWS IoT Core through the data plane (``iot-data publish``), in parallel."""

    def __init__(self, settings: Settings, workers: int = 16) -> None:
        import boto3
        from botocore.config import Config

        endpoint = settings.iot_data_endpoint or settings.aws_endpoint_url
        self._client = boto3.session.Session().client(
            "iot-data",
            region_name=settings.aws_region,
            endpoint_url=endpoint,
            config=Config(max_pool_connections=workers, retries={"mode": "standard", "max_attempts": 4}),
        )
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="iot-publish")

    @property
    def client(self) -> Any:
        return self._client

    def ready(self) -> None:
        """Nothing to open: the data plane is plain HTTPS and the client pools its connections."""

    def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        futures = [self._pool.submit(self._client.publish, topic=t, qos=1, payload=p) for t, p in messages]
        for f in futures:
            f.result()


class MqttPublisher:
    """The local broker, as the platform's identity (its certificate; the ACL lets it write commands, read acks)."""

    def __init__(self, settings: Settings, client_id: str = "platform-fanout") -> None:
        self._settings = settings
        self._client_id = client_id
        self._client: MqttClient | None = None
        self._lock = threading.Lock()

    def _connected(self) -> MqttClient:
        with self._lock:
            if self._client is None:
                from smartcommune.devices.storage.mqtt import MqttClient, platform_tls

                s = self._settings
                client = MqttClient(s.mqtt_host, s.mqtt_port, self._client_id, tls=platform_tls(s), clean_session=True)
                client.connect()
                self._client = client
            return self._client

    def ready(self) -> None:
        client = self._connected()
        if not client.connected.wait(10):
            raise ConnectionError("MQTT broker unreachable")

    def publish_many(self, messages: list[tuple[str, bytes]], attempts: int = 3) -> None:
        """Publish at QoS 1; messages whose publish was cancelled by a broker restart are sent again.

        Speakers deduplicate by command id, so a message that did arrive before the drop is harmless twice.
        """
        client = self._connected()
        pending = messages
        for attempt in range(attempts):
            if not client.connected.wait(10):
                raise ConnectionError("MQTT broker unreachable")
            futures = [(message, client.publish(message[0], message[1], 1)) for message in pending]
            failed: list[tuple[str, bytes]] = []
            for message, future in futures:
                try:
                    future.result(30)
                except Exception:  # the connection dropped under us (awscrt cancels the clean session's requests)
                    if attempt == attempts - 1:
                        raise
                    failed.append(message)
            if not failed:
                return
            pending = failed
            time.sleep(0.2 * (attempt + 1))  # let the client notice the drop and reconnect

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.disconnect()
                self._client = None


def publisher_for(settings: Settings) -> CommandPublisher:
    if settings.fanout_transport == "iot":
        return IotDataPublisher(settings)
    return MqttPublisher(settings)
