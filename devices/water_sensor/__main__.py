"""Run one water sensor: ``python -m devices.water_sensor --sensor gp-wq-01 --commune giao-phong --cert ...``.

Mutual TLS only: ``--cert/--key`` (the device certificate, CN = sensor id) and ``--ca``. On AWS: ``--host <iot
endpoint> --port 8883 --ca AmazonRootCA1.pem``; locally: ``--port <mqtt port> --ca <data_dir>/pki/ca.crt``.
``--travel-h`` is the simulated water's travel time from the plant (the simulation stands in for probes).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from devices.water_sensor.agent import SensorConfig, WaterSensorAgent
from devices.water_sensor.model import SiteModel
from smartcommune.devices.storage.mqtt import TlsFiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.water_sensor", description=__doc__)
    parser.add_argument("--sensor", required=True)
    parser.add_argument("--commune", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8883)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--ca")
    parser.add_argument("--state-dir", default=".local/water-sensors")
    parser.add_argument("--interval-s", type=float, default=60.0)
    parser.add_argument("--travel-h", type=float, default=0.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    agent = WaterSensorAgent(
        SensorConfig(
            sensor_id=args.sensor,
            commune_id=args.commune,
            host=args.host,
            port=args.port,
            tls=TlsFiles(args.cert, args.key, args.ca),
            state_dir=Path(args.state_dir),
            model=SiteModel(seed=sum(map(ord, args.sensor)), travel_h=args.travel_h, plant=args.travel_h == 0),
            interval_s=args.interval_s,
        )
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    agent.start()
    done.wait()
    agent.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
