"""Demo security cameras of Giao Phong: five IoT things (main road, alley, crossing, market, school gate), their
zones and rules, and the footage the simulated cameras replay.

``seed_cameras(services)`` is idempotent: it (re)writes the registry records, creates once the IoT things with a
certificate and the camera policy (``template.yaml``'s ``CameraPolicy``), and gives each camera its demo zones and
rules unless staff already configured it.

``compose_sequence(out_dir, ...)`` writes a real-footage sequence for a simulated camera: a street photo of the
Penn-Fudan set (``../shared/data/pennfudan-fudan/``) with its pedestrians painted out (OpenCV inpainting) is the
background, and real pedestrians cut from the other photos walk across it, left to right and back, with quiet
stretches between them (so the motion gate has static frames to skip). OpenCV's ``VideoCapture`` reads the
result as an image sequence (``frame_%04d.jpg``), the same path an RTSP stream takes.
"""

from __future__ import annotations

import json
import random
import re
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smartcommune.cameras.contracts import (
    Camera,
    CameraConfig,
    CameraSite,
    GeoPoint,
    RuleSpec,
    TimeWindow,
    ZoneSpec,
    camera_thing_name,
)

if TYPE_CHECKING:
    from smartcommune.core.services import Services

CAMERA_POLICY_NAME = "smartcommune-camera"


def _footage_dir() -> Path:
    """Where the Fudan photos are (see ``vision.engine.sequences.pennfudan_dir``); the usual place if nowhere."""
    from smartcommune.vision.engine.sequences import pennfudan_dir

    try:
        return pennfudan_dir()
    except FileNotFoundError:
        return Path(__file__).resolve().parents[4] / "shared" / "data" / "pennfudan-fudan"


FOOTAGE_DIR = _footage_dir()
_CENTRE = (20.2560, 106.4940)
_SITES: tuple[tuple[CameraSite, str, str], ...] = (
    ("main_road", "dong-thanh", "Đường trục xã - trước UBND"),
    ("alley", "tay-son", "Ngõ 3 xóm Tây Sơn"),
    ("crossing", "nam-phong", "Ngã tư chợ Giao Phong"),
    ("market", "nam-phong", "Chợ Giao Phong - cổng chính"),
    ("school_gate", "bac-hai", "Cổng trường THCS Giao Phong"),
)
WHOLE = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
PAVEMENT = [(0.0, 0.45), (1.0, 0.45), (1.0, 1.0), (0.0, 1.0)]


def demo_cameras(commune_id: str, footage_root: Path | None = None) -> list[Camera]:
    if commune_id != "giao-phong":
        return []
    out = []
    for n, (site, hamlet, name) in enumerate(_SITES, start=1):
        thing = camera_thing_name("gp", n)
        stream = str((footage_root / thing / "frame_%04d.jpg") if footage_root else f"rtsp://10.20.0.{10 + n}/stream1")
        out.append(
            Camera(
                thing=thing,
                commune_id=commune_id,
                hamlet_id=hamlet,
                site=site,
                name=name,
                location=GeoPoint(lat=round(_CENTRE[0] + 0.002 * (n - 3), 5), lon=round(_CENTRE[1] + 0.0015 * n, 5)),
                stream_url=stream,
                fps=2.0,
                width=640,
                height=360,
            )
        )
    return out


