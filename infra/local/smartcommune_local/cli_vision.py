"""``smartcommune vision detect [--min-confidence N] [--path frame|confirm] IMAGE...``: what the local models see.

One JSON object per line and image: ``{"Image": PATH, "Labels": [...], "LabelModelVersion": ...}`` — Rekognition's
``DetectLabels`` output shape (``Labels[].Name``, ``Confidence`` 0–100, ``Instances[].BoundingBox`` ``Left``/
``Top``/``Width``/``Height`` ratios). ``--min-confidence`` defaults, like Rekognition's ``MinConfidence``, to the
operating threshold the pipeline alerts at. ``--path confirm`` (the default) is the fused cascade an event is
confirmed with (people and vehicles); ``--path frame`` the fast per-frame path (people). ``--faces`` adds
``FaceDetails`` (``DetectFaces``' shape). An unreadable image prints ``{"Image", "Error"}`` and the exit code is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="vision_command", required=True, metavar="ACTION")
    detect = sub.add_parser("detect", help="nhận diện người, xe trong ảnh / detect people and vehicles (JSON lines)")
    detect.add_argument("images", nargs="+", metavar="IMAGE", help="ảnh JPEG/PNG / JPEG or PNG files")
    detect.add_argument(
        "--min-confidence",
        type=float,
        default=None,
        metavar="N",
        help="ngưỡng 0-100 (mặc định: ngưỡng cảnh báo) / 0-100, default: the alerting threshold",
    )
    detect.add_argument(
        "--path",
        choices=("confirm", "frame"),
        default="confirm",
        help="confirm: mô hình ghép (người, xe) / fused models (people, vehicles); frame: nhanh / fast, people",
    )
    detect.add_argument("--faces", action="store_true", help="thêm khuôn mặt / add FaceDetails")
    detect.set_defaults(handler=detect_command)


def detect_command(args: argparse.Namespace) -> int:
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.vision.contracts import InvalidImageError
    from smartcommune.vision.wiring import detector

    if args.min_confidence is not None and not 0 <= args.min_confidence <= 100:
        print("--min-confidence: 0-100", file=sys.stderr)
        return 2
    engine = Services(Settings()).get(detector)
    failed = False
    for name in args.images:
        path = Path(name)
        try:
            image = path.read_bytes()
            analyse = engine.confirm if args.path == "confirm" else engine.detect_labels
            document = {"Image": name, **analyse(image, args.min_confidence).to_rekognition()}
            if args.faces:
                document |= engine.detect_faces(image).model_dump(mode="json")
        except (OSError, InvalidImageError) as error:
            document = {"Image": name, "Error": str(error)}
            failed = True
        print(json.dumps(document, ensure_ascii=False), flush=True)
    return 1 if failed else 0
