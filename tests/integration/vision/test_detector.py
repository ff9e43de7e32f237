"""The local detector finds the annotated people of real street photos, and blurring hides the faces it finds."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from smartcommune.vision.contracts import OPERATING_MIN_CONFIDENCE, InvalidImageError
from smartcommune.vision.engine.local import LocalDetector
from smartcommune.vision.engine.sequences import PennFudan

PHOTOS = ("FudanPed00001", "FudanPed00010", "FudanPed00035", "FudanPed00059")


@pytest.fixture(scope="module")
def detector() -> LocalDetector:
    return LocalDetector()


@pytest.fixture(scope="module")
def data() -> PennFudan:
    return PennFudan()


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


@pytest.mark.parametrize("name", PHOTOS)
def test_every_annotated_person_is_found_on_both_paths(detector, data, name):
    # Given a street photo with its people annotated
    image = data.image_path(name).read_bytes()
    height, width = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR).shape[:2]
    truth = data.relative_boxes(name, width, height)
    for result in (detector.detect_labels(image), detector.confirm(image)):
        # When it is analysed, every annotated person has a Person instance over it (IoU >= 0.5)
        found = [i.BoundingBox.corners for i in result.instances("Person")]
        assert all(i.Confidence >= OPERATING_MIN_CONFIDENCE for i in result.instances("Person"))
        for box in truth:
            assert max((_iou(box, f) for f in found), default=0.0) >= 0.5, (name, result.LabelModelVersion, box)


def test_a_street_with_parked_bicycles_shows_bicycles_when_confirming(detector, data):
    result = detector.confirm(data.image_path("FudanPed00009").read_bytes(), min_confidence=30)
    assert "Bicycle" in {label.Name for label in result.Labels}
    bicycle = next(label for label in result.Labels if label.Name == "Bicycle")
    assert {"Name": "Vehicle"} in bicycle.Parents


def test_blurring_destroys_the_detail_of_every_face_found(detector, data):
    # Given a photo where faces are found
    image = data.image_path("FudanPed00001").read_bytes()
    faces = detector.detect_faces(image).FaceDetails
    assert len(faces) == 2
    # When it is blurred
    blurred = detector.blur_faces(image)
    original = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR).astype(np.float32)
    after = cv2.imdecode(np.frombuffer(blurred, np.uint8), cv2.IMREAD_COLOR).astype(np.float32)
    assert blurred[:2] == b"\xff\xd8" and after.shape == original.shape  # a JPEG of the same picture
    h, w = original.shape[:2]
    for face in faces:
        box = face.BoundingBox
        x1, y1 = int(box.Left * w), int(box.Top * h)
        x2, y2 = int((box.Left + box.Width) * w), int((box.Top + box.Height) * h)
        before_region, after_region = original[y1:y2, x1:x2], after[y1:y2, x1:x2]
        # Then the face's fine detail (edges) is gone: far less high-frequency energy than before
        detail_before = np.abs(cv2.Laplacian(before_region, cv2.CV_32F)).mean()
        detail_after = np.abs(cv2.Laplacian(after_region, cv2.CV_32F)).mean()
        assert detail_after < 0.35 * detail_before
        # and no face is found there any more
    assert all(f.Confidence < 60 for f in detector.detect_faces(blurred).FaceDetails)
    # while the picture away from the faces is the same (up to JPEG re-encoding)
    assert np.abs(original[h - 60 :, :] - after[h - 60 :, :]).mean() < 3.0


def test_bytes_that_are_not_an_image_are_refused(detector):
    with pytest.raises(InvalidImageError, match="invalid image"):
        detector.detect_labels(b"not a jpeg")


def test_the_heads_of_people_seen_from_behind_are_blurred_too(detector, data):
    # Given a shopping street where some people walk away from the camera (no face to find)
    image = data.image_path("FudanPed00044").read_bytes()
    original = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR).astype(np.float32)
    after = cv2.imdecode(np.frombuffer(detector.blur_faces(image), np.uint8), cv2.IMREAD_COLOR).astype(np.float32)
    h, w = original.shape[:2]
    people = detector.detect_labels(image).instances("Person")
    assert len(people) >= 3
    # Then the top of every person found has lost its detail, faces found or not
    for person in people:
        box = person.BoundingBox
        cx, top = box.Left + box.Width / 2, box.Top
        x1, x2 = int((cx - box.Width * 0.15) * w), int((cx + box.Width * 0.15) * w)
        y1, y2 = int(top * h), int((top + box.Height * 0.12) * h)
        before = np.abs(cv2.Laplacian(original[y1:y2, x1:x2], cv2.CV_32F)).mean()
        blurred = np.abs(cv2.Laplacian(after[y1:y2, x1:x2], cv2.CV_32F)).mean()
        assert blurred < 0.5 * before, (box, before, blurred)
