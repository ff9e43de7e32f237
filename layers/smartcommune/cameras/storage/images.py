"""Cropping a frame to an event's boxes (OpenCV; the analysis function has it for the vision engine anyway)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.cameras.contracts import EventBox

MARGIN = 0.15


class Cropper:
    def crop(self, image: bytes, boxes: Sequence[EventBox]) -> bytes:
        """The union of ``boxes`` with a margin (the whole frame when there are none), as JPEG."""
        import cv2
        import numpy as np

        frame = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
        if frame is None or not boxes:
            return image
        h, w = frame.shape[:2]
        x1 = min(b.left for b in boxes) - MARGIN * max(b.width for b in boxes)
        y1 = min(b.top for b in boxes) - MARGIN * max(b.height for b in boxes)
        x2 = max(b.left + b.width for b in boxes) + MARGIN * max(b.width for b in boxes)
        y2 = max(b.top + b.height for b in boxes) + MARGIN * max(b.height for b in boxes)
        left, top = max(0, int(x1 * w)), max(0, int(y1 * h))
        right, bottom = min(w, int(x2 * w) + 1), min(h, int(y2 * h) + 1)
        if right - left < 8 or bottom - top < 8:
            return image
        ok, encoded = cv2.imencode(".jpg", frame[top:bottom, left:right], [cv2.IMWRITE_JPEG_QUALITY, 85])
        return bytes(encoded) if ok else image
