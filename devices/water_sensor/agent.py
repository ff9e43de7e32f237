"""The water sensor agent: one reading every ``interval_s`` on its own topic, QoS 1, over mutual TLS.

It connects with its device certificate through awsiotsdk's builder (``MqttClient``) to IoT Core or the local
Mosquitto, which let it publish on ``sc/<its commune>/water/<itself>/reading`` and nothing else. Each reading
carries ``seq``, one more than the last (kept in a small state file, so a restart does not reuse one): the
platform stores a reading delivered twice once.

Readings come from a :class:`~devices.water_sensor.model.SiteModel` here (a real device reads its probes in
:meth:`WaterSensorAgent.measure`). Time can be compressed for tests and demos: ``time_scale`` simulated seconds
pass per wall second, so a day of patterns takes minutes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from smartcommune.devices.storage.mqtt import MqttClient, TlsFiles
from smartcommune.water.contracts import SensorReading, reading_topic

if TYPE_CHECKING:
    from devices.water_sensor.model import Fault, SiteModel, Values

log = logging.getLogger("devices.water_sensor")


@dataclass(frozen=True)
class SensorConfig:
    sensor_id: str
    commune_id: str
    host: str
    port: int
    tls: TlsFiles
    state_dir: Path
    model: SiteModel
    interval_s: float = 60.0
    time_scale: float = 1.0
    random_faults: bool = True
    start_at: datetime | None = None  # the simulated clock's start (default: now)


@dataclass
class _Forced:
    kind: Fault
    until: datetime


@dataclass
class WaterSensorAgent:
    """One sensor. ``start()`` connects and starts reporting; ``stop()`` goes offline."""

    config: SensorConfig
    published: list[SensorReading] = field(default_factory=list)
    client: MqttClient | None = None

    def __post_init__(self) -> None:
        self._state_path = self.config.state_dir / f"{self.config.sensor_id}.json"
        self._seq = self._load_seq()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = time.monotonic()
        self._sim0 = self.config.start_at or datetime.now(UTC)
        self._forced: _Forced | None = None
        self._stuck_values: Values | None = None
        self._lock = threading.Lock()

    # -- time and state

    def now(self) -> datetime:
        """The simulated clock (wall time when ``time_scale`` is 1)."""
        return self._sim0 + timedelta(seconds=(time.monotonic() - self._t0) * self.config.time_scale)

    def _load_seq(self) -> int:
        try:
            return int(json.loads(self._state_path.read_text(encoding="utf-8"))["seq"])
        except (OSError, ValueError, KeyError):
            return 0

    def _save_seq(self) -> None:
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"seq": self._seq}), encoding="utf-8")
        tmp.replace(self._state_path)

    # -- faults

    def force_fault(self, kind: Fault, minutes: float) -> None:
        """Make the sensor misbehave for ``minutes`` of simulated time (tests, demos)."""
        with self._lock:
            self._forced = _Forced(kind, self.now() + timedelta(minutes=minutes))

    def _fault(self, at: datetime) -> Fault | None:
        with self._lock:
            if self._forced is not None:
                if at < self._forced.until:
                    return self._forced.kind
                self._forced = None
        if self.config.random_faults:
            current = self.config.model.fault_at(at)
            return current[0] if current else None
        return None

    # -- measuring and reporting

    def measure(self, at: datetime) -> SensorReading | None:
        """The reading at ``at`` (None during a dropout); takes the next ``seq``."""
        fault = self._fault(at)
        if fault == "dropout":
            self._stuck_values = None
            return None
        values = self.config.model.clean(at)
        if fault == "stuck":
            self._stuck_values = self._stuck_values or values
            values = self._stuck_values
        else:
            self._stuck_values = None
            if fault == "excursion":
                values = self.config.model.excursion(values)
        with self._lock:
            self._seq += 1
            seq = self._seq
            self._save_seq()
        return SensorReading(
            sensor_id=self.config.sensor_id,
            seq=seq,
            at=at,
            ph=values.ph,
            turbidity_ntu=values.turbidity_ntu,
            free_chlorine_mg_l=values.free_chlorine_mg_l,
            temperature_c=values.temperature_c,
        )

    def report(self, timeout_s: float = 5.0) -> SensorReading | None:
        """Measure now and publish (QoS 1: waits for the broker's PUBACK); None when nothing was sent."""
        reading = self.measure(self.now())
        client = self.client
        if reading is None or client is None:
            return None
        payload = reading.model_dump_json(exclude_none=True).encode()
        client.publish(reading_topic(self.config.commune_id, self.config.sensor_id), payload, qos=1).result(timeout_s)
        self.published.append(reading)
        return reading

    # -- lifecycle

    def start(self, timeout_s: float = 10.0) -> None:
        c = self.config
        self.client = MqttClient(c.host, c.port, c.sensor_id, tls=c.tls, clean_session=True)
        self.client.connect(timeout_s)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"water-{c.sensor_id}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.report()
            except Exception:  # a lost connection: awscrt reconnects, the next reading goes through
                log.warning("%s: reading not published", self.config.sensor_id, exc_info=True)
            self._stop.wait(self.config.interval_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self.client is not None:
            self.client.disconnect()
            self.client = None
