"""Citizen accounts in the pure service: search matching, registration rules, lock, import, CCCD claims."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smartcommune.citizens.contracts import (
    CccdVerification,
    Citizen,
    CitizenQuery,
    CitizenSelf,
    NewCitizen,
    ProfileUpdate,
)
from smartcommune.citizens.logic import CitizenLimits, CitizenService, classify_query, matches, search_text
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, InvalidInputError, NotFoundError, RateLimitedError
from smartcommune.core.principal import Principal
from tests.support.identities import FakeCommunes, InMemoryCitizens, InMemoryRates, RecordingAudit

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
        ("036090", False),  # but never part of the CCCD: lists show it masked, a prefix would unmask it
        ("036090001234", False),  # (a whole one is a key look-up, not a word)
    ],
)
def test_search_matching_ignores_diacritics_and_needs_every_word(query, found):
    text = search_text(citizen(cccd="036090001234"))
    _, words = classify_query(query)
    assert matches(text, words) is found


def test_the_search_text_holds_no_cccd():
    assert "036090001234" not in search_text(citizen(cccd="036090001234", cccd_pending="036090009999"))
    assert "036090009999" not in search_text(citizen(cccd_pending="036090009999"))


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


def me(of: Citizen) -> Principal:
    return Principal(
        subject_id=of.id,
        kind="citizen",
        roles=frozenset({Role.CITIZEN}),
        commune_id=of.commune_id,
        display_name="Công dân",
        session_id="s",
        expires_at=NOW,
    )


PROFILE = {"full_name": "Bùi Văn Hai", "hamlet_id": "xom-3", "address": "Xóm 3"}


def test_a_cccd_given_on_the_profile_waits_for_staff_and_reads_the_same_whether_taken_or_not(parts):
    # Given An's CCCD is registered, and two other citizens
    service, store, _ = parts
    an = service.register(staff(), new("A Một", "+84912000001", cccd="036090001234"))
    mallory = service.register(staff(), new("M Hai", "+84912000002"))
    binh = service.register(staff(), new("B Ba", "+84912000003"))
    # When one gives An's number on their profile and the other a number nobody has
    claimed = service.update_profile(me(mallory), ProfileUpdate(**PROFILE, cccd="036090001234"))
    fresh = service.update_profile(me(binh), ProfileUpdate(**PROFILE, cccd="036090009999"))
    # Then both are accepted alike: the number waits for staff, nothing tells whether it is someone's
    for citizen in (claimed, fresh):
        view = CitizenSelf.of(citizen)
        assert view.cccd_notice == "Số CCCD đang chờ cán bộ xác minh." and view.cccd_masked is None
        assert view.full_name == "Bùi Văn Hai"
    assert CitizenSelf.of(claimed).cccd_pending_masked == "036*******34"
    # And no look-up changed: An still holds the number, the fresh one belongs to no one yet
    assert store.find_by_cccd("giao-phong", "036090001234").id == an.id
    assert store.find_by_cccd("giao-phong", "036090009999") is None


def test_giving_the_verified_cccd_again_or_null_withdraws_a_claim(parts):
    service, _, _ = parts
    an = service.register(staff(), new("A Một", "+84912000001", cccd="036090001234"))
    assert service.update_profile(me(an), ProfileUpdate(**PROFILE, cccd="036090009999")).cccd_pending
    again = service.update_profile(me(an), ProfileUpdate(**PROFILE, cccd="036090001234"))
    assert again.cccd == "036090001234" and again.cccd_pending is None
    cleared = service.update_profile(me(an), ProfileUpdate(**PROFILE, cccd=None))
    assert cleared.cccd is None and cleared.cccd_pending is None


def test_staff_verify_a_claim_against_the_card(parts):
    service, store, audit = parts
    binh = service.register(staff(), new("B Ba", "+84912000003"))
    service.update_profile(me(binh), ProfileUpdate(**PROFILE, cccd="036090009999"))
    # A number that is not the one given is refused (the card does not match)
    with pytest.raises(InvalidInputError) as info:
        service.verify_cccd(staff(role=Role.POLICE), binh.id, CccdVerification(cccd="036090001111"))
    assert info.value.details[0].field == "cccd"
    # The right one becomes the verified, unique, searchable number
    done = service.verify_cccd(staff(role=Role.POLICE), binh.id, CccdVerification(cccd="036090009999"), "req-9")
    assert done.cccd == "036090009999" and done.cccd_pending is None
    assert store.find_by_cccd("giao-phong", "036090009999").id == binh.id
    record = audit.records[-1][1]
    assert record.action == "citizen.cccd_verify" and record.request_id == "req-9"
    assert record.after == {"cccd": "036*******99"} and "036090009999" not in record.model_dump_json()
    with pytest.raises(ConflictError):  # nothing left to verify
        service.verify_cccd(staff(), binh.id, CccdVerification(cccd="036090009999"))


def test_a_claim_on_a_registered_cccd_is_moved_only_when_staff_say_so(parts):
    service, store, audit = parts
    an = service.register(staff(), new("A Một", "+84912000001", cccd="036090001234"))
    mallory = service.register(staff(), new("M Hai", "+84912000002"))
    service.update_profile(me(mallory), ProfileUpdate(**PROFILE, cccd="036090001234"))
    with pytest.raises(ConflictError, match="another account"):
        service.verify_cccd(staff(), mallory.id, CccdVerification(cccd="036090001234"))
    assert store.find_by_cccd("giao-phong", "036090001234").id == an.id
    moved = service.verify_cccd(staff(), mallory.id, CccdVerification(cccd="036090001234", replace_holder=True))
    assert moved.cccd == "036090001234" and store.get("giao-phong", an.id).cccd is None
    assert store.find_by_cccd("giao-phong", "036090001234").id == mallory.id
    assert audit.records[-1][1].after == {"cccd": "036*******34", "taken_from": f"citizen/{an.id}"}


def test_staff_turn_a_claim_down_and_the_reason_is_audited(parts):
    service, _, audit = parts
    an = service.register(staff(), new("A Một", "+84912000001", cccd="036090001234"))
    service.update_profile(me(an), ProfileUpdate(**PROFILE, cccd="036090009999"))
    done = service.reject_cccd(staff(), an.id, "Không khớp giấy tờ")
    assert done.cccd == "036090001234" and done.cccd_pending is None
    record = audit.records[-1][1]
    assert record.action == "citizen.cccd_reject"
    assert record.before == {"cccd_pending": "036*******99"}
    assert record.after == {"cccd_pending": None, "reason": "Không khớp giấy tờ"}


def test_a_profile_change_is_audited_with_numbers_masked(parts):
    service, _, audit = parts
    an = service.register(staff(), new("A Một", "+84912345678", cccd="036090001234"))
    service.update_profile(me(an), ProfileUpdate(**PROFILE, cccd="036090009999"), "203.0.113.7", "req-2")
    commune, record = audit.records[-1]
    assert commune == "giao-phong" and record.action == "citizen.profile_update" and record.request_id == "req-2"
    assert record.actor_id == an.id and record.actor_role == Role.CITIZEN and record.target == f"citizen/{an.id}"
    assert record.before == {
        "full_name": "A Một",
        "cccd_pending": None,
        "hamlet_id": "xom-1",
        "address": "xom-1, Giao Phong",
    }
    assert record.after == {
        "full_name": "Bùi Văn Hai",
        "cccd_pending": "036*******99",
        "hamlet_id": "xom-3",
        "address": "Xóm 3",
    }
    dumped = record.model_dump_json()
    for secret in ("036090009999", "036090001234", "0912345678", "+84912345678", "203.0.113.7"):
        assert secret not in dumped


def test_profile_changes_are_limited_per_citizen_and_per_client():
    audit = RecordingAudit()
    store = InMemoryCitizens(audit=audit)
    limits = CitizenLimits(profile_updates_per_citizen=3, profile_updates_per_client=5, cccd_lookups_per_staff=2)
    service = CitizenService(
        clock=lambda: NOW, communes=FakeCommunes(), citizens=store, audit=audit, rates=InMemoryRates(), limits=limits
    )
    people = [service.register(staff(), new(f"Người {n}", f"+8491200000{n}")) for n in range(1, 4)]
    # One citizen trying number after number is stopped after three changes in the hour
    for n in range(3):
        service.update_profile(me(people[0]), ProfileUpdate(**PROFILE, cccd=f"03609000000{n}"), "203.0.113.7")
    with pytest.raises(RateLimitedError) as info:
        service.update_profile(me(people[0]), ProfileUpdate(**PROFILE, cccd="036090000009"), "198.51.100.1")
    assert "quá nhiều" in info.value.message and 0 < info.value.retry_after_s <= 3600
    # And many accounts from one address are stopped together (three + two more = five from 203.0.113.7)
    for person in people[1:]:
        service.update_profile(me(person), ProfileUpdate(**PROFILE), "203.0.113.7")
    with pytest.raises(RateLimitedError):
        service.update_profile(me(people[2]), ProfileUpdate(**PROFILE), "203.0.113.7")
    # Staff look-ups by a full CCCD are limited too (guessing the hidden digits of a masked number)
    for _ in range(2):
        service.search(staff(), CitizenQuery(q="036090001234"))
    with pytest.raises(RateLimitedError):
        service.search(staff(), CitizenQuery(q="036090001235"))
    assert service.search(staff(), CitizenQuery(q="bui van")).items  # other searches are not limited


def test_import_is_idempotent_by_phone_with_one_audit_entry(parts):
    service, _, audit = parts
    batch = [new("A Một", "+84912000001"), new("B Hai", "+84912000002"), new("B Hai lặp", "+84912000002")]
    assert service.import_citizens("giao-phong", batch) == 2
    assert service.import_citizens("giao-phong", batch) == 0
    assert [r.action for _, r in audit.records] == ["citizen.import"]
    assert audit.records[0][1].after == {"created": 2, "submitted": 3}
