"""Water readings through the readings function (IoT rule -> queue -> ``functions/water_readings``), as the
dashboard, environment and health staff then see them: stored once however often delivered, bad records dropped,
a commune's failed writes retried alone, silent sensors, warnings acknowledged and turned into a bulletin draft."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from smartcommune.core.contracts import Role
from smartcommune.water.contracts import SensorReading
from smartcommune.water.storage import WaterReadings
from smartcommune.water.wiring import water_registry, water_warnings
from smartcommune_local.template import REPO_ROOT
from smartcommune_local.water_demo import demo_sensors
from tests.integration.water.conftest import water_readings, water_silence
from tests.support.identities import staff_token

SAMPLE = json.loads(Path(REPO_ROOT / "events/water_readings/batch.json").read_text(encoding="utf-8"))


def _record(n: int, reading: SensorReading, commune: str = "giao-phong", **extra: Any) -> dict[str, Any]:
    """An SQS record as the topic rule's SQL puts a reading on the queue."""
    body = json.loads(reading.model_dump_json(exclude_none=True)) | {
        "topic_commune": commune,
        "topic_sensor": reading.sensor_id,
        "received_ms": int(reading.at.timestamp() * 1000) + 300,
    }
    return {"messageId": f"m-{n}", "body": json.dumps(body | extra)}


def _reading(clock: Any, sensor: str, seq: int, **values: float) -> SensorReading:
    base = {"ph": 7.2, "turbidity_ntu": 0.4, "free_chlorine_mg_l": 0.6, "temperature_c": 27.0}
    return SensorReading(sensor_id=sensor, seq=seq, at=clock(), **(base | values))


def _summary(api: Any) -> dict[str, Any]:
    response = api.http.get("/communes/giao-phong/water/summary")
    assert response.status_code == 200, response.body
    return {s["sensor_id"]: s for s in json.loads(response.body)["sensors"]}


def test_a_batch_with_a_duplicate_and_a_bad_record_stores_each_reading_once(sensors, api, clock):
    # Given the sample batch: the plant's reading, the far tap's low-chlorine reading delivered twice, and a
    # reading with a pH no probe can report
    # When the readings function takes it
    result = water_readings.lambda_handler(copy.deepcopy(SAMPLE), None)
    # Then nothing is retried: the bad record is dropped, the duplicate is counted, not stored again
    assert result["batchItemFailures"] == []
    assert (result["stored"], result["duplicates"], result["dropped"]) == (2, 1, 1)
    assert result["raised"] == 1  # the far tap's chlorine
    # And the same batch delivered again stores and raises nothing more
    again = water_readings.lambda_handler(copy.deepcopy(SAMPLE), None)
    assert (again["stored"], again["duplicates"], again["raised"]) == (0, 3, 0)
    # And the far tap's day has its one reading, as a chart reads it (public)
    series = api.http.get("/communes/giao-phong/water/sensors/gp-wq-06/readings?day=2026-11-29")
    assert series.status_code == 200, series.body
    points = json.loads(series.body)["points"]
    assert [p["free_chlorine_mg_l"] for p in points] == [0.14]
    # And the public summary shows the far tap out of limits, the plant fine, and the rest never heard (silent)
    summary = _summary(api)
    assert summary["gp-wq-06"]["status"] == "out_of_limits"
    assert summary["gp-wq-06"]["out_of_limits"] == ["free_chlorine"]
    assert summary["gp-wq-06"]["hamlet_name"] == "Xóm Bắc Hải"
    assert summary["gp-wq-01"]["status"] == "ok" and summary["gp-wq-01"]["latest"]["ph"] == 7.21
    assert summary["gp-wq-03"]["status"] == "silent"
    counts = json.loads(api.http.get("/communes/giao-phong/water/summary").body)["counts"]
    assert counts == {"total": 6, "ok": 1, "out_of_limits": 1, "silent": 4}
    # And no device internals are published
    assert "seq" not in json.dumps(summary) and "topic" not in json.dumps(summary)


