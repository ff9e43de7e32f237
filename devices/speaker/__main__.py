"""Run one speaker agent: ``python -m devices.speaker --thing gp-spk-01a --commune giao-phong ...``.

Secrets come from the environment: ``SPEAKER_COMMAND_KEY`` (hex, the commune's command key) and, for the local
broker, ``SPEAKER_MQTT_PASSWORD``. In AWS pass ``--cert/--key/--ca`` and ``--port 8883`` (mutual TLS).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from pathlib import Path

from devices.speaker.agent import AgentConfig, SpeakerAgent
from smartcommune.devices.storage.mqtt import TlsFiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.speaker", description=__doc__)
    parser.add_argument("--thing", required=True)
    parser.add_argument("--commune", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--username", help="local broker only (defaults to the thing name)")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--ca")
    parser.add_argument("--state-dir", default=".local/speakers")
    parser.add_argument("--heartbeat-s", type=float, default=30.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    tls = TlsFiles(args.cert, args.key, args.ca) if args.cert and args.key else None
    config = AgentConfig(
        thing=args.thing,
        commune_id=args.commune,
        host=args.host,
        port=args.port,
        command_key=bytes.fromhex(os.environ["SPEAKER_COMMAND_KEY"]),
        state_dir=Path(args.state_dir),
        username=None if tls else (args.username or args.thing),
        password=None if tls else os.environ.get("SPEAKER_MQTT_PASSWORD"),
        tls=tls,
        heartbeat_s=args.heartbeat_s,
    )
    agent = SpeakerAgent(config)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    agent.start()
    logging.getLogger("devices.speaker").info("%s online on %s:%s", args.thing, args.host, args.port)
    done.wait()
    agent.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
