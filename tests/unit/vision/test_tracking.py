"""The tracker keeps one identity per walking person across frames, and its state survives a round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartcommune.vision.contracts import BoundingBox, Detection
from smartcommune.vision.logic.tracking import Tracker, TrackerState

T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)


def person(x: float, y: float = 0.3, w: float = 0.1, h: float = 0.4, name: str = "Person") -> Detection:
    return Detection(Name=name, Confidence=90.0, BoundingBox=BoundingBox.from_corners(x, y, x + w, y + h))


def test_two_people_walking_past_each_other_keep_their_ids():
    # Given two people walking towards each other along the street, 10 frames a second
    tracker = Tracker()
    ids: dict[str, set[int]] = {"left": set(), "right": set()}
    for i in range(30):
        at = T0 + timedelta(seconds=i / 10)
        a, b = 0.05 + 0.025 * i, 0.85 - 0.025 * i
        tracks = tracker.update(at, [person(a), person(b, y=0.35)])
        # When they are reported, each keeps the id it was given
        for track in tracks:
            side = "left" if track.vx > 0 else "right"
            ids[side].add(track.track_id)
    # Then each walker had exactly one identity, and they differ
    assert len(ids["left"]) == 1 and len(ids["right"]) == 1
    assert ids["left"] != ids["right"]


def test_a_single_false_detection_never_becomes_a_track():
    tracker = Tracker(min_hits=2)
    assert tracker.update(T0, [person(0.5)]) == []
    assert tracker.update(T0 + timedelta(seconds=0.1), []) == []
    # the person is seen again: now confirmed with the same id
    tracks = tracker.update(T0 + timedelta(seconds=0.2), [person(0.51)])
    assert [t.track_id for t in tracks] == [1]


def test_labels_do_not_swap_identities():
    tracker = Tracker(min_hits=1)
    first = tracker.update(T0, [person(0.4, name="Person"), person(0.41, name="Motorcycle")])
    second = tracker.update(T0 + timedelta(seconds=0.1), [person(0.42, name="Motorcycle"), person(0.43)])
    by_name = {t.name: t.track_id for t in first}
    assert {t.name: t.track_id for t in second} == by_name


def test_a_track_unseen_for_longer_than_max_age_ends():
    tracker = Tracker(min_hits=1, max_age_s=2.0)
    (first,) = tracker.update(T0, [person(0.3)])
    (again,) = tracker.update(T0 + timedelta(seconds=5), [person(0.3)])
    assert again.track_id != first.track_id


def test_a_fast_object_whose_boxes_no_longer_overlap_is_still_followed():
    tracker = Tracker(min_hits=1)
    ids = set()
    for i in range(6):  # a motorbike: a box width per frame
        (track,) = tracker.update(T0 + timedelta(seconds=i / 5), [person(0.05 + 0.12 * i, w=0.1, name="Motorcycle")])
        ids.add(track.track_id)
    assert len(ids) == 1


def test_state_round_trips_between_bursts_as_json():
    # Given a tracker that saw a person in one burst
    tracker = Tracker()
    for i in range(3):
        tracker.update(T0 + timedelta(seconds=i / 10), [person(0.1 + 0.02 * i)])
    saved = tracker.to_state().model_dump_json()
    # When the next burst is handled by another Lambda invocation from the saved state
    resumed = Tracker.from_state(TrackerState.model_validate_json(saved))
    tracks = resumed.update(T0 + timedelta(seconds=0.5), [person(0.2)])
    # Then the person keeps the same id
    assert [t.track_id for t in tracks] == [1]


def test_a_person_standing_still_keeps_their_id_while_frames_are_skipped():
    # Given a person seen walking, who then stops: the motion gate skips the next frames
    tracker = Tracker(max_age_s=3.0)
    for i in range(3):
        tracker.update(T0 + timedelta(seconds=i / 10), [person(0.3 + 0.01 * i)])
    held = []
    for second in range(1, 30):
        held = tracker.hold(T0 + timedelta(seconds=0.2 + second))
    # Then 29 s later they are still the same object, standing still
    assert [t.track_id for t in held] == [1]
    assert held[0].vx == 0.0
    (again,) = tracker.update(T0 + timedelta(seconds=30), [person(0.32)])
    assert again.track_id == 1


def test_a_track_lost_before_the_scene_went_still_is_not_kept_alive():
    tracker = Tracker(max_age_s=3.0)
    for i in range(3):
        tracker.update(T0 + timedelta(seconds=i / 10), [person(0.8 + 0.05 * i)])
    tracker.update(T0 + timedelta(seconds=0.3), [])  # they walked out of the picture
    for second in range(1, 10):
        assert tracker.hold(T0 + timedelta(seconds=0.3 + second)) == []
    assert tracker.update(T0 + timedelta(seconds=10), [person(0.95)])[0:1] == []
