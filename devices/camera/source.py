"""Frames from a stream with OpenCV's ``VideoCapture``: ``rtsp://…`` in the field, a video file or an image
sequence (``dir/frame_%04d.jpg``) locally — the same code path. A file or a sequence is replayed from the start
when it ends (a simulated camera never runs out); a stream that stops is reopened after a pause.
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger("devices.camera")


class FrameSource:
    def __init__(self, url: str, *, loop: bool = True) -> None:
        self.url = url
        self.loop = loop
        self._capture: Any = None
        self.failures = 0

    def open(self) -> bool:
        import cv2

        self.close()
        self._capture = cv2.VideoCapture(self.url)
        ok = bool(self._capture.isOpened())
        if not ok:
            log.warning("cannot open camera stream %s", self.url)
        return ok

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def read(self) -> Any | None:
        """The next frame (BGR ndarray), or None when the stream gave nothing (it is reopened next time)."""
        if self._capture is None and not self.open():
            self.failures += 1
            return None
        ok, frame = self._capture.read()
        if ok:
            self.failures = 0
            return frame
        if self.loop and self.open():  # end of a file or sequence: replay
            ok, frame = self._capture.read()
            if ok:
                return frame
        self.failures += 1
        self.close()
        time.sleep(min(5.0, 0.2 * self.failures))
        return None
