"""Citizen accounts in the pure service: search matching, registration rules, lock, import."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smartcommune.citizens.contracts import Citizen, CitizenQuery, NewCitizen, ProfileUpdate
from smartcommune.citizens.logic import CitizenService, classify_query, matches, search_text
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, InvalidInputError, NotFoundError
from smartcommune.core.principal import Principal
from tests.support.identities import FakeCommunes, InMemoryCitizens, RecordingAudit

NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


def staff(commune: str = "giao-phong", role: Role = Role.OFFICE) -> Principal:
    return Principal(
        subject_id="staff-1",
        kind="staff",
        roles=frozenset({role}),
        commune_id=commune,
        display_name="Cán bộ",
        session_id="s",
        expires_at=NOW,
    )


def citizen(**fields: object) -> Citizen:
    base: dict[str, object] = {
        "id": "a" * 32,
        "commune_id": "giao-phong",
        "phone": "+84912345678",
        "full_name": "Nguyễn Văn An",
        "address": "Xóm 1, Giao Phong",
        "created_at": NOW,
        "updated_at": NOW,
        "created_by": "test",
    }
    return Citizen.model_validate(base | fields)


@pytest.fixture
def parts():
    audit = RecordingAudit()
    store = InMemoryCitizens(audit=audit)
    service = CitizenService(clock=lambda: NOW, communes=FakeCommunes(), citizens=store, audit=audit)
    return service, store, audit


def new(name: str, phone: str, hamlet: str = "xom-1", cccd: str | None = None) -> NewCitizen:
    return NewCitizen(full_name=name, phone=phone, hamlet_id=hamlet, address=f"{hamlet}, Giao Phong", cccd=cccd)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("nguyen van an", True),
        ("Nguyễn Văn An", True),
        ("NGUYEN an", True),
        ("an nguyen", True),  # order does not matter
        ("nguy", True),  # a word may be the start of a word
        ("nguyen van binh", False),  # every word must match
        ("guyen", False),  # but not the middle of one
        ("xom 1", True),  # address
        ("0912345", True),  # part of the phone
        ("036090", True),  # part of the CCCD
    ],
)
def test_search_matching_ignores_diacritics_and_needs_every_word(query, found):
    text = search_text(citizen(cccd="036090001234"))
    _, words = classify_query(query)
    assert matches(text, words) is found


def test_search_text_handles_the_letter_d_with_stroke():
    assert matches(search_text(citizen(full_name="Đỗ Thị Đào")), ["do", "dao"])


@pytest.mark.parametrize(
    ("query", "kind", "value"),
    [
        ("0912 345 678", "phone", "+84912345678"),
        ("+84912345678", "phone", "+84912345678"),
        ("84912345678", "phone", "+84912345678"),
        ("036090001234", "cccd", "036090001234"),
        ("nguyễn văn", "words", ["nguyen", "van"]),
        ("0912", "words", ["0912"]),
    ],
)
def test_phone_and_cccd_queries_are_exact_lookups(query, kind, value):
    assert classify_query(query) == (kind, value)


def test_search_lists_only_the_callers_commune_in_name_order(parts):
    service, _, _ = parts
    for name, phone in [("Trần Bình", "+84912000001"), ("Nguyễn Văn An", "+84912000002"), ("Lê Thanh", "+84912000003")]:
        service.register(staff(), new(name, phone))
    service.register(staff("bach-long"), new("Nguyễn Văn An", "+84912000004"))
    page = service.search(staff(), CitizenQuery())
    assert [i.full_name for i in page.items] == ["Lê Thanh", "Nguyễn Văn An", "Trần Bình"]
    assert [i.full_name for i in service.search(staff(), CitizenQuery(q="nguyen van an")).items] == ["Nguyễn Văn An"]
    assert service.search(staff(), CitizenQuery(q="0912000004")).items == []
    assert len(service.search(staff("bach-long"), CitizenQuery(q="+84912000004")).items) == 1
    first = service.search(staff(), CitizenQuery(limit=2))
    assert first.next_cursor is not None
    rest = service.search(staff(), CitizenQuery(limit=2, cursor=first.next_cursor))
    assert [i.full_name for i in rest.items] == ["Trần Bình"] and rest.next_cursor is None


def test_register_checks_hamlet_phone_and_cccd_and_is_audited_masked(parts):
    service, _, audit = parts
    created = service.register(staff(), new("Nguyễn Văn An", "+84912345678", cccd="036090001234"), "req-1")
    with pytest.raises(InvalidInputError) as info:
        service.register(staff(), new("Bê Bê", "+84912000009", hamlet="xom-9"))
    assert info.value.details[0].field == "hamlet_id"
    with pytest.raises(ConflictError, match="phone"):
        service.register(staff(), new("Cê Cê", "+84912345678"))
    with pytest.raises(ConflictError, match="citizen ID"):
        service.register(staff(), new("Đê Đê", "+84912000008", cccd="036090001234"))
    ((commune, record),) = audit.records
    assert commune == "giao-phong" and record.action == "citizen.create" and record.request_id == "req-1"
    assert record.target == f"citizen/{created.id}"
    dumped = record.model_dump_json()
    assert "0912345678" not in dumped and "036090001234" not in dumped and "+84912345678" not in dumped


def test_lock_and_unlock_record_before_and_after(parts):
    service, store, audit = parts
    created = service.register(staff(), new("Nguyễn Văn An", "+84912345678"))
    locked = service.lock(staff(), created.id, "Giả mạo")
    assert locked.status == "locked" and locked.sessions_valid_after == NOW
    with pytest.raises(ConflictError):
        service.lock(staff(), created.id, "lần nữa")
    with pytest.raises(NotFoundError):
        service.lock(staff("bach-long"), created.id, "khác xã")
    service.unlock(staff(), created.id, "Đã xác minh")
    assert store.get("giao-phong", created.id).status == "active"
    actions = [(r.action, r.before, r.after) for _, r in audit.records[1:]]
    assert actions[0][0] == "citizen.lock" and actions[0][2] == {"status": "locked", "reason": "Giả mạo"}
    assert actions[1][0] == "citizen.unlock" and actions[1][1]["status"] == "locked"


def test_a_citizen_updates_their_profile_with_a_unique_cccd(parts):
    service, store, _ = parts
    a = service.register(staff(), new("A Một", "+84912000001", cccd="036090001234"))
    b = service.register(staff(), new("B Hai", "+84912000002"))
    me = Principal(
        subject_id=b.id,
        kind="citizen",
        roles=frozenset({Role.CITIZEN}),
        commune_id="giao-phong",
        display_name="B",
        session_id="s",
        expires_at=NOW,
    )
    update = ProfileUpdate(full_name="Bùi Văn Hai", hamlet_id="xom-3", address="Xóm 3", cccd="036090001234")
    with pytest.raises(ConflictError):
        service.update_profile(me, update)
    done = service.update_profile(me, update.model_copy(update={"cccd": "036090009999"}))
    assert done.full_name == "Bùi Văn Hai" and done.hamlet_id == "xom-3"
    assert store.find_by_cccd("giao-phong", "036090009999").id == b.id
    assert store.find_by_cccd("giao-phong", "036090001234").id == a.id


def test_import_is_idempotent_by_phone_with_one_audit_entry(parts):
    service, _, audit = parts
    batch = [new("A Một", "+84912000001"), new("B Hai", "+84912000002"), new("B Hai lặp", "+84912000002")]
    assert service.import_citizens("giao-phong", batch) == 2
    assert service.import_citizens("giao-phong", batch) == 0
    assert [r.action for _, r in audit.records] == ["citizen.import"]
    assert audit.records[0][1].after == {"created": 2, "submitted": 3}
