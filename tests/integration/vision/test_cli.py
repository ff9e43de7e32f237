"""``smartcommune vision detect`` prints, per image, exactly what Rekognition's DetectLabels would return.

botocore ships Rekognition's service model: its ``DetectLabels`` output shape is the independent check of the
field names, types and nesting (an unknown or mistyped field fails the validation).
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.validate import ParamValidator

from smartcommune.vision.contracts import OPERATING_MIN_CONFIDENCE
from smartcommune.vision.engine.sequences import PennFudan
from smartcommune_local.cli import main


@pytest.fixture(scope="module")
def detect_labels_output():
    model = botocore.session.get_session().get_service_model("rekognition")
    return model.operation_model("DetectLabels").output_shape, model.operation_model("DetectFaces").output_shape


def _validate(document: dict, shape) -> None:
    report = ParamValidator().validate(document, shape)
    assert not report.has_errors(), report.generate_report()


def test_one_rekognition_document_per_image(capsys, detect_labels_output):
    labels_shape, faces_shape = detect_labels_output
    data = PennFudan()
    paths = [str(data.image_path(n)) for n in ("FudanPed00001", "FudanPed00009")]
    # When two photos are analysed with the default threshold, faces included
    assert main(["vision", "detect", "--faces", *paths]) == 0
    lines = capsys.readouterr().out.splitlines()
    # Then there is one JSON object per line and image, in order
    documents = [json.loads(line) for line in lines]
    assert [d["Image"] for d in documents] == paths
    for document in documents:
        labels = {k: v for k, v in document.items() if k in ("Labels", "LabelModelVersion")}
        faces = {k: v for k, v in document.items() if k == "FaceDetails"}
        assert set(document) == {"Image", "Labels", "LabelModelVersion", "FaceDetails"}
        _validate(labels, labels_shape)
        _validate(faces, faces_shape)
        people = next(label for label in document["Labels"] if label["Name"] == "Person")
        for instance in people["Instances"]:
            box = instance["BoundingBox"]
            assert set(box) == {"Left", "Top", "Width", "Height"}
            assert 0 <= box["Left"] <= 1 and 0 <= box["Width"] <= 1 and box["Left"] + box["Width"] <= 1.0001
            assert OPERATING_MIN_CONFIDENCE <= instance["Confidence"] <= 100
    assert len(documents[0]["Labels"][0]["Instances"]) == 2  # the two walkers of the first photo


def test_min_confidence_filters_like_rekognition(capsys):
    path = str(PennFudan().image_path("FudanPed00009"))
    main(["vision", "detect", "--min-confidence", "20", path])
    low = json.loads(capsys.readouterr().out)
    main(["vision", "detect", "--min-confidence", "95", path])
    high = json.loads(capsys.readouterr().out)

    def confidences(document: dict) -> list[float]:
        return [i["Confidence"] for label in document["Labels"] for i in label["Instances"]]

    assert min(confidences(high)) >= 95
    assert len(confidences(low)) > len(confidences(high))


def test_an_unreadable_file_is_reported_and_fails_the_command(capsys, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really")
    assert main(["vision", "detect", str(broken)]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["Image"] == str(broken) and "invalid image" in document["Error"]
