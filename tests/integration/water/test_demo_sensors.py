"""The demo water sensors as ``make up`` runs them, time compressed: one device certificate each, the broker's ACL,
the template's topic rule played on the local broker, its queue and the readings function fed from it in batches;
the public summary then has every sensor reporting."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from smartcommune.communes.wiring import commune_repository
from smartcommune.core.services import Services
from smartcommune.water.wiring import water_summary
from smartcommune_local.broker import free_port
from smartcommune_local.demo_data import DEMO_COMMUNES
from smartcommune_local.iot_rules import start_local_iot
from smartcommune_local.pki import platform_tls_settings
from smartcommune_local.water_demo import seed_water_sensors, sensor_communes, start_water_sensors


def test_the_six_demo_sensors_report_through_the_rule_and_the_queue(aws: Any, settings: Any, tmp_path: Path):
    # Given the local IoT fabric without speakers, and the demo sensors registered as make up registers them
    settings = settings.model_copy(
        update={"mqtt_port": free_port(), "fanout_transport": "mqtt"} | platform_tls_settings(tmp_path)
    )
    services = Services(settings)
    for commune in DEMO_COMMUNES:
        services.get(commune_repository).put(commune)
    assert seed_water_sensors(services) == {"sensors": 6, "things_created": 6}
    iot = start_local_iot(
        aws,
        settings,
        tmp_path,
        services=services,
        start_speakers=False,
        consume_queues=True,
        sensor_communes=sensor_communes(),
    )
    fleet = None
    try:
        # When the six sensors run, a reading every 0.3 s, a simulated minute each
        fleet = start_water_sensors(settings, tmp_path, interval_s=0.3, time_scale=200.0, random_faults=False)
        assert fleet.online() == 6
        deadline = time.monotonic() + 30
        summary = services.get(water_summary).summary("giao-phong")
        while time.monotonic() < deadline and summary.counts.silent:
            time.sleep(0.5)
            summary = services.get(water_summary).summary("giao-phong")
    finally:
        if fleet is not None:
            fleet.stop()
        iot.stop()
    # Then every sensor has been heard, with values a probe reads, and the plant's water is within the limits
    assert summary.counts.silent == 0 and summary.counts.total == 6, json.loads(summary.model_dump_json())
    plant = next(s for s in summary.sensors if s.kind == "plant")
    assert plant.status == "ok" and plant.latest.free_chlorine_mg_l is not None
    assert plant.latest.free_chlorine_mg_l > 0.6
    # And what the summary shows for each sensor is one of the readings that sensor published
    for status in summary.sensors:
        sent = {(r.at, r.free_chlorine_mg_l) for r in fleet.agents[status.sensor_id].published}
        assert (status.measured_at, status.latest.free_chlorine_mg_l) in sent
