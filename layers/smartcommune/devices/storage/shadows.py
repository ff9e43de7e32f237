"""Desired/reported device settings in the IoT thing shadow (``ShadowStore``).

Its own room because it talks to the shadow service, not the table, and only publishes (the local delta relay)
through a ``CommandPublisher``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from smartcommune.devices.contracts import ShadowDelta, shadow_delta_topic

if TYPE_CHECKING:
    from smartcommune.devices.storage.publishers import CommandPublisher


class ShadowStore:
    """Desired/reported device settings in the IoT shadow (moto's data plane locally). Locally the delta is
    relayed to the speaker on ``sc/<c>/speakers/<t>/shadow/delta``; IoT Core delivers its own in AWS."""

    def __init__(self, iot_data: Any, publisher: CommandPublisher | None, relay_deltas: bool) -> None:
        self._iot = iot_data
        self._publisher = publisher
        self._relay = relay_deltas

    def desire(self, commune_id: str, thing: str, desired: dict[str, Any]) -> dict[str, Any]:
        response = self._iot.update_thing_shadow(
            thingName=thing, payload=json.dumps({"state": {"desired": desired}}).encode()
        )
        document = json.loads(response["payload"].read())
        if self._relay and self._publisher is not None:
            delta = self.delta(thing)
            if delta.state:
                self._publisher.publish_many(
                    [(shadow_delta_topic(commune_id, thing), delta.model_dump_json().encode())]
                )
        result: dict[str, Any] = document
        return result

    def report(self, thing: str, reported: dict[str, Any]) -> None:
        self._iot.update_thing_shadow(thingName=thing, payload=json.dumps({"state": {"reported": reported}}).encode())

    def delta(self, thing: str) -> ShadowDelta:
        try:
            response = self._iot.get_thing_shadow(thingName=thing)
        except self._iot.exceptions.ResourceNotFoundException:
            return ShadowDelta()
        document = json.loads(response["payload"].read())
        return ShadowDelta(version=int(document.get("version", 0)), state=document.get("state", {}).get("delta", {}))