def demo_config(camera: Camera) -> CameraConfig:
    """What the commune's police set up for each site."""
    pavement = ZoneSpec(zone_id="pavement", name="Vỉa hè", polygon=PAVEMENT)
    whole = ZoneSpec(zone_id="whole", name="Toàn khung hình", polygon=WHOLE)
    crossing = RuleSpec(
        rule_id="cross-east",
        name="Người đi qua vạch sang phía đông",
        kind="line_crossing",
        line=((0.5, 0.3), (0.5, 1.0)),
        direction="any",
        severity="minor",
        cooldown_s=30,
    )
    covered = RuleSpec(
        rule_id="covered", name="Camera bị che", kind="camera_health", condition="covered", severity="moderate"
    )
    rules = [crossing, covered]
    if camera.site == "school_gate":
        rules.append(
            RuleSpec(
                rule_id="gate-night",
                name="Có người ở cổng trường ban đêm",
                kind="zone_presence",
                zone_id="pavement",
                window=TimeWindow(start=time(22, 0), end=time(5, 0)),
                severity="severe",
                cooldown_s=300,  # everyone at the gate in the next five minutes is the same occurrence
            )
        )
    if camera.site in ("market", "crossing"):
        rules.append(
            RuleSpec(
                rule_id="crowd", name="Tụ tập đông người", kind="crowding", zone_id="whole", more_than=3, cooldown_s=600
            )
        )
    rules.append(
        RuleSpec(rule_id="loiter", name="Lảng vảng trên vỉa hè", kind="loitering", zone_id="pavement", min_seconds=60)
    )
    return CameraConfig(zones=[pavement, whole], rules=rules)


def camera_policy_document() -> dict[str, Any]:
    """``CameraPolicy`` of template.yaml: a camera uses only its own topics under its own commune."""
    thing = "${iot:Connection.Thing.ThingName}"
    commune = "${iot:Connection.Thing.Attributes[commune]}"
    topic = f"arn:aws:iot:*:*:topic/sc/{commune}/cameras/{thing}"
    topicfilter = f"arn:aws:iot:*:*:topicfilter/sc/{commune}/cameras/{thing}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iot:Connect",
                "Resource": f"arn:aws:iot:*:*:client/{thing}",
                "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}},
            },
            {
                "Effect": "Allow",
                "Action": "iot:Subscribe",
                "Resource": [f"{topicfilter}/cmd", f"{topicfilter}/upload/grant"],
            },
            {"Effect": "Allow", "Action": "iot:Receive", "Resource": [f"{topic}/cmd", f"{topic}/upload/grant"]},
            {
                "Effect": "Allow",
                "Action": "iot:Publish",
                "Resource": [f"{topic}/ack", f"{topic}/health", f"{topic}/upload/request"],
            },
        ],
    }


def seed_iot_cameras(iot: Any, cameras: list[Camera]) -> int:
    try:
        iot.get_policy(policyName=CAMERA_POLICY_NAME)
    except iot.exceptions.ResourceNotFoundException:
        iot.create_policy(policyName=CAMERA_POLICY_NAME, policyDocument=json.dumps(camera_policy_document()))
    created = 0
    for c in cameras:
        try:
            iot.describe_thing(thingName=c.thing)
            continue
        except iot.exceptions.ResourceNotFoundException:
            pass
        iot.create_thing(
            thingName=c.thing,
            attributePayload={"attributes": {"commune": c.commune_id, "hamlet": c.hamlet_id, "site": c.site}},
        )
        cert = iot.create_keys_and_certificate(setAsActive=True)
        iot.attach_policy(policyName=CAMERA_POLICY_NAME, target=cert["certificateArn"])
        iot.attach_thing_principal(thingName=c.thing, principal=cert["certificateArn"])
        created += 1
    return created


def seed_cameras(
    services: Services, commune_ids: tuple[str, ...] = ("giao-phong",), footage_root: Path | None = None
) -> dict[str, int]:
    """Registry records, IoT things and demo zones/rules for the demo cameras; safe to run again."""
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import MERGER_ACTOR
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.cameras.wiring import camera_registry
    from smartcommune.core.aws import client
    from smartcommune.core.contracts import Role

    registry = services.get(camera_registry)
    counts = {"cameras": 0, "things_created": 0, "configured": 0}
    iot = client("iot", services.settings)
    for commune_id in commune_ids:
        cameras = demo_cameras(commune_id, footage_root)
        registry.put_cameras(cameras)
        counts["cameras"] += len(cameras)
        counts["things_created"] += seed_iot_cameras(iot, cameras)
        for camera in cameras:
            if registry.config(commune_id, camera.thing).version:
                continue
            config = demo_config(camera)
            registry.save_config(
                services.get(audit_repository),
                commune_id,
                camera.thing,
                config,
                version=0,
                by="seed",
                at=services.clock(),
                audit=AuditRecord(
                    actor_id=MERGER_ACTOR,
                    actor_role=Role.ADMIN,
                    action="camera.configure",
                    target=f"camera/{camera.thing}",
                    after=config.model_dump(mode="json"),
                ),
            )
            counts["configured"] += 1
    return counts


