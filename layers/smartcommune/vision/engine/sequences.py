"""Replayed camera sequences from real photos: people from the Penn-Fudan set walking across a static street.

For simulated cameras (``make up``), benchmarks and tests. A :class:`Scene` is a background (a Fudan photo with its
annotated people covered by the street beside them) and :class:`Walker` s: a person cut out of another photo (a
feathered ellipse over their annotated box) moving along timed waypoints, mirrored to face where they walk, smaller
when farther up the picture. Frames carry sensor noise (so a motion gate meets a live camera's flicker) and the
ground truth (each walker's box).

``write_sequence`` saves JPEG frames as ``frame_00000.jpg`` … which ``cv2.VideoCapture(folder / "frame_%05d.jpg")``
reads like a stream: the edge agent's code path for a file, an image sequence or an RTSP URL is the same.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

DATA_VARIABLE = "SMARTCOMMUNE_PENNFUDAN_DIR"
BACKGROUNDS = ("FudanPed00068", "FudanPed00013", "FudanPed00066", "FudanPed00020")
"""Photos with few annotated people (painted out) and an open street or forecourt."""
SPRITES = (
    "FudanPed00002", "FudanPed00003", "FudanPed00005", "FudanPed00011", "FudanPed00013", "FudanPed00014",
    "FudanPed00015", "FudanPed00018", "FudanPed00020", "FudanPed00021", "FudanPed00023", "FudanPed00027",
    "FudanPed00030", "FudanPed00033", "FudanPed00034", "FudanPed00035", "FudanPed00037", "FudanPed00038",
    "FudanPed00066", "FudanPed00067", "FudanPed00068", "FudanPed00069", "FudanPed00070", "FudanPed00072",
)  # fmt: skip
"""Photos whose largest annotated person stands clear of the others (a clean cut-out)."""

_BOX = re.compile(r"\((\d+), (\d+)\) - \((\d+), (\d+)\)")


def pennfudan_dir() -> Path:
    """The Fudan data: ``$SMARTCOMMUNE_PENNFUDAN_DIR``, else ``shared/data/pennfudan-fudan`` beside a parent of the
    working directory or of this file (the repository's ``../shared``), else beside the repository a clone was made
    from (a fresh clone in a temporary folder still finds the data of the checkout it came from)."""
    configured = os.environ.get(DATA_VARIABLE)
    if configured:
        return Path(configured)
    starts = [Path.cwd(), Path(__file__).resolve()]
    starts += [origin for start in starts[:] if (origin := _origin_checkout(start)) is not None]
    for start in starts:
        for parent in [start, *start.parents]:
            candidate = parent / "shared" / "data" / "pennfudan-fudan"
            if (candidate / "images").is_dir():
                return candidate
    raise FileNotFoundError(f"Penn-Fudan (Fudan part) not found: set {DATA_VARIABLE}")


def _origin_checkout(start: Path) -> Path | None:
    """The local folder the repository around ``start`` was cloned from (its ``origin`` remote), if any."""
    for parent in [start, *start.parents]:
        config = parent / ".git" / "config"
        if config.is_file():
            match = re.search(r'\[remote "origin"\][^\[]*?url\s*=\s*(\S+)', config.read_text(encoding="utf-8"))
            url = match.group(1) if match else ""
            path = Path(url.removeprefix("file://")) if url and "://" not in url.removeprefix("file://") else None
            return path.resolve() if path is not None and path.is_dir() else None
    return None


@dataclass(frozen=True)
class PennFudan:
    """The 74 Fudan photos and their people's boxes (pixels, corners exclusive of the 1-based origin)."""

    root: Path = field(default_factory=pennfudan_dir)

    def names(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "images").glob("*.jpg"))

    def image_path(self, name: str) -> Path:
        return self.root / "images" / f"{name}.jpg"

    def boxes(self, name: str) -> list[tuple[int, int, int, int]]:
        text = (self.root / "annotations" / f"{name}.txt").read_text(encoding="utf-8", errors="replace")
        return [(int(a) - 1, int(b) - 1, int(c), int(d)) for a, b, c, d in _BOX.findall(text)]

    def relative_boxes(self, name: str, width: int, height: int) -> list[tuple[float, float, float, float]]:
        return [(x1 / width, y1 / height, x2 / width, y2 / height) for x1, y1, x2, y2 in self.boxes(name)]


