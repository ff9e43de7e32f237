"""Vision results in Amazon Rekognition's shapes (``DetectLabels``, ``DetectFaces``), and the rules' inputs and outputs.

Field names are Rekognition's (PascalCase) so a result from the local CPU models and one from Rekognition are the
same document: ``Confidence`` is 0–100, a ``BoundingBox`` is ratios of the image's width and height (0..1) measured
from its top-left corner. Label names are Rekognition's ("Person", "Car", "Motorcycle", "Bicycle", "Bus").
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

OPERATING_MIN_CONFIDENCE = 55.0
"""The per-frame path's threshold for alerts (and ``detect_labels``' default, like Rekognition's ``MinConfidence``
of 55): measured on the Fudan set by ``make bench`` (``.bench/vision.json``)."""
CONFIRM_MIN_CONFIDENCE = 45.0
"""The fused confirmation's threshold: fused scores average over the models, a box one model missed scores lower."""

PERSON = "Person"
CAR = "Car"
MOTORCYCLE = "Motorcycle"
BICYCLE = "Bicycle"
BUS = "Bus"
VEHICLE_PARENTS: dict[str, list[dict[str, str]]] = {
    CAR: [{"Name": "Vehicle"}, {"Name": "Transportation"}],
    MOTORCYCLE: [{"Name": "Vehicle"}, {"Name": "Transportation"}],
    BICYCLE: [{"Name": "Vehicle"}, {"Name": "Transportation"}],
    BUS: [{"Name": "Vehicle"}, {"Name": "Transportation"}],
}
"""Rekognition lists a label's parents in its taxonomy; a rule on "Vehicle" can match any of these."""


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class BoundingBox(_Shape):
    """Relative box, as Rekognition returns it: ``Left``/``Top`` of the top-left corner, ``Width``/``Height``."""

    Left: float = Field(ge=0.0, le=1.0)
    Top: float = Field(ge=0.0, le=1.0)
    Width: float = Field(ge=0.0, le=1.0)
    Height: float = Field(ge=0.0, le=1.0)

    @classmethod
    def from_corners(cls, x1: float, y1: float, x2: float, y2: float) -> BoundingBox:
        """From relative corners, clipped to the image."""
        left, top = min(max(x1, 0.0), 1.0), min(max(y1, 0.0), 1.0)
        right, bottom = min(max(x2, 0.0), 1.0), min(max(y2, 0.0), 1.0)
        return cls(Left=left, Top=top, Width=max(right - left, 0.0), Height=max(bottom - top, 0.0))

    @property
    def corners(self) -> tuple[float, float, float, float]:
        return self.Left, self.Top, self.Left + self.Width, self.Top + self.Height

    @property
    def centre(self) -> tuple[float, float]:
        return self.Left + self.Width / 2, self.Top + self.Height / 2

    @property
    def foot(self) -> tuple[float, float]:
        """The middle of the bottom edge: where a person or a vehicle touches the ground (what zones are about)."""
        return self.Left + self.Width / 2, self.Top + self.Height

    def iou(self, other: BoundingBox) -> float:
        ax1, ay1, ax2, ay2 = self.corners
        bx1, by1, bx2, by2 = other.corners
        inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
        union = self.Width * self.Height + other.Width * other.Height - inter
        return inter / union if union > 0 else 0.0


Box = BoundingBox
"""An alias, so models can name a field ``BoundingBox`` (Rekognition's name) of this type."""


class Instance(_Shape):
    BoundingBox: Box
    Confidence: float = Field(ge=0.0, le=100.0)


class Label(_Shape):
    Name: str
    Confidence: float = Field(ge=0.0, le=100.0)
    Instances: list[Instance] = Field(default_factory=list)
    Parents: list[dict[str, Any]] = Field(default_factory=list)


class DetectLabelsResult(_Shape):
    Labels: list[Label] = Field(default_factory=list)
    LabelModelVersion: str

    def instances(self, name: str) -> list[Instance]:
        """Every instance of the label ``name`` (none when it was not seen)."""
        return [i for label in self.Labels if label.Name == name for i in label.Instances]

    def to_rekognition(self) -> dict[str, Any]:
        """The JSON document Rekognition's ``DetectLabels`` would return."""
        return self.model_dump(mode="json")


class FaceDetail(_Shape):
    BoundingBox: Box
    Confidence: float = Field(ge=0.0, le=100.0)


class DetectFacesResult(_Shape):
    FaceDetails: list[FaceDetail] = Field(default_factory=list)


class Detection(_Shape):
    """One object in one frame, flattened from a label's instance: what the tracker consumes."""

    Name: str
    Confidence: float = Field(ge=0.0, le=100.0)
    BoundingBox: Box


def detections_of(result: DetectLabelsResult) -> list[Detection]:
    """The instances of a ``DetectLabels`` result, one :class:`Detection` each."""
    return [
        Detection(Name=label.Name, Confidence=i.Confidence, BoundingBox=i.BoundingBox)
        for label in result.Labels
        for i in label.Instances
    ]


class InvalidImageError(ValueError):
    """The bytes are not an image OpenCV can decode (Rekognition: ``InvalidImageFormatException``)."""

    def __init__(self, reason: str = "not a JPEG or PNG image") -> None:
        super().__init__(f"Ảnh không đọc được / invalid image: {reason}")


class Detector(Protocol):
    """What analyses a frame: the local CPU models, or Amazon Rekognition behind the same shapes."""

    def detect_labels(self, image: bytes, min_confidence: float | None = None) -> DetectLabelsResult:
        """The per-frame path (fast; people): instances at or above ``min_confidence`` (default: the operating
        threshold, :data:`OPERATING_MIN_CONFIDENCE`)."""
        ...

    def confirm(self, image: bytes, min_confidence: float | None = None) -> DetectLabelsResult:
        """The slower, more accurate path for a candidate event: people fused from several models, and vehicles
        (default threshold :data:`CONFIRM_MIN_CONFIDENCE`)."""
        ...

    def detect_faces(self, image: bytes) -> DetectFacesResult: ...

    def blur_faces(self, image: bytes) -> bytes:
        """A JPEG of ``image`` with every face found strongly pixelated (what non-police roles may see)."""
        ...
