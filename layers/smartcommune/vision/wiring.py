"""Factories of the vision engine (pattern: ``smartcommune.core.wiring``); imports stay inside the functions.

``detector(services)`` is the public service other capabilities (cameras) analyse frames with. Importing this
module loads neither cv2 nor numpy: the API's Lambda imports it at cold start and never pays for OpenCV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.vision.contracts import Detector


def detector(services: Services) -> Detector:
    """The local CPU detector (OpenCV DNN on the packaged models), built once per process."""
    del services  # no setting chooses another engine yet; Rekognition would be selected here
    from smartcommune.vision.engine.local import LocalDetector

    return LocalDetector()
