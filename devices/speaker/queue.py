"""The speaker's play queue: which item plays when several are due (pure logic, no clock, no I/O).

The rules of Vietnamese grassroots broadcasting, as one loudspeaker applies them:

- ``emergency`` plays the moment it is due, interrupting whatever plays (an emergency due during another
  emergency interrupts it too: the newest warning wins);
- ``priority`` items are played before waiting ``normal`` items;
- items of the same priority play in start order (``start_at``, then arrival);
- an item that expires while it waits is dropped (the agent acks it ``expired``), never played late;
- an item whose ``command_id`` is already playing or waiting is refused (played once).

The agent calls :meth:`PlayQueue.due` when an item's start time comes and :meth:`PlayQueue.finished` when the
item playing ends; each returns a :class:`Step` saying what to start, what was interrupted, what expired.
Times are POSIX timestamps (float seconds) so the agent's high-resolution clock can be used directly.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

QueuePriority = Literal["normal", "priority", "emergency"]
_RANK: dict[str, int] = {"emergency": 0, "priority": 1, "normal": 2}


@dataclass(frozen=True)
class QueueItem(Generic[T]):
    """One play command as the queue sees it; ``payload`` is the agent's own object (the ``PlayCommand``)."""

    command_id: str
    priority: QueuePriority
    start_at: float
    expires_at: float
    payload: T


@dataclass
class Step(Generic[T]):
    """What the agent must do after a queue event."""

    start: QueueItem[T] | None = None  # start playing this now
    interrupted: QueueItem[T] | None = None  # this was playing and is cut off
    expired: list[QueueItem[T]] = field(default_factory=list)  # dropped without playing
    queued: bool = False  # the item waits for the one playing
    duplicate: bool = False  # the item is already playing or waiting: ignored


class PlayQueue(Generic[T]):
    """At most one item plays; the others wait, ordered by priority then start time then arrival."""

    def __init__(self) -> None:
        self._current: QueueItem[T] | None = None
        self._waiting: list[tuple[int, float, int, QueueItem[T]]] = []
        self._arrival = itertools.count()

    @property
    def current(self) -> QueueItem[T] | None:
        return self._current

    @property
    def waiting(self) -> list[QueueItem[T]]:
        """The waiting items in the order they would play."""
        return [entry[3] for entry in sorted(self._waiting, key=lambda e: e[:3])]

    def __contains__(self, command_id: object) -> bool:
        if self._current is not None and self._current.command_id == command_id:
            return True
        return any(entry[3].command_id == command_id for entry in self._waiting)

    def due(self, item: QueueItem[T], now: float) -> Step[T]:
        """``item``'s start time has come: play it now, interrupt for it, or let it wait."""
        if item.command_id in self:
            return Step(duplicate=True)
        if now >= item.expires_at:
            return Step(expired=[item])
        if self._current is None:
            self._current = item
            return Step(start=item)
        if item.priority == "emergency":
            interrupted, self._current = self._current, item
            return Step(start=item, interrupted=interrupted)
        self._waiting.append((_RANK[item.priority], item.start_at, next(self._arrival), item))
        return Step(queued=True)

    def finished(self, command_id: str, now: float) -> Step[T]:
        """The item ``command_id`` stopped playing; starts the next waiting item that is still valid.

        A finish of an item that is no longer current (it was interrupted) changes nothing.
        """
        if self._current is None or self._current.command_id != command_id:
            return Step()
        self._current = None
        return self._next(now)

    def _next(self, now: float) -> Step[T]:
        step: Step[T] = Step()
        self._waiting.sort(key=lambda e: e[:3])
        while self._waiting:
            item = self._waiting.pop(0)[3]
            if now >= item.expires_at:
                step.expired.append(item)
                continue
            self._current = step.start = item
            break
        return step

    def clear(self) -> list[QueueItem[T]]:
        """Drop every waiting item (returns them); what plays keeps playing."""
        dropped = self.waiting
        self._waiting.clear()
        return dropped
