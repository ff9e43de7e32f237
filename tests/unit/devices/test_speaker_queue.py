"""The speaker's play queue: emergency interrupts, priority before normal, start order, expiry, play once."""

from __future__ import annotations

from devices.speaker.queue import PlayQueue, QueueItem, QueuePriority


def _item(command_id: str, priority: QueuePriority = "normal", start_at: float = 0.0, expires_at: float = 100.0):
    return QueueItem(command_id=command_id, priority=priority, start_at=start_at, expires_at=expires_at, payload=None)


def _play_order(queue: PlayQueue[None], now: float) -> list[str]:
    """Finish whatever plays, again and again: the order the waiting items start in."""
    order = []
    while queue.current is not None:
        current = queue.current.command_id
        order.append(current)
        queue.finished(current, now)
    return order


def test_an_item_due_on_an_idle_speaker_starts_at_once():
    queue: PlayQueue[None] = PlayQueue()
    step = queue.due(_item("a"), now=1.0)
    assert step.start is not None and step.start.command_id == "a"
    assert not step.queued and step.interrupted is None


def test_priority_items_play_before_waiting_normal_items_and_normal_ones_in_start_order():
    # Given a speaker playing a normal newscast
    queue: PlayQueue[None] = PlayQueue()
    queue.due(_item("news", start_at=0.0), now=0.0)
    # When, while it plays, two normal items come due (the later-starting one arrives first) and then a priority one
    assert queue.due(_item("normal-late", start_at=2.0), now=2.5).queued
    assert queue.due(_item("normal-early", start_at=1.0), now=2.6).queued
    assert queue.due(_item("notice", "priority", start_at=2.2), now=2.7).queued
    assert [i.command_id for i in queue.waiting] == ["notice", "normal-early", "normal-late"]
    # Then the newscast is not cut off, the priority notice plays next, then the normal items in start order
    assert _play_order(queue, now=3.0) == ["news", "notice", "normal-early", "normal-late"]


def test_same_start_items_play_in_arrival_order():
    queue: PlayQueue[None] = PlayQueue()
    queue.due(_item("playing"), now=0.0)
    for name in ("first", "second", "third"):
        queue.due(_item(name, start_at=5.0), now=5.0)
    assert _play_order(queue, now=6.0) == ["playing", "first", "second", "third"]


def test_an_emergency_interrupts_what_plays_and_the_waiting_items_resume_after_it():
    # Given a normal item playing and a priority item waiting
    queue: PlayQueue[None] = PlayQueue()
    queue.due(_item("news"), now=0.0)
    queue.due(_item("notice", "priority"), now=0.5)
    # When an emergency comes due
    step = queue.due(_item("flood", "emergency"), now=1.0)
    # Then it starts at once and the newscast is cut off
    assert step.start is not None and step.start.command_id == "flood"
    assert step.interrupted is not None and step.interrupted.command_id == "news"
    # And the cut-off item's late "finished" changes nothing
    assert queue.finished("news", now=1.1).start is None
    assert queue.current is not None and queue.current.command_id == "flood"
    # And once the emergency ends the waiting priority item plays
    assert _play_order(queue, now=2.0) == ["flood", "notice"]


def test_a_newer_emergency_interrupts_an_emergency():
    queue: PlayQueue[None] = PlayQueue()
    queue.due(_item("storm", "emergency"), now=0.0)
    step = queue.due(_item("dyke-breach", "emergency"), now=0.5)
    assert step.start is not None and step.start.command_id == "dyke-breach"
    assert step.interrupted is not None and step.interrupted.command_id == "storm"


def test_an_item_that_expires_while_waiting_is_dropped_not_played_late():
    # Given a long item playing and two waiting items, one valid only until t=5
    queue: PlayQueue[None] = PlayQueue()
    queue.due(_item("long"), now=0.0)
    queue.due(_item("short-lived", "priority", expires_at=5.0), now=1.0)
    queue.due(_item("valid", expires_at=100.0), now=1.0)
    # When the long item ends at t=6
    step = queue.finished("long", now=6.0)
    # Then the expired one is reported as such and the next valid item starts instead
    assert [i.command_id for i in step.expired] == ["short-lived"]
    assert step.start is not None and step.start.command_id == "valid"


def test_an_item_already_expired_when_due_never_starts():
    queue: PlayQueue[None] = PlayQueue()
    step = queue.due(_item("stale", expires_at=5.0), now=5.0)
    assert [i.command_id for i in step.expired] == ["stale"]
    assert step.start is None and queue.current is None


def test_a_command_playing_or_waiting_is_not_queued_twice():
    queue: PlayQueue[None] = PlayQueue()
    queue.due(_item("a"), now=0.0)
    queue.due(_item("b"), now=0.1)
    assert queue.due(_item("a"), now=0.2).duplicate
    assert queue.due(_item("b"), now=0.2).duplicate
    assert [i.command_id for i in queue.waiting] == ["b"]
    assert _play_order(queue, now=1.0) == ["a", "b"]


def test_when_every_waiting_item_expired_the_speaker_goes_idle():
    queue: PlayQueue[None] = PlayQueue()
    queue.due(_item("a"), now=0.0)
    queue.due(_item("b", expires_at=2.0), now=1.0)
    step = queue.finished("a", now=3.0)
    assert step.start is None and [i.command_id for i in step.expired] == ["b"]
    assert queue.current is None and queue.waiting == []
