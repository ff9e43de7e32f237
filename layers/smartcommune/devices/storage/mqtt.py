"""A small awscrt MQTT 3.1.1 client used by speaker agents, the local fan-out and the local IoT-rule emulator.

Without ``tls`` it connects in the clear with a username/password (local Mosquitto); with ``tls`` it uses mutual
TLS with the device certificate (AWS IoT Core, port 8883). ``awscrt`` is imported lazily: Lambda code never
loads it (AWS publishes through the IoT data plane instead).

Every message is dispatched to one ``on_message(topic, payload)`` callback, including messages the broker sends
right after a persistent session resumes, before this process has subscribed again.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

MessageHandler = Callable[[str, bytes], None]


class MqttError(RuntimeError):
    """Connecting, subscribing or publishing failed."""


@dataclass(frozen=True)
class TlsFiles:
    cert_path: str
    key_path: str
    ca_path: str | None = None


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
    """One MQTT connection with automatic reconnects (awscrt's), a single message callback and QoS 1 publishing."""

    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        *,
        username: str | None = None,
        password: str | None = None,
        clean_session: bool = False,
        tls: TlsFiles | None = None,
        on_message: MessageHandler | None = None,
        keep_alive_s: int = 30,
        reconnect_min_s: int = 1,
        reconnect_max_s: int = 5,
        on_resumed: Callable[[bool], None] | None = None,
        on_interrupted: Callable[[], None] | None = None,
    ) -> None:
        from awscrt import io, mqtt

        self.client_id = client_id
        self._handler = on_message
        self._on_resumed = on_resumed
        self._on_interrupted = on_interrupted
        self.connected = threading.Event()
        tls_ctx = None
        if tls is not None:
            options = io.TlsContextOptions.create_client_with_mtls_from_path(tls.cert_path, tls.key_path)
            if tls.ca_path:
                options.override_default_trust_store_from_path(None, tls.ca_path)
            tls_ctx = io.ClientTlsContext(options)
        client = mqtt.Client(_client_bootstrap(), tls_ctx)
        self._connection = mqtt.Connection(
            client,
            host_name=host,
            port=port,
            client_id=client_id,
            clean_session=clean_session,
            keep_alive_secs=keep_alive_s,
            ping_timeout_ms=min(3000, keep_alive_s * 500),
            reconnect_min_timeout_secs=reconnect_min_s,
            reconnect_max_timeout_secs=reconnect_max_s,
            username=username,
            password=password,
            on_connection_interrupted=self._interrupted,
            on_connection_resumed=self._resumed,
            disable_metrics=True,
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

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> Future[Any]:
        """Queue a publish; the future completes on PUBACK (QoS 1) or when written (QoS 0)."""
        from awscrt import mqtt

        future, _ = self._connection.publish(topic, payload, mqtt.QoS(qos))
        result: Future[Any] = future
        return result
