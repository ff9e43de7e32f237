"""A small MQTT 3.1.1 client used by speaker agents, the local fan-out and the local IoT-rule emulator.

It connects only with mutual TLS, through awsiotsdk's ``mqtt_connection_builder.mtls_from_path``, in both worlds:
AWS IoT Core (port 8883, Amazon's CA) and the local Mosquitto (the local CA, ``smartcommune_local.pki``). There is
no password and no plaintext path. ``awsiot``/``awscrt`` are imported lazily: Lambda code never loads them (AWS
publishes through the IoT data plane instead).

Every message is dispatched to one ``on_message(topic, payload)`` callback, including messages the broker sends
right after a persistent session resumes, before this process has subscribed again.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings

MessageHandler = Callable[[str, bytes], None]


class MqttError(RuntimeError):
    """Connecting, subscribing or publishing failed."""


@dataclass(frozen=True)
class TlsFiles:
    """A client certificate, its private key and the CA to trust (None: the system's trust store)."""

    cert_path: str
    key_path: str
    ca_path: str | None = None


def platform_tls(settings: Settings) -> TlsFiles:
    """The platform's own certificate for the local broker (``settings.mqtt_cert_path`` and friends)."""
    if not (settings.mqtt_cert_path and settings.mqtt_key_path):
        raise MqttError("the local broker takes only mutual TLS: set mqtt_cert_path / mqtt_key_path / mqtt_ca_path")
    return TlsFiles(settings.mqtt_cert_path, settings.mqtt_key_path, settings.mqtt_ca_path)


_bootstrap_lock = threading.Lock()
_bootstrap: Any = None


def _client_bootstrap() -> Any:
    """One event-loop group for every connection of the process (many agents share it)."""
    global _bootstrap
    with _bootstrap_lock:
        if _bootstrap is None:
            from awscrt import io

            group = io.EventLoopGroup(0)
            resolver = io.DefaultHostResolver(group)
            _bootstrap = io.ClientBootstrap(group, resolver)
        return _bootstrap


class MqttClient:
    """One mutual-TLS MQTT connection with automatic reconnects (awscrt's), one message callback, QoS 1 publishing."""

    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        *,
        tls: TlsFiles,
        clean_session: bool = False,
        on_message: MessageHandler | None = None,
        keep_alive_s: int = 30,
        reconnect_min_s: int = 1,
        reconnect_max_s: int = 5,
        on_resumed: Callable[[bool], None] | None = None,
        on_interrupted: Callable[[], None] | None = None,
    ) -> None:
        from awsiot import mqtt_connection_builder

        self.client_id = client_id
        self._handler = on_message
        self._on_resumed = on_resumed
        self._on_interrupted = on_interrupted
        self.connected = threading.Event()
        if not (tls.cert_path and tls.key_path):
            raise MqttError(f"{client_id}: a client certificate and its key are required (mutual TLS only)")
        self._connection = mqtt_connection_builder.mtls_from_path(
            cert_filepath=tls.cert_path,
            pri_key_filepath=tls.key_path,
            ca_filepath=tls.ca_path,
            endpoint=host,
            port=port,
            client_id=client_id,
            client_bootstrap=_client_bootstrap(),
            clean_session=clean_session,
            keep_alive_secs=keep_alive_s,
            ping_timeout_ms=min(3000, keep_alive_s * 500),
            reconnect_min_timeout_secs=reconnect_min_s,
            reconnect_max_timeout_secs=reconnect_max_s,
            on_connection_interrupted=self._interrupted,
            on_connection_resumed=self._resumed,
            enable_metrics_collection=False,
        )
        self._connection.on_message(self._dispatch)

    # -- callbacks (awscrt event-loop threads: keep them short)

    def _dispatch(self, topic: str, payload: bytes, **_: Any) -> None:
        if self._handler is not None:
            self._handler(topic, bytes(payload))

    def _interrupted(self, connection: Any, error: Any, **_: Any) -> None:
        self.connected.clear()
        if self._on_interrupted is not None:
            self._on_interrupted()

    def _resumed(self, connection: Any, return_code: Any, session_present: bool, **_: Any) -> None:
        self.connected.set()
        if self._on_resumed is not None:
            self._on_resumed(session_present)

    # -- operations

    def set_handler(self, handler: MessageHandler) -> None:
        self._handler = handler

    def connect(self, timeout_s: float = 10.0) -> bool:
        """Connect; returns whether the broker resumed a stored session. Raises MqttError when refused."""
        try:
            result = self._connection.connect().result(timeout_s)
        except Exception as exc:  # awscrt raises its own exception types
            raise MqttError(f"{self.client_id}: connection refused or failed: {exc}") from exc
        self.connected.set()
        return bool(result.get("session_present", False))

    def disconnect(self, timeout_s: float = 5.0) -> None:
        self.connected.clear()
        with contextlib.suppress(Exception):  # already closed
            self._connection.disconnect().result(timeout_s)

    def subscribe(self, topic_filter: str, qos: int = 1, timeout_s: float = 10.0) -> None:
        from awscrt import mqtt

        try:
            future, _ = self._connection.subscribe(topic_filter, mqtt.QoS(qos))
            result = future.result(timeout_s)
        except Exception as exc:
            raise MqttError(f"{self.client_id}: subscribe {topic_filter} failed: {exc}") from exc
        if result.get("qos") is None:
            raise MqttError(f"{self.client_id}: subscribe {topic_filter} refused by the broker")

    def unsubscribe(self, topic_filter: str, timeout_s: float = 10.0) -> None:
        try:
            future, _ = self._connection.unsubscribe(topic_filter)
            future.result(timeout_s)
        except Exception as exc:
            raise MqttError(f"{self.client_id}: unsubscribe {topic_filter} failed: {exc}") from exc

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> Future[Any]:
        """Queue a publish; the future completes on PUBACK (QoS 1) or when written (QoS 0)."""
        from awscrt import mqtt

        future, _ = self._connection.publish(topic, payload, mqtt.QoS(qos))
        result: Future[Any] = future
        return result
