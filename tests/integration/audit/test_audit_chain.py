"""The audit trail: append-only, hash-chained, and tampering is detected."""

from __future__ import annotations

import threading

import pytest

from smartcommune.audit.contracts import AuditRecord
from smartcommune.audit.logic import verify_chain
from smartcommune.audit.storage.journal import AuditEntryItem, AuditHeadItem, AuditRepository
from smartcommune.core.contracts import Role


def _record(n: int) -> AuditRecord:
    return AuditRecord(
        actor_id="staff-admin",
        actor_role=Role.ADMIN,
        action="citizen.lock",
        target=f"citizen/{n}",
        before={"status": "active"},
        after={"status": "locked"},
    )


@pytest.fixture
def audit(services) -> AuditRepository:
    from smartcommune.audit.wiring import audit_repository

    return services.get(audit_repository)


def _verify(audit: AuditRepository, commune: str = "giao-phong"):
    return verify_chain(commune, audit.all_entries(commune), audit.head(commune))


def test_entries_chain_and_verify(audit):
    for n in range(5):
        audit.commit("giao-phong", _record(n))
    report = _verify(audit)
    assert report.ok, report.problems
    assert report.entries == 5
    page = audit.page("giao-phong", limit=2)
    assert [e.seq for e in page.entries] == [5, 4]
    assert [e.seq for e in audit.page("giao-phong", before_seq=page.next_before_seq, limit=2).entries] == [3, 2]


def test_an_edited_entry_is_detected(audit):
    for n in range(3):
        audit.commit("giao-phong", _record(n))
    item = AuditEntryItem.get("C#giao-phong#AUDIT", f"E#{2:012d}")
    item.update(actions=[AuditEntryItem.actor_id.set("someone-else")])
    report = _verify(audit)
    assert not report.ok
    assert "entry 2 was changed after it was written" in report.problems


def test_a_deleted_entry_and_a_deleted_tail_are_detected(audit):
    for n in range(4):
        audit.commit("giao-phong", _record(n))
    AuditEntryItem.get("C#giao-phong#AUDIT", f"E#{2:012d}").delete()
    assert any("entry 2 is missing" in p for p in _verify(audit).problems)
    AuditEntryItem.get("C#giao-phong#AUDIT", f"E#{4:012d}").delete()
    assert any("entries were removed" in p for p in _verify(audit).problems)


def test_communes_have_separate_chains(audit):
    audit.commit("giao-phong", _record(1))
    audit.commit("bach-long", _record(2))
    assert AuditHeadItem.get("C#giao-phong#AUDIT", "HEAD").seq == 1
    assert AuditHeadItem.get("C#bach-long#AUDIT", "HEAD").seq == 1
    assert _verify(audit, "bach-long").ok


def test_concurrent_appends_keep_one_linear_chain(audit):
    errors: list[Exception] = []

    def append(n: int) -> None:
        try:
            audit.commit("giao-phong", _record(n))
        except Exception as exc:  # pragma: no cover - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    report = _verify(audit)
    assert report.ok and report.entries == 6
