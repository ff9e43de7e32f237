"""IoT Core's shadow service played locally, on the speakers' relayed topics, with moto's thing shadows behind it.

A speaker's ``shadow/get`` is answered on ``shadow/get/accepted`` with the shadow document, and its
``shadow/update`` (reported state) is written to that shadow, as IoT Core does on ``$aws/things/<thing>/shadow/...``.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings
    from smartcommune.devices.storage.mqtt import MqttClient

log = logging.getLogger("smartcommune_local.iot_shadow")


class LocalShadowService:
    """IoT Core's shadow topics, played on the speakers' relayed topics with moto's shadow behind them."""

    def __init__(self, settings: Settings, workers: int = 2) -> None:
        self.settings = settings
        self.answered = 0
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="iot-shadow")
        self._client: MqttClient | None = None
        self._iot: Any = None

    def start(self) -> None:
        from smartcommune.core.aws import client
        from smartcommune.devices.contracts import SHADOW_GET_TOPIC_FILTER, SHADOW_UPDATE_TOPIC_FILTER
        from smartcommune.devices.storage.mqtt import MqttClient, platform_tls

        s = self.settings
        self._iot = client("iot-data", s)
        self._client = MqttClient(
            s.mqtt_host,
            s.mqtt_port,
            "platform-iot-shadow",
            tls=platform_tls(s),
            clean_session=False,  # requests made while it restarts are queued for it
            on_message=self._on_message,
        )
        self._client.connect()
        self._client.subscribe(SHADOW_GET_TOPIC_FILTER, 1)
        self._client.subscribe(SHADOW_UPDATE_TOPIC_FILTER, 1)

    def stop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client = None
        self._pool.shutdown(wait=True, cancel_futures=False)

    def alive(self) -> bool:
        return self._client is not None and self._client.connected.is_set()

    def _on_message(self, topic: str, payload: bytes) -> None:
        self._pool.submit(self._handle, topic, payload)

    def _handle(self, topic: str, payload: bytes) -> None:
        from smartcommune.devices.contracts import ShadowTopics, parse_topic

        try:
            commune_id, thing, _ = parse_topic(topic)
            topics = ShadowTopics.relayed(commune_id, thing)
            if topic == topics.get:
                try:
                    document = self._iot.get_thing_shadow(thingName=thing)["payload"].read()
                except self._iot.exceptions.ResourceNotFoundException:
                    return  # IoT Core answers on get/rejected (404); the speaker keeps what it has
                client = self._client
                if client is not None:
                    client.publish(topics.get_accepted, document, 1)
                    self.answered += 1
            elif topic == topics.update:
                reported = (json.loads(payload).get("state") or {}).get("reported")
                if isinstance(reported, dict) and reported:
                    body = json.dumps({"state": {"reported": reported}}).encode()
                    self._iot.update_thing_shadow(thingName=thing, payload=body)
        except Exception:
            log.exception("shadow request on %s failed", topic)
