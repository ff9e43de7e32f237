"""Run one speaker agent: ``python -m devices.speaker --thing gp-spk-01a --commune giao-phong --cert ... ``.

The agent always connects with mutual TLS: ``--cert/--key`` (the device certificate, CN = thing name, and its
key) and ``--ca``. On AWS: ``--host <iot endpoint> --port 8883 --ca AmazonRootCA1.pem`` (shadow on IoT Core's
``$aws/things/...`` topics); on the local broker: ``--port <mqtt port> --ca <data_dir>/pki/ca.crt --shadow
relayed`` with the certificates under ``<data_dir>/pki``. ``SPEAKER_COMMAND_KEY`` (hex, the commune's command
key) comes from the environment. ``--commune`` and that key are where the speaker was provisioned: once the platform
has moved it to another commune after a merger, its state file (``--state-dir``) holds the new namespace and key,
and a restart comes back on those.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from pathlib import Path

from devices.speaker.agent import AgentConfig, SpeakerAgent
from smartcommune.devices.contracts import ShadowTopics
from smartcommune.devices.storage.mqtt import TlsFiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.speaker", description=__doc__)
    parser.add_argument("--thing", required=True)
    parser.add_argument("--commune", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8883)
    parser.add_argument("--cert", required=True, help="device certificate (PEM), CN = thing name")
    parser.add_argument("--key", required=True, help="its private key (PEM)")
    parser.add_argument("--ca", help="CA to trust (PEM); default: the system's trust store")
    parser.add_argument("--shadow", choices=("iot-core", "relayed"), default="iot-core")
    parser.add_argument("--state-dir", default=".local/speakers")
    parser.add_argument("--heartbeat-s", type=float, default=30.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    shadow = (
        ShadowTopics.iot_core(args.thing)
        if args.shadow == "iot-core"
        else ShadowTopics.relayed(args.commune, args.thing)
    )
    config = AgentConfig(
        thing=args.thing,
        commune_id=args.commune,
        host=args.host,
        port=args.port,
        command_key=bytes.fromhex(os.environ["SPEAKER_COMMAND_KEY"]),
        state_dir=Path(args.state_dir),
        tls=TlsFiles(args.cert, args.key, args.ca),
        shadow=shadow,
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