# ---------------------------------------------------------------- footage


def _boxes(annotation: Path) -> list[tuple[int, int, int, int]]:
    pattern = re.compile(r"\((\d+), (\d+)\) - \((\d+), (\d+)\)")
    out = []
    for line in annotation.read_text(encoding="latin-1").splitlines():
        if line.startswith("Bounding box"):
            m = pattern.search(line)
            if m:
                x1, y1, x2, y2 = (int(v) for v in m.groups())
                out.append((x1 - 1, y1 - 1, x2, y2))
    return out


def _read(cv2: Any, path: Path) -> Any:
    image = cv2.imread(str(path))
    if image is None:
        raise FileNotFoundError(path)
    return image


def compose_sequence(
    out_dir: Path,
    *,
    seed: int = 1,
    frames: int = 120,
    size: tuple[int, int] = (640, 360),
    root: Path = FOOTAGE_DIR,
    walkers: int = 3,
    walk_frames: int | None = None,
) -> int:
    """Write ``frame_%04d.jpg`` (once: an existing sequence is kept); returns how many frames there are."""
    import cv2
    import numpy as np

    out_dir.mkdir(parents=True, exist_ok=True)
    existing = sorted(out_dir.glob("frame_*.jpg"))
    if existing:
        return len(existing)
    rng = random.Random(seed)
    images = sorted((root / "images").glob("*.jpg"))
    background_path = rng.choice(images)
    background = _read(cv2, background_path)
    mask = np.zeros(background.shape[:2], np.uint8)
    for x1, y1, x2, y2 in _boxes(root / "annotations" / (background_path.stem + ".txt")):
        mask[max(0, y1 - 4) : y2 + 4, max(0, x1 - 4) : x2 + 4] = 255
    background = cv2.inpaint(background, mask, 5, cv2.INPAINT_TELEA)
    width, height = size
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_AREA)
    sprites = []
    for path in rng.sample([p for p in images if p != background_path], walkers * 2):
        boxes = _boxes(root / "annotations" / (path.stem + ".txt"))
        if not boxes:
            continue
        x1, y1, x2, y2 = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
        crop = _read(cv2, path)[y1:y2, x1:x2]
        scale = height * 0.62 / crop.shape[0]
        sprites.append(cv2.resize(crop, (max(8, int(crop.shape[1] * scale)), int(crop.shape[0] * scale))))
        if len(sprites) == walkers:
            break
    # each walker crosses the frame once, in turn, with a quiet stretch between them
    per_walk = frames // (len(sprites) + 1)
    crossing = min(per_walk * 3 // 4, walk_frames or per_walk)  # frames a walker takes to cross; then quiet
    for i in range(frames):
        frame = background.copy()
        walk, step = divmod(i, per_walk)
        if walk < len(sprites) and step < crossing:
            sprite = sprites[walk]
            sh, sw = sprite.shape[:2]
            progress = step / max(1, crossing - 1)
            if walk % 2:
                progress = 1 - progress
            x = int(-sw * 0.2 + progress * (width - sw * 0.6))
            y = height - sh - 4
            left, right = max(0, x), min(width, x + sw)
            if right > left:
                frame[y : y + sh, left:right] = sprite[:, left - x : right - x]
        cv2.imwrite(str(out_dir / f"frame_{i:04d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return frames
