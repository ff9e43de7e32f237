"""Feedback in the pure service: the workflow state machine, deadlines, idempotency, photo checks, counters.

Long because: one fake store serves every scenario of the service; split, each file would rebuild it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from smartcommune.citizens.contracts import Citizen
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from smartcommune.core.principal import Principal
from smartcommune.feedback.contracts.records import Comment, Feedback, Rating
from smartcommune.feedback.contracts.requests import ActionRequest, NewFeedback
from smartcommune.feedback.logic.counters import CounterDeltas, counter_deltas, stats_from
from smartcommune.feedback.logic.feedback import FeedbackService
from smartcommune.feedback.logic.photos import UploadInfo, sniff_image, upload_problem
from smartcommune.feedback.logic.rules import RULES, acting_role, is_overdue, remaining_hours
from tests.support.identities import FakeCommunes, RecordingSms

if TYPE_CHECKING:
    from smartcommune.feedback.logic.codes import IdempotencyRecord

NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def person(*roles: Role, subject: str = "staff-1", kind: str = "staff") -> Principal:
    return Principal(
        subject_id=subject,
        kind=kind,  # type: ignore[arg-type]
        roles=frozenset(roles),
        commune_id="giao-phong",
        display_name="x",
        session_id="s",
        expires_at=NOW,
    )


CITIZEN = person(Role.CITIZEN, subject="c" * 32, kind="citizen")


@dataclass
class InMemoryFeedback:
    """A ``FeedbackStore`` in dicts, with the table's version and idempotency rules."""

    items: dict[str, Feedback] = field(default_factory=dict)
    keys: dict[tuple[str, str, str], IdempotencyRecord] = field(default_factory=dict)
    counters: CounterDeltas = field(default_factory=CounterDeltas)
    numbers: dict[tuple[str, int], int] = field(default_factory=dict)
    audits: list[Any] = field(default_factory=list)
    comments: dict[str, list[Comment]] = field(default_factory=dict)
    race_key: bool = False  # the next create finds its key taken (a concurrent retry won)

    def fields(self, commune_id: str) -> None:
        return None

    def idempotent(self, commune_id: str, owner: str, key: str) -> IdempotencyRecord | None:
        return self.keys.get((commune_id, owner, key))

    def next_number(self, commune_id: str, year: int) -> int:
        self.numbers[(commune_id, year)] = self.numbers.get((commune_id, year), 0) + 1
        return self.numbers[(commune_id, year)]

    def _add(self, deltas: CounterDeltas) -> None:
        for day, counters in deltas.days.items():
            for name, value in counters.items():
                self.counters.add_day(day, name, value)
        for name, value in deltas.totals.items():
            self.counters.add_total(name, value)

    def create(self, feedback: Feedback, deltas: CounterDeltas, idempotency: Any, search: str) -> bool:
        if self.race_key and idempotency is not None:
            self.race_key = False
            self.keys[(feedback.commune_id, idempotency.owner, idempotency.key)] = idempotency
            return False
        if idempotency is not None:
            if (feedback.commune_id, idempotency.owner, idempotency.key) in self.keys:
                return False  # the condition on the key's item fails: nothing is written
            self.keys[(feedback.commune_id, idempotency.owner, idempotency.key)] = idempotency
        self.items[feedback.id] = feedback
        self._add(deltas)
        return True

    def get(self, commune_id: str, feedback_id: str) -> Feedback | None:
        found = self.items.get(feedback_id)
        return found if found and found.commune_id == commune_id else None

    def get_with_comments(self, commune_id: str, feedback_id: str) -> tuple[Feedback, list[Comment]] | None:
        found = self.get(commune_id, feedback_id)
        return (found, list(self.comments.get(feedback_id, []))) if found else None

    def add_comment(self, comment: Comment, audit: Any) -> None:
        self.comments.setdefault(comment.feedback_id, []).append(comment)
        self.audits.append(audit)

    def get_comment(self, commune_id: str, feedback_id: str, comment_id: str) -> Comment | None:
        return next((c for c in self.comments.get(feedback_id, []) if c.id == comment_id), None)

    def set_comment(self, comment: Comment, audit: Any) -> None:
        kept = self.comments[comment.feedback_id]
        kept[:] = [comment if c.id == comment.id else c for c in kept]
        self.audits.append(audit)

    def update(
        self, before: Feedback, after: Feedback, deltas: CounterDeltas, audit: Any, public: Any, search: str
    ) -> None:
        if self.items[before.id].version != before.version:
            raise ConflictError("xung đột", "conflict")
        self.items[before.id] = after
        self.audits.append(audit)
        self._add(deltas)


