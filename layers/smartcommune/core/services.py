"""The services a request can reach, built lazily and once per process (one Lambda container).

Feature wiring lives beside each feature as a plain factory ``def build(services) -> Thing``; routes ask
``services.get(build)``. Nothing is built until a request needs it, which keeps cold starts lean.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from smartcommune.core.settings import Settings, get_settings

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Services:
    """Holds settings, a clock, and every service built so far."""

    def __init__(self, settings: Settings | None = None, clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings or get_settings()
        self.clock = clock
        self._built: dict[Callable[..., Any], Any] = {}
        self._lock = threading.RLock()

    def get(self, factory: Callable[[Services], T]) -> T:
        """The single instance ``factory`` builds from these services."""
        try:
            return self._built[factory]
        except KeyError:
            with self._lock:
                if factory not in self._built:
                    self._built[factory] = factory(self)
                return self._built[factory]

    def override(self, factory: Callable[[Services], T], instance: T) -> None:
        """Use ``instance`` wherever ``factory`` is asked for (tests use in-memory fakes this way)."""
        self._built[factory] = instance
