"""Run one camera agent: ``python -m devices.camera --thing gp-cam-01 --commune giao-phong --stream rtsp://…``.

It always connects with mutual TLS (``--cert/--key``, the device certificate with CN = thing name, and
``--ca``). On AWS: ``--host <iot endpoint> --port 8883 --ca AmazonRootCA1.pem``; on the local broker the
certificates under ``<data_dir>/pki``. ``--stream`` is what OpenCV's ``VideoCapture`` opens: an RTSP URL, a
video file, or an image sequence such as ``frames/frame_%04d.jpg``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from devices.camera.agent import CameraAgent, CameraAgentConfig
from smartcommune.devices.storage.mqtt import TlsFiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.camera", description=__doc__)
    parser.add_argument("--thing", required=True)
    parser.add_argument("--commune", required=True)
    parser.add_argument("--stream", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8883)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--ca")
    parser.add_argument("--state-dir", default=".local/cameras")
    parser.add_argument("--fps", type=float, default=2.0)
    parser.add_argument("--health-s", type=float, default=30.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    agent = CameraAgent(
        CameraAgentConfig(
            thing=args.thing,
            commune_id=args.commune,
            host=args.host,
            port=args.port,
            tls=TlsFiles(args.cert, args.key, args.ca),
            stream_url=args.stream,
            state_dir=Path(args.state_dir),
            fps=args.fps,
            health_s=args.health_s,
        )
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    agent.start()
    logging.getLogger("devices.camera").info("%s streaming %s", args.thing, args.stream)
    done.wait()
    agent.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