@dataclass
class FakeMedia:
    objects: dict[str, UploadInfo] = field(default_factory=dict)

    def presign_upload(self, key: str, content_type: str, size_bytes: int, expires_s: int) -> str:
        return f"/media/{key}?put"

    def presign_download(self, key: str, expires_s: int) -> str:
        return f"/media/{key}?get"

    written: dict[str, bytes] = field(default_factory=dict)

    def read(self, key: str) -> UploadInfo | None:
        return self.objects.get(key.rsplit("/", 1)[-1])

    def write(self, key: str, data: bytes, content_type: str) -> None:
        self.written[key] = data


class FakeCitizens:
    def get(self, commune_id: str, citizen_id: str) -> Citizen | None:
        return Citizen(
            id=citizen_id, commune_id=commune_id, phone="+84912345678", created_at=NOW, updated_at=NOW, created_by="t"
        )

    def find_by_phone(self, commune_id: str, phone: str) -> Citizen | None:
        return None

    def create(self, citizen: Citizen, audit: Any = None) -> Citizen:
        return citizen


class Signer:
    def hash(self, value: str) -> str:
        import hashlib

        return hashlib.sha256(value.encode()).hexdigest()


@pytest.fixture
def parts():
    clock, store, media, sms = Clock(), InMemoryFeedback(), FakeMedia(), RecordingSms()
    service = FeedbackService(
        clock=clock,
        store=store,
        media=media,
        communes=FakeCommunes(),
        citizens=FakeCitizens(),
        sms=sms,
        signer=Signer(),
    )
    return service, store, media, sms, clock


NEW = NewFeedback(
    field_code="security",
    title="Trộm cắp ở chợ xã",
    description="Gần đây có nhiều vụ mất trộm xe đạp ở khu chợ.",
    hamlet_id="xom-2",
)


