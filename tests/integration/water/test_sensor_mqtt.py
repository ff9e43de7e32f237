"""A real sensor agent (awsiotsdk, mutual TLS) on the local Mosquitto, through the template's topic rule into the
readings function: what the dashboard then shows, and that a sensor cannot publish as another one.

Time is compressed (five simulated minutes per wall second, a reading every 0.2 s) so the test takes seconds.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from devices.water_sensor.agent import SensorConfig, WaterSensorAgent
from devices.water_sensor.model import SiteModel
from smartcommune.devices.storage.mqtt import MqttClient
from smartcommune.water.contracts import READING_TOPIC_FILTER, SensorReading, reading_topic
from smartcommune_local.broker import free_port, start_broker
from smartcommune_local.iot_rules import queue_rules_of
from smartcommune_local.pki import LocalPki
from smartcommune_local.template import load_template
from tests.integration.water.conftest import water_readings


class Received:
    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.changed = threading.Condition()

    def __call__(self, topic: str, payload: bytes) -> None:
        with self.changed:
            self.messages.append((topic, payload))
            self.changed.notify_all()

    def wait_for(self, predicate: Any, timeout_s: float = 15.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self.messages), timeout_s)


def test_a_sensor_reports_over_mutual_tls_and_its_readings_reach_the_dashboard_once(sensors, api, tmp_path: Path):
    # Given the broker with the far tap and another tap bound to Giao Phong, and the platform listening as the rule
    pki = LocalPki(tmp_path / "pki")
    broker = start_broker(
        tmp_path, free_port(), pki, sensor_communes={"gp-wq-06": "giao-phong", "gp-wq-02": "giao-phong"}
    )
    received = Received()
    platform = MqttClient(broker.host, broker.port, "platform-test", tls=pki.client("platform"), on_message=received)
    agent = WaterSensorAgent(
        SensorConfig(
            sensor_id="gp-wq-06",
            commune_id="giao-phong",
            host=broker.host,
            port=broker.port,
            tls=pki.device("gp-wq-06"),
            state_dir=tmp_path / "state",
            model=SiteModel(seed=6, travel_h=6.5),
            interval_s=0.2,
            time_scale=300.0,
            random_faults=False,
        )
    )
    other = MqttClient(broker.host, broker.port, "gp-wq-02", tls=pki.device("gp-wq-02"), clean_session=True)
    try:
        platform.connect()
        platform.subscribe(READING_TOPIC_FILTER, 1)
        other.connect()
        # When the far tap's agent runs for a few readings
        agent.start()
        assert received.wait_for(lambda m: len(m) >= 3)
        agent.stop()
        # And the other tap tries to publish a reading as the far tap, then one of its own
        forged = SensorReading(sensor_id="gp-wq-06", seq=10**6, at=agent.now(), free_chlorine_mg_l=0.01)
        other.publish(reading_topic("giao-phong", "gp-wq-06"), forged.model_dump_json().encode()).result(5)
        own = SensorReading(sensor_id="gp-wq-02", seq=1, at=agent.now(), free_chlorine_mg_l=0.5)
        other.publish(reading_topic("giao-phong", "gp-wq-02"), own.model_dump_json().encode()).result(5)
        assert received.wait_for(lambda m: any(t.endswith("gp-wq-02/reading") for t, _ in m))
    finally:
        agent.stop()
        other.disconnect()
        platform.disconnect()
        broker.stop()
    # Then the forged reading never reached the platform (the broker's ACL, as the IoT policy)
    far = [SensorReading.model_validate_json(p) for t, p in received.messages if t.endswith("gp-wq-06/reading")]
    assert 10**6 not in [r.seq for r in far]
    assert [r.seq for r in far] == list(range(1, len(far) + 1))  # one more each reading
    # When what arrived goes through the template's topic rule (its SQL) onto the queue, the first one twice
    (rule_sql,) = [sql for name, sql, _ in queue_rules_of(load_template()) if name == "WaterReadingRule"]
    bodies = [json.dumps(rule_sql.event(t, p)) for t, p in received.messages]
    records = [{"messageId": f"m-{i}", "body": b} for i, b in enumerate([bodies[0], *bodies])]
    result = water_readings.lambda_handler({"Records": records}, None)
    # Then every reading is stored once and the duplicate is not
    assert result["batchItemFailures"] == []
    assert (result["stored"], result["duplicates"]) == (len(received.messages), 1)
    # And the public summary shows the far tap's latest values, as measured
    summary = json.loads(api.http.get("/communes/giao-phong/water/summary").body)
    tap = next(s for s in summary["sensors"] if s["sensor_id"] == "gp-wq-06")
    assert tap["latest"]["free_chlorine_mg_l"] == far[-1].free_chlorine_mg_l
    assert tap["status"] in ("ok", "out_of_limits")
