"""The local detector: Rekognition's shapes from the CPU models (the cascade) and face blurring.

- ``detect_labels`` is the per-frame path: the person SSDLite alone (~30 ms on one core), run on frames the motion
  gate let through.
- ``confirm`` is the cascade's second stage, run only on a candidate event's frame: the SSDLite, its mirror image
  and MobileNet-SSD VOC fused (people), plus VOC's vehicles.
- ``detect_faces``: BlazeFace on the whole frame and on the head of each person found (small, far faces that the
  192×192 full-frame pass misses); ``blur_faces`` pixelates each face found, enlarged to cover hair and chin.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Final

import cv2
import numpy as np

from smartcommune.vision.contracts import (
    CONFIRM_MIN_CONFIDENCE,
    OPERATING_MIN_CONFIDENCE,
    PERSON,
    VEHICLE_PARENTS,
    BoundingBox,
    DetectFacesResult,
    DetectLabelsResult,
    FaceDetail,
    Instance,
    InvalidImageError,
    Label,
)
from smartcommune.vision.engine.detectors import BlazeFace, Boxes, PersonSsdLite, VocMobileNetSsd, fuse, nms

if TYPE_CHECKING:
    from numpy.typing import NDArray

FRAME_MODEL_VERSION: Final = "local-ssdlite-person-0.2"
CONFIRM_MODEL_VERSION: Final = "local-fused-ssdlite+mobilenetssd-voc"
LOW_FLOOR: Final = 0.05
"""Scores below this are never reported (they only matter to the benchmark's precision-recall curve)."""


def decode(image: bytes) -> NDArray[Any]:
    """BGR pixels of a JPEG/PNG, or :class:`InvalidImageError`."""
    if not image:
        raise InvalidImageError("empty")
    pixels = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    if pixels is None:
        raise InvalidImageError()
    return pixels


def encode_jpeg(pixels: NDArray[Any], quality: int = 85) -> bytes:
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InvalidImageError("cannot encode")
    return bytes(data.tobytes())


def labels_of(boxes: Boxes, min_confidence: float, version: str) -> DetectLabelsResult:
    """Rekognition's ``Labels``: one per name, its ``Confidence`` that of its best instance, instances best first."""
    by_name: dict[str, list[Instance]] = {}
    for corners, score, name in zip(boxes.corners, boxes.scores, boxes.names, strict=True):
        confidence = round(float(score) * 100, 3)
        if confidence < min_confidence:
            continue
        box = BoundingBox.from_corners(*(float(c) for c in corners))
        if box.Width <= 0 or box.Height <= 0:
            continue
        by_name.setdefault(name, []).append(Instance(BoundingBox=box, Confidence=confidence))
    labels = []
    for name, instances in by_name.items():
        instances.sort(key=lambda i: -i.Confidence)
        parents = VEHICLE_PARENTS.get(name, [])
        labels.append(Label(Name=name, Confidence=instances[0].Confidence, Instances=instances, Parents=parents))
    labels.sort(key=lambda label: -label.Confidence)
    return DetectLabelsResult(Labels=labels, LabelModelVersion=version)


class LocalDetector:
    """The models are built on first use, each once per process (a Lambda container)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._person: PersonSsdLite | None = None
        self._voc: VocMobileNetSsd | None = None
        self._faces: BlazeFace | None = None

    def _get_person(self) -> PersonSsdLite:
        with self._lock:
            if self._person is None:
                self._person = PersonSsdLite()
            return self._person

    def _get_voc(self) -> VocMobileNetSsd:
        with self._lock:
            if self._voc is None:
                self._voc = VocMobileNetSsd()
            return self._voc

    def _get_faces(self) -> BlazeFace:
        with self._lock:
            if self._faces is None:
                self._faces = BlazeFace()
            return self._faces

    # ------------------------------------------------------------------ boxes (pixels in, relative boxes out)

    def frame_boxes(self, pixels: NDArray[Any]) -> Boxes:
        """The per-frame path's people."""
        return self._get_person().detect(pixels).above(LOW_FLOOR)

    def confirm_boxes(self, pixels: NDArray[Any]) -> Boxes:
        """People fused from three runs, and the vehicles of MobileNet-SSD VOC."""
        person = self._get_person()
        voc = self._get_voc().detect(pixels)
        people = fuse([person.detect(pixels), person.detect(pixels, flip=True), voc.only(PERSON)], iou=0.55)
        vehicles = Boxes.join([voc.only(n) for n in sorted(set(voc.names) - {PERSON})])
        return Boxes.join([people, vehicles]).above(LOW_FLOOR)

    def face_boxes(self, pixels: NDArray[Any], people: Boxes | None = None) -> Boxes:
        """Faces on the whole frame, and in the head region of each person (far faces are a few pixels wide)."""
        faces = self._get_faces()
        found = [faces.detect(pixels)]
        h, w = pixels.shape[:2]
        people = people if people is not None else self.frame_boxes(pixels).above(0.3)
        for x1, y1, x2, y2 in people.corners:
            bw, bh = (x2 - x1), (y2 - y1)
            head = (max(x1 - 0.15 * bw, 0.0), max(y1 - 0.05 * bh, 0.0), min(x2 + 0.15 * bw, 1.0), y1 + 0.4 * bh)
            px1, py1, px2, py2 = int(head[0] * w), int(head[1] * h), int(head[2] * w), int(min(head[3], 1.0) * h)
            if px2 - px1 < 8 or py2 - py1 < 8:
                continue
            crop = faces.detect(pixels[py1:py2, px1:px2])
            if len(crop):
                cw, ch = (px2 - px1) / w, (py2 - py1) / h
                corners = crop.corners * np.array([cw, ch, cw, ch], np.float32) + np.array(
                    [px1 / w, py1 / h, px1 / w, py1 / h], np.float32
                )
                found.append(Boxes(corners.astype(np.float32), crop.scores, crop.names))
        joined = Boxes.join(found)
        if not len(joined):
            return joined
        keep = nms(joined.corners, joined.scores, 0.3)
        return Boxes(joined.corners[keep], joined.scores[keep], tuple(joined.names[i] for i in keep))

    # ------------------------------------------------------------------ the Detector protocol

    def detect_labels(self, image: bytes, min_confidence: float | None = None) -> DetectLabelsResult:
        threshold = OPERATING_MIN_CONFIDENCE if min_confidence is None else min_confidence
        return labels_of(self.frame_boxes(decode(image)), threshold, FRAME_MODEL_VERSION)

    def confirm(self, image: bytes, min_confidence: float | None = None) -> DetectLabelsResult:
        threshold = CONFIRM_MIN_CONFIDENCE if min_confidence is None else min_confidence
        return labels_of(self.confirm_boxes(decode(image)), threshold, CONFIRM_MODEL_VERSION)

    def detect_faces(self, image: bytes) -> DetectFacesResult:
        boxes = self.face_boxes(decode(image))
        return DetectFacesResult(
            FaceDetails=[
                FaceDetail(BoundingBox=BoundingBox.from_corners(*map(float, c)), Confidence=round(float(s) * 100, 3))
                for c, s in zip(boxes.corners, boxes.scores, strict=True)
            ]
        )

    def blur_faces(self, image: bytes) -> bytes:
        pixels = decode(image)
        return encode_jpeg(pixelate(pixels, self.face_boxes(pixels).corners))


def pixelate(pixels: NDArray[Any], corners: NDArray[Any], *, grow: float = 0.25) -> NDArray[Any]:
    """A copy with each region (relative corners, enlarged by ``grow`` on each side) reduced to 6×6 blocks and
    smoothed: no feature of the face survives, and the region stays visibly a redaction."""
    out = pixels.copy()
    h, w = out.shape[:2]
    for x1, y1, x2, y2 in corners:
        bw, bh = (x2 - x1) * w, (y2 - y1) * h
        px1, py1 = max(int(x1 * w - grow * bw), 0), max(int(y1 * h - grow * bh), 0)
        px2, py2 = min(int(x2 * w + grow * bw) + 1, w), min(int(y2 * h + grow * bh) + 1, h)
        if px2 - px1 < 2 or py2 - py1 < 2:
            continue
        region = out[py1:py2, px1:px2]
        small = cv2.resize(region, (6, 6), interpolation=cv2.INTER_AREA)
        blocks = cv2.resize(small, (px2 - px1, py2 - py1), interpolation=cv2.INTER_NEAREST)
        out[py1:py2, px1:px2] = blocks
    return out
