"""Commands and upload grants to cameras over IoT Core (the devices fabric's publisher: the IoT data plane in
AWS, the local Mosquitto locally), and the cameras' health in their thing shadow."""

from __future__ import annotations

import json
from typing import Any, Protocol

from smartcommune.cameras.contracts import CameraCommand, CameraHealth, UploadGrant, camera_topic


class Publisher(Protocol):
    def publish_many(self, messages: list[tuple[str, bytes]]) -> None: ...


class CameraCommands:
    def __init__(self, publisher: Publisher, iot_data: Any | None = None) -> None:
        self._publisher = publisher
        self._iot = iot_data

    def send(self, commune_id: str, command: CameraCommand) -> None:
        self._publisher.publish_many(
            [(camera_topic(commune_id, command.thing, "cmd"), command.model_dump_json(exclude_none=True).encode())]
        )
        if self._iot is not None and command.kind in ("settings", "zones"):
            desired = command.model_dump(mode="json", include={"fps", "width", "height", "zones"}, exclude_none=True)
            self._shadow(command.thing, {"desired": desired})

    def grant(self, commune_id: str, thing: str, grant: UploadGrant) -> None:
        self._publisher.publish_many(
            [(camera_topic(commune_id, thing, "upload/grant"), grant.model_dump_json().encode())]
        )

    def report_health(self, health: CameraHealth) -> None:
        """The camera's health as its shadow's reported state (what IoT Core's console shows)."""
        if self._iot is not None:
            self._shadow(health.thing, {"reported": health.model_dump(mode="json", exclude={"thing"})})

    def _shadow(self, thing: str, state: dict[str, Any]) -> None:
        if self._iot is None:
            return
        self._iot.update_thing_shadow(thingName=thing, payload=json.dumps({"state": state}).encode())