def test_a_reading_naming_another_sensor_than_its_topic_or_an_unknown_sensor_is_dropped(sensors, clock):
    forged = _record(1, _reading(clock, "gp-wq-02", 1), topic_sensor="gp-wq-03")
    stranger = _record(2, _reading(clock, "gp-wq-44", 1))
    result = water_readings.lambda_handler({"Records": [forged, stranger]}, None)
    assert result["batchItemFailures"] == [] and result["stored"] == 0
    assert (result["dropped"], result["unknown"]) == (1, 1)


def test_when_one_communes_writes_fail_only_its_readings_come_again(sensors, api, clock, monkeypatch):
    # Given Bach Long has a sensor too, and its writes fail for a moment
    from smartcommune.water.contracts import GeoPoint, WaterSensor

    sensors.get(water_registry).put_sensors(
        [
            WaterSensor(
                sensor_id="bl-wq-01",
                commune_id="bach-long",
                site_name="Vòi nước xóm Thanh Long",
                hamlet_id="thanh-long",
                kind="tap",
                location=GeoPoint(lat=20.22, lon=106.47),
            )
        ]
    )
    original = WaterReadings.add

    def flaky(self: WaterReadings, commune_id: str, reading: SensorReading, received_at: Any) -> bool:
        if commune_id == "bach-long":
            raise RuntimeError("throttled")
        return original(self, commune_id, reading, received_at)

    monkeypatch.setattr(WaterReadings, "add", flaky)
    batch = {
        "Records": [
            _record(1, _reading(clock, "gp-wq-02", 1)),
            _record(2, _reading(clock, "bl-wq-01", 1), commune="bach-long"),
            _record(3, _reading(clock, "bl-wq-01", 2), commune="bach-long"),
        ]
    }
    # When the batch is handled
    result = water_readings.lambda_handler(batch, None)
    # Then Giao Phong's reading is stored and only Bach Long's two come again
    assert result["stored"] == 1
    assert result["batchItemFailures"] == [{"itemIdentifier": "m-2"}, {"itemIdentifier": "m-3"}]
    # And when they come again, they are stored
    monkeypatch.setattr(WaterReadings, "add", original)
    retry = water_readings.lambda_handler({"Records": batch["Records"][1:]}, None)
    assert (retry["stored"], retry["batchItemFailures"]) == (2, [])


def test_a_sensor_that_goes_silent_raises_one_fault_warning_until_it_reports_again(sensors, api, clock):
    # Given every sensor reported at 01:00
    batch = [_record(i, _reading(clock, s.sensor_id, 1)) for i, s in enumerate(demo_sensors("giao-phong"))]
    water_readings.lambda_handler({"Records": batch}, None)
    assert water_silence.lambda_handler({}, None)["raised"] == {}
    # When the far tap stops while the others go on, and the minute's check runs eleven minutes later
    clock.advance(minutes=11)
    others = [_record(10 + i, _reading(clock, s.sensor_id, 2)) for i, s in enumerate(demo_sensors("giao-phong")[:5])]
    water_readings.lambda_handler({"Records": others}, None)
    first = water_silence.lambda_handler({}, None)["raised"]
    # Then exactly the far tap is a fault, once however often the check runs
    assert list(first) == ["giao-phong"] and len(first["giao-phong"]) == 1
    assert "gp-wq-06-silence" in first["giao-phong"][0]
    clock.advance(minutes=1)
    assert water_silence.lambda_handler({}, None)["raised"] == {}
    assert _summary(api)["gp-wq-06"]["status"] == "silent"
    source = sensors.get(water_warnings)
    (warning,) = source.recent_warnings("giao-phong", clock() - timedelta(hours=1))
    assert warning.category == "device" and warning.source == "water"
    # And when it reports again the warning is resolved and the sensor is back to ok
    water_readings.lambda_handler({"Records": [_record(99, _reading(clock, "gp-wq-06", 2))]}, None)
    staff = staff_token(sensors, Role.ENVIRONMENT)
    listed = json.loads(api.http.get("/water/warnings", headers={"Authorization": f"Bearer {staff}"}).body)["items"]
    assert listed[0]["subject"] == "silence" and listed[0]["resolved_at"] is not None
    assert _summary(api)["gp-wq-06"]["status"] == "ok"