@dataclass(frozen=True)
class Walker:
    """A person (``sprite``: a photo name, its largest annotated person) following ``keyframes``: ``(seconds,
    x, y)`` of their feet (relative), linear in between; absent before the first and after the last keyframe."""

    sprite: str
    keyframes: tuple[tuple[float, float, float], ...]
    height: float = 0.5
    """Box height relative to the frame when the feet are at the bottom edge (perspective shrinks it upward)."""

    def position(self, t: float) -> tuple[float, float, float] | None:
        """(x, y, direction) at ``t``: direction -1 walking left, +1 otherwise; None when not in the scene."""
        frames = self.keyframes
        if t < frames[0][0] or t > frames[-1][0]:
            return None
        for (t0, x0, y0), (t1, x1, y1) in itertools.pairwise(frames):
            if t0 <= t <= t1:
                share = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
                return x0 + (x1 - x0) * share, y0 + (y1 - y0) * share, -1.0 if x1 < x0 else 1.0
        _, x, y = frames[-1]
        return x, y, 1.0


@dataclass(frozen=True)
class Scene:
    background: str
    walkers: tuple[Walker, ...]
    duration_s: float
    fps: float = 10.0
    size: tuple[int, int] = (640, 480)
    noise: float = 2.0
    """Standard deviation of the per-frame sensor noise (grey levels)."""
    seed: int = 0


