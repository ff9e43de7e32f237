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
            return self._analyse()
        changed = float((np.abs(grey - background) > self.pixel_threshold).mean())
        self.last = FrameStats(float(grey.mean()), float(grey.std()), changed)
        # the background follows slow changes (light, shadows); a passing object barely marks it
        background += self.alpha * (grey - background)
        if changed >= self.min_changed or self._since_analysed + 1 >= self.keyframe_every:
            return self._analyse()
        self._since_analysed += 1
        return False

    def _analyse(self) -> bool:
        self._since_analysed = 0
        self.analysed += 1
        return True

    @property
    def skipped_ratio(self) -> float:
        return 1 - self.analysed / self.frames if self.frames else 0.0