def feedback(status: str = "received", unit: Role = Role.INFRASTRUCTURE, **extra: Any) -> Feedback:
    base: dict[str, Any] = {
        "id": "f" * 32,
        "tracking_code": "GP-26-000001",
        "commune_id": "giao-phong",
        "citizen_id": "c" * 32,
        "field_code": "roads",
        "title": "Ổ gà",
        "description": "Đường hỏng nặng",
        "hamlet_id": "xom-1",
        "status": status,
        "unit": unit,
        "deadline_at": NOW + timedelta(hours=168),
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Feedback.model_validate(base | extra)


# ---------------------------------------------------------------- the state machine

TABLE = [
    # action, status, roles, expected (a role, or the error class)
    ("assign", "received", {Role.OFFICE}, Role.OFFICE),
    ("assign", "received", {Role.POLICE}, ForbiddenError),
    ("assign", "assigned", {Role.OFFICE}, ConflictError),
    ("transfer", "assigned", {Role.INFRASTRUCTURE}, Role.INFRASTRUCTURE),  # the current unit
    ("transfer", "assigned", {Role.POLICE}, ForbiddenError),  # another unit
    ("transfer", "received", {Role.OFFICE}, ConflictError),
    ("start", "assigned", {Role.INFRASTRUCTURE}, Role.INFRASTRUCTURE),
    ("start", "assigned", {Role.ADMIN}, Role.ADMIN),
    ("start", "assigned", {Role.OFFICE}, ForbiddenError),  # office is a unit, not this one
    ("progress", "in_progress", {Role.INFRASTRUCTURE}, Role.INFRASTRUCTURE),
    ("progress", "assigned", {Role.INFRASTRUCTURE}, ConflictError),
    ("resolve", "in_progress", {Role.INFRASTRUCTURE}, Role.INFRASTRUCTURE),
    ("resolve", "received", {Role.ADMIN}, ConflictError),
    ("approve", "resolved", {Role.OFFICE}, Role.OFFICE),
    ("approve", "resolved", {Role.CULTURE}, ForbiddenError),
    ("approve", "in_progress", {Role.OFFICE}, ConflictError),
    ("publish", "approved", {Role.CULTURE}, Role.CULTURE),
    ("publish", "resolved", {Role.CULTURE}, ConflictError),
    ("publish", "approved", {Role.POLICE}, ForbiddenError),
    ("reject", "in_progress", {Role.OFFICE}, Role.OFFICE),
    ("reject", "resolved", {Role.OFFICE}, ConflictError),
    ("duplicate", "received", {Role.ADMIN}, Role.ADMIN),
    ("duplicate", "published", {Role.ADMIN}, ConflictError),
]


@pytest.mark.parametrize(("action", "status", "roles", "expected"), TABLE)
def test_the_state_machine(action, status, roles, expected):
    item = feedback(status, resolved_role="infrastructure" if status == "resolved" else None)
    if isinstance(expected, Role):
        assert acting_role(item, action, frozenset(roles)) is expected
    else:
        with pytest.raises(expected):
            acting_role(item, action, frozenset(roles))


def test_every_status_is_reachable_and_closed_ones_are_final():
    targets = {rule.target for rule in RULES.values()}
    assert targets == {"assigned", "in_progress", "resolved", "approved", "published", "rejected", "duplicate"}
    for final in ("published", "rejected", "duplicate"):
        assert not any(final in rule.sources for rule in RULES.values())


def test_an_illegal_transition_names_the_current_status_in_vietnamese():
    with pytest.raises(ConflictError) as caught:
        acting_role(feedback("published"), "assign", frozenset({Role.ADMIN}))
    assert "Đã công khai kết quả" in caught.value.message


def test_approval_needs_another_role_than_the_resolvers():
    item = feedback("resolved", resolved_role="admin", resolved_by="staff-1")
    with pytest.raises(ForbiddenError):
        acting_role(item, "approve", frozenset({Role.ADMIN}))
    assert acting_role(item, "approve", frozenset({Role.ADMIN, Role.OFFICE})) is Role.OFFICE


def test_the_resolver_cannot_approve_even_in_another_role(parts):
    service, store, *_ = parts
    store.items["f" * 32] = feedback("resolved", resolved_role="infrastructure", resolved_by="staff-1")
    request = ActionRequest(action="approve", expected_version=1)
    with pytest.raises(ForbiddenError):
        service.act(person(Role.OFFICE, Role.INFRASTRUCTURE), "f" * 32, request)
    approved = service.act(person(Role.OFFICE, subject="staff-2"), "f" * 32, request)
    assert approved.status == "approved" and approved.version == 2


def test_each_step_adds_a_timeline_entry_an_audit_record_and_an_sms(parts):
    service, store, _, sms, _ = parts
    store.items["f" * 32] = feedback("received")
    view = service.act(person(Role.OFFICE), "f" * 32, ActionRequest(action="assign", expected_version=1, unit="police"))
    assert view.unit is Role.POLICE and view.timeline[-1].actor_role == "office"
    assert store.audits[-1].action == "feedback.assign"
    # The SMS says what was done: given to the police, not "transferred"
    assert sms.sent[-1][0] == "+84912345678" and "đã được giao cho Công an xã xử lý" in sms.sent[-1][1]
    assert "chuyển" not in sms.sent[-1][1]
    with pytest.raises(ConflictError):  # the version moved on
        service.act(person(Role.OFFICE), "f" * 32, ActionRequest(action="transfer", expected_version=1, unit="school"))


def test_a_phone_stated_through_open311_is_never_texted_on_a_status_change(parts):
    # Given an item from Open311 whose record names a phone its owner never proved (an older record's field)
    service, store, _, sms, _ = parts
    store.items["f" * 32] = feedback("received", citizen_id=None, channel="open311", reporter_phone="+84987654321")
    # When staff take a step on it
    service.act(person(Role.OFFICE), "f" * 32, ActionRequest(action="assign", expected_version=1, unit="police"))
    # Then nobody is texted
    assert sms.sent == []


# ---------------------------------------------------------------- deadlines


def test_remaining_time_and_overdue():
    item = feedback("in_progress", deadline_at=NOW + timedelta(hours=72))
    assert remaining_hours(item, NOW) == 72.0 and not is_overdue(item, NOW)
    later = NOW + timedelta(hours=80)
    assert remaining_hours(item, later) == -8.0 and is_overdue(item, later)
    closed = feedback("resolved", deadline_at=NOW)
    assert remaining_hours(closed, later) is None and not is_overdue(closed, later)


def test_the_deadline_comes_from_the_fields_hours(parts):
    service, *_ = parts
    body = service.submit(CITIZEN, NEW, "key-00000001")  # security: 72 h
    assert body["deadline_at"].startswith("2026-12-02T01:00") and body["unit"] == "police"


# ---------------------------------------------------------------- idempotency


def test_a_retry_returns_the_same_body_and_creates_nothing(parts):
    service, store, *_ = parts
    first = service.submit(CITIZEN, NEW, "key-00000001")
    assert service.submit(CITIZEN, NEW, "key-00000001") == first
    assert len(store.items) == 1 and sum(store.counters.totals.values()) == 2  # one item counted once
    with pytest.raises(ConflictError):
        service.submit(CITIZEN, NEW.model_copy(update={"title": "Khác hẳn"}), "key-00000001")
    other = service.submit(CITIZEN, NEW, "key-00000002")
    assert other["tracking_code"] != first["tracking_code"] and len(store.items) == 2


def test_a_concurrent_retry_that_lost_the_race_returns_the_winners_body(parts):
    service, store, *_ = parts
    store.race_key = True  # the store finds the key taken when it writes
    body = service.submit(CITIZEN, NEW, "key-00000003")
    assert body["tracking_code"] == "GP-26-000001" and store.items == {}


def test_keys_are_per_citizen(parts):
    service, store, *_ = parts
    service.submit(CITIZEN, NEW, "key-00000001")
    service.submit(person(Role.CITIZEN, subject="d" * 32, kind="citizen"), NEW, "key-00000001")
    assert len(store.items) == 2


# ---------------------------------------------------------------- photos

JPEG, PNG, WEBP = b"\xff\xd8\xff\xe0" + b"0" * 12, b"\x89PNG\r\n\x1a\n" + b"0" * 8, b"RIFF\x00\x00\x00\x00WEBPVP8 "
# The frame of a JPEG file: start, the JFIF header, end (what the metadata strip keeps of any JPEG).
JPEG_FILE = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


@pytest.mark.parametrize(
    ("head", "kind"), [(JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp"), (b"GIF89a", None), (b"", None)]
)
def test_magic_bytes(head, kind):
    assert sniff_image(head) == kind


@pytest.mark.parametrize(
    ("info", "problem"),
    [
        (None, "chưa được tải lên"),
        (UploadInfo(5 * 1024 * 1024 + 1, "image/jpeg", JPEG), "5 MB"),
        (UploadInfo(0, "image/jpeg", b""), "5 MB"),
        (UploadInfo(100, "image/gif", b"GIF89a"), "JPEG, PNG hoặc WebP"),
        (UploadInfo(100, "image/png", JPEG), "không phải là ảnh"),
        (UploadInfo(100, "image/jpeg", b"<html>"), "không phải là ảnh"),
        (UploadInfo(100, "image/webp; charset=x", WEBP), None),
    ],
)
def test_upload_checks(info, problem):
    found = upload_problem(info)
    assert (found is None) if problem is None else (found is not None and problem in found[0])


def test_uploads_are_bound_to_the_citizen_who_asked(parts):
    service, store, media, *_ = parts
    ticket = service.request_upload(CITIZEN, "image/jpeg", len(JPEG_FILE))
    media.objects[ticket.upload_id] = UploadInfo(len(JPEG_FILE), "image/jpeg", JPEG_FILE)
    other = person(Role.CITIZEN, subject="d" * 32, kind="citizen")
    with pytest.raises(InvalidInputError):
        service.submit(other, NEW.model_copy(update={"upload_ids": [ticket.upload_id]}), "key-00000009")
    body = service.submit(CITIZEN, NEW.model_copy(update={"upload_ids": [ticket.upload_id]}), "key-00000009")
    assert body["photos"][0]["url"].startswith("/media/") and len(store.items) == 1


# ---------------------------------------------------------------- counters and statistics


def test_counters_follow_an_item_through_its_life():
    item = feedback("received", deadline_at=NOW + timedelta(hours=10))
    new = counter_deltas(None, item)
    day = date(2026, 11, 29)  # 08:00 in Vietnam
    assert new.days[day] == {"received": 1, "rf_roads": 1, "rh_xom-1": 1, "ru_infrastructure": 1, "s_received": 1}
    assert new.totals == {"s_received": 1, "us_infrastructure__received": 1}
    moved = item.model_copy(update={"status": "assigned", "unit": Role.POLICE})
    move = counter_deltas(item, moved)
    assert move.days[day] == {"ru_infrastructure": -1, "ru_police": 1, "s_received": -1, "s_assigned": 1}
    late = NOW + timedelta(days=2)
    resolved = moved.model_copy(update={"status": "resolved", "resolved_at": late})
    done = counter_deltas(moved, resolved)
    assert done.days[date(2026, 12, 1)] == {"resolved": 1}  # late: not on time
    rated = resolved.model_copy(update={"rating": Rating(stars=4, at=late)})
    # a rating counts for the commune, its field and the unit that handled it (4 stars: satisfied)
    assert counter_deltas(resolved, rated).days == {
        date(2026, 12, 1): {
            "rating_sum": 4,
            "rating_count": 1,
            **{"rsf_roads": 4, "rcf_roads": 1, "rpf_roads": 1},
            **{"rsu_police": 4, "rcu_police": 1, "rpu_police": 1},
        }
    }
    unhappy = resolved.model_copy(update={"rating": Rating(stars=2, at=late)})
    two_stars = counter_deltas(resolved, unhappy).days[date(2026, 12, 1)]
    assert two_stars["rcu_police"] == 1 and "rpu_police" not in two_stars  # rated, not satisfied


def test_stats_add_up_days_and_fill_the_trend():
    days = {
        date(2026, 11, 1): {
            "received": 2,
            "rf_roads": 2,
            "s_received": 1,
            "s_published": 1,
            "resolved": 1,
            "resolved_on_time": 1,
            "rating_sum": 5,
            "rating_count": 1,
        },
        date(2026, 11, 3): {"received": 1, "rf_health": 1, "s_rejected": 1, "resolved": 1, "resolved_on_time": 0},
    }
    stats = stats_from(days, date(2026, 11, 1), date(2026, 11, 3))
    assert stats.received == 3 and stats.by_field == {"health": 1, "roads": 2}
    assert stats.by_status["published"] == 1 and stats.by_status["assigned"] == 0
    assert stats.on_time_rate == 0.5 and stats.average_rating == 5.0 and stats.ratings_count == 1
    assert [(p.day.day, p.received) for p in stats.trend] == [(1, 2), (2, 0), (3, 1)]


def test_a_citizen_never_finds_anothers_feedback(parts):
    service, store, *_ = parts
    store.items["f" * 32] = feedback(citizen_id="e" * 32)
    with pytest.raises(NotFoundError):
        service.get(CITIZEN, "f" * 32)


# ---------------------------------------------------------------- who reads, comments and acts


ENV_ID = "e" * 32


def env_item(parts, **extra: Any) -> Feedback:
    _, store, *_ = parts
    item = feedback("assigned", unit=Role.ENVIRONMENT, id=ENV_ID, field_code="environment", **extra)
    store.items[ENV_ID] = item
    return item


@pytest.mark.parametrize(
    ("roles", "sees"),
    [
        ({Role.ENVIRONMENT}, True),  # the handling unit
        ({Role.ADMIN}, True),  # the leadership
        ({Role.OFFICE}, True),
        ({Role.CULTURE}, True),  # publishes, so sees every item (as in its inbox)
        ({Role.POLICE}, False),
        ({Role.POLICE, Role.HEALTH}, False),
        ({Role.POLICE, Role.ENVIRONMENT}, True),
    ],
)
def test_staff_find_an_item_only_when_their_inbox_would_list_it(parts, roles, sees):
    service, *_ = parts
    env_item(parts)
    caller = person(*roles)
    if sees:
        assert service.get(caller, ENV_ID).id == ENV_ID
    else:
        with pytest.raises(NotFoundError) as caught:  # 404, as for an id that does not exist
            service.get(caller, ENV_ID)
        assert caught.value.message == "Không tìm thấy phản ánh này."


def test_another_unit_can_neither_comment_nor_act_nor_moderate(parts):
    service, store, *_ = parts
    env_item(parts)
    citizen_comment = service.comment(CITIZEN, ENV_ID, "Xin cho biết tiến độ")
    police = person(Role.POLICE)
    with pytest.raises(NotFoundError):
        service.comment(police, ENV_ID, "Công an đã biết")
    with pytest.raises(NotFoundError):
        service.act(police, ENV_ID, ActionRequest(action="start", expected_version=1))
    with pytest.raises(NotFoundError):
        service.set_comment_hidden(police, ENV_ID, citizen_comment.id, True)
    assert store.items[ENV_ID].status == "assigned" and len(store.comments[ENV_ID]) == 1
    assert not store.comments[ENV_ID][0].hidden and store.audits == [None]  # only the citizen's comment


@pytest.mark.parametrize(
    ("roles", "unit", "label"),
    [
        ({Role.ENVIRONMENT}, Role.ENVIRONMENT, "Địa chính - Môi trường"),
        ({Role.ADMIN}, Role.ADMIN, "Lãnh đạo / quản trị"),
        ({Role.ADMIN, Role.ENVIRONMENT}, Role.ENVIRONMENT, "Địa chính - Môi trường"),  # replies as the handling unit
        ({Role.CULTURE, Role.POLICE}, Role.CULTURE, "Văn hóa - Thông tin"),  # police is not this item's unit
    ],
)
def test_a_staff_comment_records_and_shows_the_unit_it_was_written_as(parts, roles, unit, label):
    service, store, *_ = parts
    env_item(parts)
    shown = service.comment(person(*roles), ENV_ID, "Đã tiếp nhận, sẽ xử lý trong tuần")
    stored = store.comments[ENV_ID][0]
    assert stored.author == "staff" and stored.author_unit is unit
    assert store.audits[-1].actor_role is unit
    assert (shown.author, shown.author_unit, shown.author_label) == ("commune", unit, label)
    seen = service.get(CITIZEN, ENV_ID).comments
    assert [(c.author_label, c.body) for c in seen] == [(label, "Đã tiếp nhận, sẽ xử lý trong tuần")]
    assert "staff-1" not in seen[0].model_dump_json()


def test_a_citizen_comment_and_an_old_staff_comment_are_labelled_plainly():
    from smartcommune.feedback.contracts.views import CommentView

    base = {"id": "1" * 13, "feedback_id": ENV_ID, "commune_id": "giao-phong", "body": "x", "created_at": NOW}
    citizen = CommentView.of(Comment(author="citizen", author_id="c" * 32, **base))
    assert (citizen.author_unit, citizen.author_label) == (None, "Người dân")
    stored_before = Comment(author="staff", author_id="s-1", **base).model_dump(mode="json", exclude={"author_unit"})
    old = CommentView.of(Comment.model_validate(stored_before))
    assert (old.author_unit, old.author_label) == (None, "UBND xã")  # stored before units were recorded