@dataclass(frozen=True)
class Frame:
    index: int
    offset_s: float
    pixels: NDArray[Any]
    truth: tuple[tuple[int, tuple[float, float, float, float]], ...]
    """(walker index, relative corners) of every walker in the picture."""

    def jpeg(self, quality: int = 85) -> bytes:
        ok, data = cv2.imencode(".jpg", self.pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        return bytes(data.tobytes())


@dataclass(frozen=True)
class _Sprite:
    pixels: NDArray[Any]
    alpha: NDArray[Any]
    """float32 0..1, same height and width."""
    inner: tuple[float, float, float, float]
    """The annotated box inside the sprite, relative to the sprite."""


def _read(path: Path) -> NDArray[Any]:
    pixels = cv2.imread(str(path))
    if pixels is None:
        raise FileNotFoundError(path)
    return pixels


@dataclass(frozen=True)
class _Placement:
    """Where a walker is drawn: feet at (x, y) relative, facing ``direction``, ``height`` as in :class:`Walker`."""

    x: float
    y: float
    direction: float
    height: float


class Composer:
    """Builds frames of scenes; cut-outs and painted backgrounds are made once and cached."""

    def __init__(self, data: PennFudan | None = None) -> None:
        self.data = data or PennFudan()

    @cache  # noqa: B019 (one composer per process; the cache is the point)
    def background(self, name: str, size: tuple[int, int]) -> NDArray[Any]:
        """The photo with each annotated person covered by the strip of street beside them (streets run across
        the picture, so the strip to the left or right continues the scene), blended at the seams."""
        image: NDArray[Any] = _read(self.data.image_path(name)).astype(np.float32)
        h, w = image.shape[:2]
        boxes = self.data.boxes(name)
        grown = []
        for x1, y1, x2, y2 in boxes:
            mx, my = int((x2 - x1) * 0.15) + 3, int((y2 - y1) * 0.06) + 3
            grown.append((max(x1 - mx, 0), max(y1 - my, 0), min(x2 + mx, w), min(y2 + my, h)))

        def clear(a: int, b: int, top: int, bottom: int) -> bool:
            return a >= 0 and b <= w and all(b <= g[0] or a >= g[2] or bottom <= g[1] or top >= g[3] for g in grown)

        for x1, y1, x2, y2 in grown:
            bw = x2 - x1
            options = [(x1 - bw, x1), (x2, x2 + bw), (x1 - 2 * bw, x1 - bw), (x2 + bw, x2 + 2 * bw)]
            source = next((o for o in options if clear(o[0], o[1], y1, y2)), None)
            if source is None:
                source = (0, bw) if x1 >= bw else (w - bw, w)
            patch = image[y1:y2, source[0] : source[1]].copy()
            if source[1] <= x1:
                patch = patch[:, ::-1]  # mirrored, so the seam continues what is beside it
            ramp = np.minimum(np.arange(bw, dtype=np.float32) + 1, np.arange(bw, dtype=np.float32)[::-1] + 1)
            weight = np.clip(ramp / max(bw * 0.12, 1.0), 0.0, 1.0)[None, :, None]
            image[y1:y2, x1:x2] = image[y1:y2, x1:x2] * (1 - weight) + patch * weight
        return cv2.resize(np.clip(image, 0, 255).astype(np.uint8), size, interpolation=cv2.INTER_AREA)

    @cache  # noqa: B019
    def sprite(self, name: str) -> _Sprite:
        image: NDArray[Any] = _read(self.data.image_path(name))
        h, w = image.shape[:2]
        x1, y1, x2, y2 = max(self.data.boxes(name), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
        mx, my = max(int((x2 - x1) * 0.1), 4), max(int((y2 - y1) * 0.04), 4)
        cx1, cy1, cx2, cy2 = max(x1 - mx, 0), max(y1 - my, 0), min(x2 + mx, w), min(y2 + my, h)
        crop = image[cy1:cy2, cx1:cx2].copy()
        # GrabCut's cut-outs lose heads and shirts against dark backgrounds; a feathered ellipse over the annotated
        # box keeps the whole person (and a little of their street), which is what a detector must see
        ch, cw = crop.shape[:2]
        yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
        centre_x, centre_y = (x1 + x2) / 2 - cx1, (y1 + y2) / 2 - cy1
        radius_x, radius_y = (x2 - x1) / 2 * 1.25, (y2 - y1) / 2 * 1.08
        distance = np.sqrt(((xx - centre_x) / radius_x) ** 2 + ((yy - centre_y) / radius_y) ** 2)
        alpha: NDArray[Any] = np.clip((1.0 - distance) / 0.18, 0.0, 1.0).astype(np.float32)
        ch, cw = crop.shape[:2]
        inner = ((x1 - cx1) / cw, (y1 - cy1) / ch, (x2 - cx1) / cw, (y2 - cy1) / ch)
        return _Sprite(crop, alpha, inner)

    def frames(self, scene: Scene) -> Iterator[Frame]:
        width, height = scene.size
        base = self.background(scene.background, scene.size).astype(np.float32)
        rng = np.random.default_rng(scene.seed)
        # a bank of noise frames drawn once: per-frame draws would cost more than the detector
        bank = [rng.normal(0.0, scene.noise, (height, width, 3)).astype(np.float32) for _ in range(7)]
        count = int(scene.duration_s * scene.fps)
        for index in range(count):
            t = index / scene.fps
            canvas = base.copy()
            placed = []
            for number, walker in enumerate(scene.walkers):
                where = walker.position(t)
                if where is not None:
                    placed.append((where[1], number, walker, where))
            truth = []
            for _y, number, walker, (x, y, direction) in sorted(placed, key=lambda p: p[0]):
                box = self._paste(canvas, self.sprite(walker.sprite), _Placement(x, y, direction, walker.height))
                if box is not None:
                    truth.append((number, box))
            if scene.noise:
                canvas += bank[index % len(bank)]
            pixels = np.clip(canvas, 0, 255).astype(np.uint8)
            yield Frame(index, t, pixels, tuple(truth))

    @staticmethod
    def _paste(canvas: NDArray[Any], sprite: _Sprite, place: _Placement) -> tuple[float, float, float, float] | None:
        height_px, width_px = canvas.shape[:2]
        x, y, direction, height = place.x, place.y, place.direction, place.height
        ix1, iy1, ix2, iy2 = sprite.inner
        # perspective: a person whose feet are higher in the picture is farther away
        person_h = height * height_px * (0.45 + 0.55 * y)
        scale = person_h / ((iy2 - iy1) * sprite.pixels.shape[0])
        sw, sh = max(int(sprite.pixels.shape[1] * scale), 2), max(int(sprite.pixels.shape[0] * scale), 2)
        pixels = cv2.resize(sprite.pixels, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
        alpha = cv2.resize(sprite.alpha, (sw, sh), interpolation=cv2.INTER_LINEAR)
        if direction < 0:
            pixels, alpha = pixels[:, ::-1], alpha[:, ::-1]
            ix1, ix2 = 1 - ix2, 1 - ix1
        foot_x, foot_y = x * width_px, y * height_px
        left = int(foot_x - (ix1 + ix2) / 2 * sw)
        top = int(foot_y - iy2 * sh)
        # clip to the canvas
        x0, y0 = max(left, 0), max(top, 0)
        x1, y1 = min(left + sw, width_px), min(top + sh, height_px)
        if x1 <= x0 or y1 <= y0:
            return None
        a = alpha[y0 - top : y1 - top, x0 - left : x1 - left, None]
        region = canvas[y0:y1, x0:x1]
        region[:] = region * (1 - a) + pixels[y0 - top : y1 - top, x0 - left : x1 - left] * a
        bx1, by1 = (left + ix1 * sw) / width_px, (top + iy1 * sh) / height_px
        bx2, by2 = (left + ix2 * sw) / width_px, (top + iy2 * sh) / height_px
        clipped = (max(bx1, 0.0), max(by1, 0.0), min(bx2, 1.0), min(by2, 1.0))
        visible = (clipped[2] - clipped[0]) * (clipped[3] - clipped[1]) / max((bx2 - bx1) * (by2 - by1), 1e-9)
        return clipped if visible >= 0.5 else None  # mostly outside the picture: not a visible person yet


def street_scene(
    *,
    duration_s: float = 120.0,
    people_per_minute: float = 3.0,
    seed: int = 0,
    fps: float = 10.0,
    background: str | None = None,
    size: tuple[int, int] = (640, 480),
    walk_s: tuple[float, float] = (6.0, 10.0),
) -> Scene:
    """People crossing a street at random times (a Poisson stream), in both directions, near the camera."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible scene, not a secret)
    walkers = []
    t = rng.expovariate(people_per_minute / 60.0)
    while t < duration_s:
        rightward = rng.random() < 0.5
        y0, y1 = rng.uniform(0.78, 0.97), rng.uniform(0.78, 0.97)
        start, end = (-0.1, 1.1) if rightward else (1.1, -0.1)
        crossing = rng.uniform(*walk_s)
        walkers.append(
            Walker(
                sprite=rng.choice(SPRITES),
                keyframes=((t, start, y0), (t + crossing, end, y1)),
                height=rng.uniform(0.5, 0.62),
            )
        )
        t += rng.expovariate(people_per_minute / 60.0)
    return Scene(
        background=background or rng.choice(BACKGROUNDS),
        walkers=tuple(walkers),
        duration_s=duration_s,
        fps=fps,
        size=size,
        seed=seed,
    )


def write_sequence(frames: Sequence[Frame] | Iterator[Frame], folder: Path, quality: int = 85) -> str:
    """JPEG files ``frame_00000.jpg`` … in ``folder``; returns the pattern ``cv2.VideoCapture`` opens."""
    folder.mkdir(parents=True, exist_ok=True)
    for frame in frames:
        (folder / f"frame_{frame.index:05d}.jpg").write_bytes(frame.jpeg(quality))
    return str(folder / "frame_%05d.jpg")
