"""What many speaker agents in one process share: a high-resolution clock, one scheduler thread, the audio cache.

Its own room because none of it is about one speaker: the local stack's 40 speakers and the 2,000-speaker bench
run on one :class:`AgentRuntime`, and a real device would plug its player in here.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

log = logging.getLogger("devices.speaker")


class HighResClock:
    """Wall-clock time with ``perf_counter`` resolution (anchored once to the system clock)."""

    def __init__(self) -> None:
        self._wall = time.time()
        self._perf = time.perf_counter()

    def timestamp(self) -> float:
        return self._wall + (time.perf_counter() - self._perf)

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)


class Scheduler:
    """One thread running timed callbacks in order (start times, playback ends, heartbeats) for many agents."""

    def __init__(self, clock: HighResClock) -> None:
        self._clock = clock
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._cv = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="speaker-scheduler", daemon=True)
        self._thread.start()

    def at(self, when: float, fn: Callable[[], None]) -> None:
        with self._cv:
            heapq.heappush(self._heap, (when, next(self._counter), fn))
            self._cv.notify()

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._stopped:
                    if self._heap:
                        delay = self._heap[0][0] - self._clock.timestamp()
                        if delay <= 0:
                            break
                        # wake a little early and spin the last 2 ms: start times matter to the millisecond
                        if delay > 0.002:
                            self._cv.wait(delay - 0.002)
                            continue
                        self._cv.release()
                        try:
                            while self._clock.timestamp() < self._heap[0][0]:
                                pass
                        finally:
                            self._cv.acquire()
                        break
                    self._cv.wait()
                if self._stopped:
                    return
                _, _, fn = heapq.heappop(self._heap)
            try:
                fn()
            except Exception:
                log.exception("scheduled task failed")


class AudioError(RuntimeError):
    pass


class AudioCache:
    """Fetched audio by SHA-256; concurrent requests for the same item share one download."""

    def __init__(self, timeout_s: float = 15.0, max_bytes: int = 50 * 1024 * 1024) -> None:
        self._items: dict[str, Future[bytes]] = {}
        self._lock = threading.Lock()
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes

    def get(self, url: str, sha256: str) -> bytes:
        with self._lock:
            future = self._items.get(sha256)
            owner = future is None
            if future is None:
                future = Future()
                self._items[sha256] = future
        if not owner:
            return future.result()
        try:
            data = self._fetch(url)
            if hashlib.sha256(data).hexdigest() != sha256:
                raise AudioError("checksum mismatch / sai mã kiểm tra âm thanh")
        except Exception as exc:
            with self._lock:
                self._items.pop(sha256, None)  # a later command may fetch again
            future.set_exception(exc)
            raise
        future.set_result(data)
        return data

    def _fetch(self, url: str) -> bytes:
        if not url.startswith(("http://", "https://")):
            raise AudioError("audio URL must be http(s)")
        try:
            with urllib.request.urlopen(url, timeout=self._timeout_s) as response:  # noqa: S310 (scheme checked)
                data: bytes = response.read(self._max_bytes + 1)
        except OSError as exc:
            raise AudioError(f"audio download failed / không tải được âm thanh: {exc}") from exc
        if len(data) > self._max_bytes:
            raise AudioError("audio too large")
        return data


class AgentRuntime:
    """What agents in one process share: clock, scheduler, audio fetch pool, audio cache, uplink.

    The uplink is one thread that publishes acks in the order they were made: a start must not wait for the
    network (nor, where agents share a process, for another speaker's publish).
    """

    def __init__(self, fetch_workers: int = 8) -> None:
        self.clock = HighResClock()
        self.scheduler = Scheduler(self.clock)
        self.fetch_pool = ThreadPoolExecutor(max_workers=fetch_workers, thread_name_prefix="speaker-fetch")
        self.uplink = ThreadPoolExecutor(max_workers=1, thread_name_prefix="speaker-uplink")
        self.audio = AudioCache()

    def close(self) -> None:
        self.scheduler.stop()
        self.fetch_pool.shutdown(wait=False, cancel_futures=True)
        self.uplink.shutdown(wait=True)
