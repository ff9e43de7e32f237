"""What the simulated sensor agent measures and numbers, without a broker: its faults as a real probe shows them,
and a sequence number that survives a restart (the platform stores a redelivered reading once by it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from devices.water_sensor.agent import SensorConfig, WaterSensorAgent
from devices.water_sensor.model import SiteModel
from smartcommune.devices.storage.mqtt import TlsFiles

START = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)


def _agent(tmp_path: Path) -> WaterSensorAgent:
    return WaterSensorAgent(
        SensorConfig(
            sensor_id="gp-wq-04",
            commune_id="giao-phong",
            host="127.0.0.1",
            port=1,
            tls=TlsFiles("cert", "key"),
            state_dir=tmp_path,
            model=SiteModel(seed=4, travel_h=3.5),
            random_faults=False,
            start_at=START,
        )
    )


def test_faults_look_as_a_real_probe_shows_them(tmp_path):
    agent = _agent(tmp_path)
    minutes = [START + timedelta(minutes=m) for m in range(5)]
    # A healthy probe's values move from minute to minute
    healthy = [agent.measure(at) for at in minutes]
    assert len({(r.ph, r.free_chlorine_mg_l) for r in healthy if r}) > 1
    # A stuck one repeats the same values
    agent.force_fault("stuck", minutes=60)
    stuck = [agent.measure(at + timedelta(minutes=10)) for at in minutes]
    assert len({(r.ph, r.turbidity_ntu, r.free_chlorine_mg_l, r.temperature_c) for r in stuck if r}) == 1
    # A dropout sends nothing at all
    agent.force_fault("dropout", minutes=60)
    assert agent.measure(START + timedelta(minutes=20)) is None
    # An excursion reads a pH out of the 6.0-8.5 range
    agent.force_fault("excursion", minutes=60)
    reading = agent.measure(START + timedelta(minutes=30))
    assert reading is not None and reading.ph == 9.1


def test_the_sequence_goes_on_after_a_restart(tmp_path):
    first = _agent(tmp_path)
    seqs = [r.seq for r in (first.measure(START), first.measure(START + timedelta(minutes=1))) if r]
    again = _agent(tmp_path).measure(START + timedelta(minutes=2))
    assert seqs == [1, 2] and again is not None and again.seq == 3
