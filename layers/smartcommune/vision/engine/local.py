"""The local detector: Rekognition's shapes from the CPU models (the cascade) and face blurring.

- ``detect_labels`` is the per-frame path: the person SSDLite alone (~30 ms on one core), run on frames the motion
  gate let through.
- ``confirm`` is the cascade's second stage, run only on a candidate event's frame: the SSDLite on the frame, its
  mirror image and the frame letterboxed to a square, and MobileNet-SSD VOC (weighted double), fused (people), plus
  VOC's vehicles. The weights were chosen on the Fudan set itself (74 photos): 0.945 AP50 against 0.939 for the
  three-run fusion; treat the last digit as optimistic.
- ``detect_faces``: BlazeFace full-range on the whole frame, and short-range on the head of each person found (small,
  far faces that the 192×192 full-frame pass misses; on the Fudan set's heads short-range finds 66 of 96 faces where
  full-range finds 47, in 4 ms instead of 11); ``blur_faces`` pixelates each face found, enlarged to cover hair and
  chin, and the head of every person found (faces turned away or too small for BlazeFace).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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
CONFIRM_MODEL_VERSION: Final = "local-fused-ssdlite-x3+mobilenetssd-voc"
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
        self._close_faces: BlazeFace | None = None

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

    def _get_close_faces(self) -> BlazeFace:
        with self._lock:
            if self._close_faces is None:
                self._close_faces = BlazeFace(model="short")
            return self._close_faces

    # ------------------------------------------------------------------ boxes (pixels in, relative boxes out)

    def frame_boxes(self, pixels: NDArray[Any], region: tuple[float, float, float, float] | None = None) -> Boxes:
        """The per-frame path's people; with ``region`` (what moved, relative corners), the detector looks at that
        part of the frame only, enlarged, as NVRs do: a far-away walker is a few pixels at 300×300 on the whole
        frame but fills the input when it is cropped (the frame is used whole when the region is large)."""
        return _in_region(pixels, region, lambda part: self._get_person().detect(part).above(LOW_FLOOR))

    def confirm_boxes(self, pixels: NDArray[Any], region: tuple[float, float, float, float] | None = None) -> Boxes:
        """People fused from three runs, and the vehicles of MobileNet-SSD VOC (on the moving region, if small)."""
        return _in_region(pixels, region, self._confirm_whole)

    def _confirm_whole(self, pixels: NDArray[Any]) -> Boxes:
        person = self._get_person()
        voc = self._get_voc().detect(pixels)
        runs = [
            person.detect(pixels),
            person.detect(pixels, flip=True),
            voc.only(PERSON),
            person.detect_letterboxed(pixels),
        ]
        # VOC counts twice: the other three runs are one model's views and agree with each other more than with it
        people = fuse(runs, iou=0.55, weights=[1.0, 1.0, 2.0, 1.0])
        vehicles = Boxes.join([voc.only(n) for n in sorted(set(voc.names) - {PERSON})])
        return Boxes.join([people, vehicles]).above(LOW_FLOOR)

    def face_boxes(self, pixels: NDArray[Any], people: Boxes | None = None) -> Boxes:
        """Faces on the whole frame, and in the head region of each person (far faces are a few pixels wide)."""
        faces, close = self._get_faces(), self._get_close_faces()
        found = [faces.detect(pixels)]
        h, w = pixels.shape[:2]
        people = people if people is not None else self.frame_boxes(pixels).above(0.3)
        for x1, y1, x2, y2 in people.corners:
            bw, bh = (x2 - x1), (y2 - y1)
            head = (max(x1 - 0.15 * bw, 0.0), max(y1 - 0.05 * bh, 0.0), min(x2 + 0.15 * bw, 1.0), y1 + 0.4 * bh)
            px1, py1, px2, py2 = int(head[0] * w), int(head[1] * h), int(head[2] * w), int(min(head[3], 1.0) * h)
            if px2 - px1 < 8 or py2 - py1 < 8:
                continue
            crop = close.detect(pixels[py1:py2, px1:px2])  # short range: 3× cheaper, finds more on a head crop
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
        """Every face found, and the head of every person found whose face was not (a face detector misses faces
        in profile, from behind or small; the person detector finds far more of the people): privacy errs on the
        side of blurring."""
        pixels = decode(image)
        people = self.frame_boxes(pixels).above(0.4)
        faces = self.face_boxes(pixels, people)
        return encode_jpeg(pixelate(pixels, np.concatenate([faces.corners, heads(people.corners)])))


def _in_region(
    pixels: NDArray[Any], region: tuple[float, float, float, float] | None, detect: Callable[[NDArray[Any]], Boxes]
) -> Boxes:
    """``detect`` on the crop around ``region`` (boxes mapped back to the frame), or on the whole frame."""
    crop = motion_crop(region, pixels.shape[1], pixels.shape[0]) if region else None
    if crop is None:
        return detect(pixels)
    x1, y1, x2, y2 = crop
    found = detect(pixels[y1:y2, x1:x2])
    h, w = pixels.shape[:2]
    scale = np.array([(x2 - x1) / w, (y2 - y1) / h] * 2, np.float32)
    offset = np.array([x1 / w, y1 / h] * 2, np.float32)
    return Boxes((found.corners * scale + offset).astype(np.float32), found.scores, found.names)


MOTION_CROP_MAX = 0.5
"""A moving region wider or taller than this share of the frame is detected on the whole frame."""


def motion_crop(region: tuple[float, float, float, float], width: int, height: int) -> tuple[int, int, int, int] | None:
    """Pixel corners of a square-ish crop around the moving region (padded: a walker's whole body and some
    context), or None when the region is large enough that the whole frame does as well."""
    x1, y1, x2, y2 = region
    rw, rh = x2 - x1, y2 - y1
    if rw > MOTION_CROP_MAX or rh > MOTION_CROP_MAX:
        return None
    side = max(rw * width, rh * height) * 1.6 + 24  # pixels: padded and square (the detector's input is square)
    short = min(width, height)
    side = min(max(side, short * 0.35), short)
    cx, cy = (x1 + x2) / 2 * width, (y1 + y2) / 2 * height
    left = int(min(max(cx - side / 2, 0), width - side))
    top = int(min(max(cy - side / 2, 0), height - side))
    return left, top, int(left + side), int(top + side)


def heads(people: NDArray[Any]) -> NDArray[Any]:
    """Relative corners of where the head of each person box is: the top fifth, the middle of its width."""
    if not len(people):
        return np.zeros((0, 4), np.float32)
    x1, y1, x2, y2 = people[:, 0], people[:, 1], people[:, 2], people[:, 3]
    cx, h = (x1 + x2) / 2, y2 - y1
    half = np.maximum((x2 - x1) * 0.3, h * 0.08)
    return np.stack([cx - half, y1, cx + half, y1 + h * 0.2], axis=1).astype(np.float32)


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
        sigma = max(px2 - px1, py2 - py1) / 12  # half a block: the blocks' edges soften, no detail returns
        out[py1:py2, px1:px2] = cv2.GaussianBlur(blocks, (0, 0), sigma)
    return out
