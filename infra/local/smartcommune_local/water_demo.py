"""Demo water-quality sensors: Giao Phong's plant outlet and five hamlet taps, registered and simulated.

``seed_water_sensors(services)`` is idempotent: it (re)writes where the sensors are (keeping their latest values)
and creates, once, their IoT things, certificates and the water-sensor policy in the IoT control plane (moto
locally), as AWS would hold them. ``start_water_sensors(settings, data_dir)`` connects one simulated
:class:`~devices.water_sensor.agent.WaterSensorAgent` per sensor to the local broker with its device certificate
(mutual TLS; the broker's ACL lets it publish its readings only). One reading per sensor per minute keeps the CPU
idle; ``interval_s`` and ``time_scale`` compress time for tests.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devices.water_sensor.agent import SensorConfig, WaterSensorAgent
from devices.water_sensor.model import SiteModel
from smartcommune.water.contracts import GeoPoint, WaterSensor

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings

WATER_POLICY_NAME = "smartcommune-water-sensor"


@dataclass(frozen=True)
class DemoSite:
    sensor: WaterSensor
    travel_h: float  # the water's travel time from the plant: chlorine decays along it


def _site(n: int, name: str, hamlet: str, kind: str, where: tuple[float, float], travel_h: float) -> DemoSite:  # noqa: PLR0917 - one row of the table below
    return DemoSite(
        WaterSensor(
            sensor_id=f"gp-wq-{n:02d}",
            commune_id="giao-phong",
            site_name=name,
            hamlet_id=hamlet,
            kind=kind,
            location=GeoPoint(lat=where[0], lon=where[1]),
        ),
        travel_h,
    )


DEMO_SITES: dict[str, list[DemoSite]] = {
    "giao-phong": [
        _site(1, "Nhà máy nước sạch Giao Phong - cửa ra", "trung-phong", "plant", (20.2571, 106.4952), 0.0),
        _site(2, "Vòi nước công cộng xóm Trung Phong", "trung-phong", "tap", (20.2552, 106.4931), 1.5),
        _site(3, "Vòi nước công cộng xóm Đông Thành", "dong-thanh", "tap", (20.2608, 106.5005), 2.5),
        _site(4, "Vòi nước công cộng xóm Tây Sơn", "tay-son", "tap", (20.2534, 106.4862), 3.5),
        _site(5, "Vòi nước công cộng xóm Nam Phong", "nam-phong", "tap", (20.2478, 106.4927), 5.0),
        _site(6, "Vòi cuối mạng xóm Bắc Hải", "bac-hai", "tap", (20.2655, 106.4898), 6.5),
    ]
}


def demo_sensors(commune_id: str) -> list[WaterSensor]:
    return [site.sensor for site in DEMO_SITES.get(commune_id, [])]


def sensor_communes(commune_ids: tuple[str, ...] = ("giao-phong",)) -> dict[str, str]:
    """Sensor id -> its commune (what the broker's ACL binds each sensor's certificate to)."""
    return {s.sensor_id: c for c in commune_ids for s in demo_sensors(c)}


def water_policy_document() -> dict[str, Any]:
    """The IoT policy of template.yaml (``WaterSensorPolicy``): connect as itself, publish its readings only."""
    thing = "${iot:Connection.Thing.ThingName}"
    commune = "${iot:Connection.Thing.Attributes[commune]}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iot:Connect",
                "Resource": f"arn:aws:iot:*:*:client/{thing}",
                "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}},
            },
            {
                "Effect": "Allow",
                "Action": "iot:Publish",
                "Resource": [f"arn:aws:iot:*:*:topic/sc/{commune}/water/{thing}/reading"],
            },
        ],
    }


def _seed_things(iot: Any, sensors: list[WaterSensor]) -> int:
    try:
        iot.get_policy(policyName=WATER_POLICY_NAME)
    except iot.exceptions.ResourceNotFoundException:
        iot.create_policy(policyName=WATER_POLICY_NAME, policyDocument=json.dumps(water_policy_document()))
    created = 0
    for s in sensors:
        try:
            iot.describe_thing(thingName=s.sensor_id)
            continue
        except iot.exceptions.ResourceNotFoundException:
            pass
        iot.create_thing(
            thingName=s.sensor_id,
            attributePayload={"attributes": {"commune": s.commune_id, "hamlet": s.hamlet_id, "kind": "water"}},
        )
        cert = iot.create_keys_and_certificate(setAsActive=True)
        iot.attach_policy(policyName=WATER_POLICY_NAME, target=cert["certificateArn"])
        iot.attach_thing_principal(thingName=s.sensor_id, principal=cert["certificateArn"])
        created += 1
    return created


def seed_water_sensors(services: Services, commune_ids: tuple[str, ...] = ("giao-phong",)) -> dict[str, int]:
    """Registry records (table) and IoT things (control plane) of the demo sensors; safe to run again."""
    from smartcommune.core.aws import client
    from smartcommune.water.wiring import water_registry

    registry = services.get(water_registry)
    counts = {"sensors": 0, "things_created": 0}
    iot = client("iot", services.settings)
    for commune_id in commune_ids:
        sensors = demo_sensors(commune_id)
        registry.put_sensors(sensors)
        counts["sensors"] += len(sensors)
        counts["things_created"] += _seed_things(iot, sensors)
    return counts


@dataclass
class WaterFleet:
    agents: dict[str, WaterSensorAgent]

    def online(self) -> int:
        return sum(1 for a in self.agents.values() if a.client is not None and a.client.connected.is_set())

    def stop(self) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda a: a.stop(), self.agents.values()))


def sensor_config(
    settings: Settings,
    site: DemoSite,
    data_dir: Path,
    *,
    interval_s: float = 60.0,
    time_scale: float = 1.0,
    random_faults: bool = True,
) -> SensorConfig:
    from smartcommune_local.pki import LocalPki, pki_dir

    s = site.sensor
    return SensorConfig(
        sensor_id=s.sensor_id,
        commune_id=s.commune_id,
        host=settings.mqtt_host,
        port=settings.mqtt_port,
        tls=LocalPki(pki_dir(data_dir)).device(s.sensor_id),
        state_dir=Path(data_dir) / "water-sensors",
        model=SiteModel(seed=int(s.sensor_id[-2:]), travel_h=site.travel_h, plant=s.kind == "plant"),
        interval_s=interval_s,
        time_scale=time_scale,
        random_faults=random_faults,
    )


def start_water_sensors(
    settings: Settings,
    data_dir: str | Path,
    *,
    commune_ids: tuple[str, ...] = ("giao-phong",),
    interval_s: float = 60.0,
    time_scale: float = 1.0,
    random_faults: bool = True,
) -> WaterFleet:
    """Connect one simulated sensor per demo site (the broker must already know them: ``sensor_communes``)."""
    agents = {
        site.sensor.sensor_id: WaterSensorAgent(
            sensor_config(
                settings,
                site,
                Path(data_dir),
                interval_s=interval_s,
                time_scale=time_scale,
                random_faults=random_faults,
            )
        )
        for c in commune_ids
        for site in DEMO_SITES.get(c, [])
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda a: a.start(), agents.values()))
    return WaterFleet(agents)
