"""Motion gating, as good NVRs do: a frame that differs from the scene's background too little skips inference.

Pure numpy (no cv2): the frame is subsampled by striding to about 96 pixels wide, turned to grey, and compared with
a running-average background. A frame is analysed when enough of it changed, on the first frame, and every
``keyframe_every`` frames anyway (so an object that stopped moving keeps its track fresh). The same statistics tell
whether the lens looks covered (a nearly uniform picture).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray


@dataclass(frozen=True)
class FrameStats:
    """Brightness (0–255) and contrast (standard deviation) of the subsampled grey frame, and the changed share."""

    brightness: float
    contrast: float
    changed: float
    region: tuple[float, float, float, float] | None = None
    """Relative corners of what changed (None: nothing, or the whole frame is new)."""


COVERED_CONTRAST = 6.0
"""Below this standard deviation of grey levels a frame is one flat colour: a covered or blinded lens."""


def looks_covered(stats: FrameStats) -> bool:
    return stats.contrast < COVERED_CONTRAST


class MotionGate:
    """``should_analyse(frame)`` for a stream of frames of one camera (BGR or grey ``uint8`` arrays)."""

    def __init__(
        self,
        *,
        pixel_threshold: int = 25,
        min_changed: float = 0.004,
        alpha: float = 0.08,
        keyframe_every: int = 50,
        width: int = 96,
    ) -> None:
        self.pixel_threshold = pixel_threshold
        self.min_changed = min_changed
        self.alpha = alpha
        self.keyframe_every = keyframe_every
        self.width = width
        self._background: NDArray[np.float32] | None = None
        self._since_analysed = 0
        self.last: FrameStats | None = None
        self.reason = ""
        """Why the last frame was analysed: "first", "motion" or "keyframe" ("" when it was skipped)."""
        self.frames = 0
        self.analysed = 0

    def _grey(self, frame: NDArray[np.uint8]) -> NDArray[np.float32]:
        step = max(1, frame.shape[1] // self.width)
        small = frame[::step, ::step]
        if small.ndim == 3:
            # ITU-R BT.601 luma of BGR
            return (small[..., 0] * 0.114 + small[..., 1] * 0.587 + small[..., 2] * 0.299).astype(np.float32)
        return small.astype(np.float32)

    def should_analyse(self, frame: NDArray[np.uint8]) -> bool:
        grey = self._grey(frame)
        self.frames += 1
        background = self._background
        if background is None or background.shape != grey.shape:
            self._background = grey
            self.last = FrameStats(float(grey.mean()), float(grey.std()), 1.0)
            return self._analyse("first")
        moved = np.abs(grey - background) > self.pixel_threshold
        changed = float(moved.mean())
        self.last = FrameStats(float(grey.mean()), float(grey.std()), changed, _region(moved))
        # the background follows slow changes (light, shadows); a passing object barely marks it
        background += self.alpha * (grey - background)
        if changed >= self.min_changed:
            return self._analyse("motion")
        if self._since_analysed + 1 >= self.keyframe_every:
            return self._analyse("keyframe")
        self._since_analysed += 1
        self.reason = ""
        return False

    def _analyse(self, reason: str) -> bool:
        self.reason = reason
        self._since_analysed = 0
        self.analysed += 1
        return True

    @property
    def skipped_ratio(self) -> float:
        return 1 - self.analysed / self.frames if self.frames else 0.0


def _region(moved: NDArray[np.bool_]) -> tuple[float, float, float, float] | None:
    """The box around the changed cells, ignoring rows and columns with a single changed cell (sensor noise)."""
    rows = np.nonzero(moved.sum(axis=1) >= 2)[0]
    cols = np.nonzero(moved.sum(axis=0) >= 2)[0]
    if not len(rows) or not len(cols):
        return None
    h, w = moved.shape
    return float(cols[0] / w), float(rows[0] / h), float((cols[-1] + 1) / w), float((rows[-1] + 1) / h)
