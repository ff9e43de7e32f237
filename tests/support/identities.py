"""Accounts and sessions for tests, and in-memory fakes of the identity and citizen stores.

``staff_token`` and ``citizen_token`` go through the domain services (no SMS code, no password check), so a
test that only needs "someone signed in" stays fast.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from smartcommune.citizens.contracts import Citizen
from smartcommune.citizens.logic import matches, name_key, search_text
from smartcommune.communes.contracts import Commune, Hamlet
from smartcommune.core.errors import ConflictError

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.core.contracts import Role
    from smartcommune.core.services import Services
    from smartcommune.identity.contracts import StaffAccount
    from smartcommune.identity.logic.ports import LoginAttempt, OtpChallenge, Session, StaffRecord

DEMO_PASSWORD = "mat-khau-thu-nghiem-2025"

GIAO_PHONG = Commune(
    id="giao-phong",
    name="Xã Giao Phong",
    district="Huyện Giao Thủy",
    province_id="nam-dinh",
    province="Tỉnh Nam Định",
    hamlets=[Hamlet(id=f"xom-{n}", name=f"Xóm {n}") for n in range(1, 6)],
    households=2467,
    population=6835,
)
BACH_LONG = Commune(
    id="bach-long",
    name="Xã Bạch Long",
    district="Huyện Giao Thủy",
    province_id="nam-dinh",
    province="Tỉnh Nam Định",
    hamlets=[Hamlet(id=f"xom-{n}", name=f"Xóm {n}") for n in range(1, 4)],
)
DEMO_COMMUNES = {c.id: c for c in (GIAO_PHONG, BACH_LONG)}

_phones = itertools.count(1)


def next_phone() -> str:
    """A fresh valid mobile number (E.164) for this test process."""
    return f"+8491{next(_phones):07d}"


def ensure_demo_communes(services: Services) -> None:
    """Create ``giao-phong`` (5 hamlets) and ``bach-long`` (3 hamlets)."""
    from smartcommune.communes.wiring import commune_repository

    repository = services.get(commune_repository)
    for commune in DEMO_COMMUNES.values():
        repository.put(commune)


def _ensure_commune(services: Services, commune_id: str) -> None:
    from smartcommune.communes.wiring import commune_repository

    repository = services.get(commune_repository)
    if repository.get(commune_id) is None and commune_id in DEMO_COMMUNES:
        repository.put(DEMO_COMMUNES[commune_id])


def staff_token(services: Services, role: Role, commune_id: str = "giao-phong", username: str | None = None) -> str:
    """A session token of a staff member with ``role`` in ``commune_id`` (the account is made if missing)."""
    from smartcommune.identity.wiring import identity_service

    _ensure_commune(services, commune_id)
    identity = services.get(identity_service)
    account = identity.create_staff_account(
        commune_id,
        username or f"{role.value}-{commune_id}",
        f"Cán bộ {role.value} {commune_id}",
        [role],
        DEMO_PASSWORD,
    )
    return identity.start_session(account.commune_id, account.id, "staff").token


def citizen_token(services: Services, commune_id: str = "giao-phong", phone: str | None = None) -> tuple[str, str]:
    """``(token, citizen_id)`` of a citizen with a complete profile (the account is made if missing)."""
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.identity.wiring import identity_service

    _ensure_commune(services, commune_id)
    commune = services.get(commune_repository).get(commune_id)
    assert commune is not None, f"unknown commune {commune_id}"
    citizens = services.get(citizen_repository)
    phone = phone or next_phone()
    citizen = citizens.find_by_phone(commune_id, phone)
    if citizen is None:
        now = services.clock()
        citizen = citizens.create(
            Citizen(
                id=uuid.uuid4().hex,
                commune_id=commune_id,
                phone=phone,
                full_name="Công Dân Thử Nghiệm",
                hamlet_id=commune.hamlets[0].id,
                address=f"{commune.hamlets[0].name}, {commune.name}",
                created_at=now,
                updated_at=now,
                created_by="test",
            )
        )
    session = services.get(identity_service).start_session(commune_id, citizen.id, "citizen")
    return session.token, citizen.id


def auth(token: str) -> dict[str, str]:
    """Headers of a JSON request with this session."""
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


# ---------------------------------------------------------------- in-memory fakes (unit tests)


@dataclass
class FakeCommunes:
    communes: dict[str, Commune] = field(default_factory=lambda: dict(DEMO_COMMUNES))

    def get(self, commune_id: str) -> Commune | None:
        return self.communes.get(commune_id)


@dataclass
class RecordingAudit:
    records: list[tuple[str, AuditRecord]] = field(default_factory=list)

    def commit(self, commune_id: str, record: AuditRecord, add_writes: Any = None) -> None:
        self.records.append((commune_id, record))


@dataclass
class InMemoryCitizens:
    """A ``CitizenStore`` in a dict, with the same uniqueness and optimistic-locking rules as the table."""

    audit: RecordingAudit = field(default_factory=RecordingAudit)
    items: dict[tuple[str, str], Citizen] = field(default_factory=dict)

    def get(self, commune_id: str, citizen_id: str) -> Citizen | None:
        return self.items.get((commune_id, citizen_id))

    def find_by_phone(self, commune_id: str, phone: str) -> Citizen | None:
        return next((c for (cid, _), c in self.items.items() if cid == commune_id and c.phone == phone), None)

    def find_by_cccd(self, commune_id: str, cccd: str) -> Citizen | None:
        return next((c for (cid, _), c in self.items.items() if cid == commune_id and c.cccd == cccd), None)

    def create(self, citizen: Citizen, audit: AuditRecord | None = None) -> Citizen:
        if self.find_by_phone(citizen.commune_id, citizen.phone) or (
            citizen.cccd and self.find_by_cccd(citizen.commune_id, citizen.cccd)
        ):
            raise ConflictError("trùng", "taken")
        stored = citizen.model_copy(update={"version": 1})
        self.items[(citizen.commune_id, citizen.id)] = stored
        if audit is not None:
            self.audit.commit(citizen.commune_id, audit)
        return stored

    def create_many(self, citizens: list[Citizen]) -> None:
        for citizen in citizens:
            self.create(citizen)

    def update(self, before: Citizen, after: Citizen, audit: AuditRecord | None = None) -> Citizen:
        current = self.items[(before.commune_id, before.id)]
        holder = self.find_by_cccd(after.commune_id, after.cccd) if after.cccd else None
        if current.version != before.version or (holder is not None and holder.id != after.id):
            raise ConflictError("xung đột", "conflict")
        stored = after.model_copy(update={"version": (before.version or 0) + 1})
        self.items[(before.commune_id, before.id)] = stored
        if audit is not None:
            self.audit.commit(before.commune_id, audit)
        return stored

    def page(
        self,
        commune_id: str,
        *,
        hamlet_id: str | None,
        status: str | None,
        words: list[str],
        cursor: str | None,
        limit: int,
        cccd_pending: bool | None = None,
    ) -> tuple[list[Citizen], str | None]:
        rows = sorted(
            (c for (cid, _), c in self.items.items() if cid == commune_id),
            key=name_key,
        )
        rows = [
            c
            for c in rows
            if (hamlet_id is None or c.hamlet_id == hamlet_id)
            and (status is None or c.status == status)
            and (not cccd_pending or c.cccd_pending is not None)
            and matches(search_text(c), words)
            and (cursor is None or name_key(c) > cursor)
        ]
        page = rows[:limit]
        return page, name_key(page[-1]) if len(rows) > limit else None

    def transfer_cccd(self, holder: Citizen, claimant: Citizen, after: Citizen, audit: AuditRecord) -> Citizen:
        if self.items[(holder.commune_id, holder.id)].version != holder.version:
            raise ConflictError("xung đột", "conflict")
        self.items[(holder.commune_id, holder.id)] = holder.model_copy(
            update={"cccd": None, "version": (holder.version or 0) + 1}
        )
        return self.update(claimant, after, audit)


@dataclass
class InMemoryStaff:
    audit: RecordingAudit = field(default_factory=RecordingAudit)
    records: dict[str, StaffRecord] = field(default_factory=dict)  # by id
    # The sign-in guard, by key: (failures in a row, locked until).
    guards: dict[str, tuple[int, datetime | None]] = field(default_factory=dict)

    def by_username(self, username: str) -> StaffRecord | None:
        return next((r for r in self.records.values() if r.account.username == username), None)

    def get(self, commune_id: str, staff_id: str) -> StaffRecord | None:
        record = self.records.get(staff_id)
        return record if record is not None and record.account.commune_id == commune_id else None

    def list(self, commune_id: str) -> list[StaffAccount]:
        return [r.account for r in self.records.values() if r.account.commune_id == commune_id]

    def create(self, record: StaffRecord, audit: AuditRecord | None = None) -> None:
        if self.by_username(record.account.username):
            raise ConflictError("trùng", "taken")
        self.records[record.account.id] = record
        if audit is not None:
            self.audit.commit(record.account.commune_id, audit)

    def change(self, before: StaffRecord, after: StaffRecord, audit: AuditRecord, *, admin_witness: str) -> None:
        current = self.records[before.account.id]
        witness = self.records.get(admin_witness)
        witness_ok = witness is not None and witness.account.status == "active" and "admin" in witness.account.roles
        if (current.account.status, current.account.roles) != (before.account.status, before.account.roles) or (
            admin_witness != before.account.id and not witness_ok
        ):
            raise ConflictError("xung đột", "conflict")
        self.records[before.account.id] = after
        self.audit.commit(before.account.commune_id, audit)

    def replace_password_hash(self, commune_id: str, staff_id: str, old_hash: str, new_hash: str) -> bool:
        record = self.records[staff_id]
        if record.password_hash != old_hash:
            return False
        self.records[staff_id] = replace(record, password_hash=new_hash)
        return True

    def admit_attempt(self, guard_key: str, now: datetime, max_failures: int, lockout_s: int) -> LoginAttempt:
        from smartcommune.identity.logic.ports import LoginAttempt

        failures, until = self.guards.get(guard_key, (0, None))
        if until is not None and until > now:
            return LoginAttempt(admitted=False, locked_until=until)
        if failures >= max_failures:
            until = now + timedelta(seconds=lockout_s)
            self.guards[guard_key] = (0, until)
            return LoginAttempt(admitted=False, locked_until=until)
        self.guards[guard_key] = (failures + 1, until)
        return LoginAttempt(admitted=True, failures=failures + 1)

    def lock_out(self, guard_key: str, until: datetime) -> None:
        self.guards[guard_key] = (0, until)

    def clear_attempts(self, guard_key: str) -> None:
        self.guards.pop(guard_key, None)


@dataclass
class InMemorySessions:
    sessions: dict[str, Session] = field(default_factory=dict)
    # The account stores the sessions are read together with (as the DynamoDB store batches both reads).
    citizens: Any = None
    staff: Any = None

    def put(self, session: Session) -> None:
        self.sessions[session.token_hash] = session

    def get(self, token_hash: str) -> Session | None:
        return self.sessions.get(token_hash)

    def get_with_account(self, token_hash: str, kind: str, commune_id: str, subject_id: str) -> tuple[Any, Any]:
        session = self.sessions.get(token_hash)
        if kind == "citizen":
            account = self.citizens.get(commune_id, subject_id) if self.citizens is not None else None
        else:
            account = self.staff.get(commune_id, subject_id) if self.staff is not None else None
        return session, account

    def delete(self, token_hash: str) -> None:
        self.sessions.pop(token_hash, None)

    def delete_all_of_staff(self, commune_id: str, staff_id: str) -> int:
        found = [
            h
            for h, s in self.sessions.items()
            if (s.subject_kind, s.commune_id, s.subject_id) == ("staff", commune_id, staff_id)
        ]
        for token in found:
            del self.sessions[token]
        return len(found)


@dataclass
class InMemoryOtps:
    challenges: dict[tuple[str, str], OtpChallenge] = field(default_factory=dict)

    def get(self, commune_id: str, phone_key: str) -> OtpChallenge | None:
        return self.challenges.get((commune_id, phone_key))

    def put(self, challenge: OtpChallenge, sent_before: datetime) -> bool:
        current = self.challenges.get((challenge.commune_id, challenge.phone_key))
        if current is not None and current.sent_at > sent_before and current.expires_at > challenge.sent_at:
            return False
        self.challenges[(challenge.commune_id, challenge.phone_key)] = challenge
        return True

    def add_failed_attempt(self, commune_id: str, phone_key: str, max_attempts: int) -> int | None:
        current = self.challenges.get((commune_id, phone_key))
        if current is None or current.attempts >= max_attempts:
            return None
        self.challenges[(commune_id, phone_key)] = replace(current, attempts=current.attempts + 1)
        return current.attempts + 1

    def consume(self, commune_id: str, phone_key: str, code_hash: str, max_attempts: int, now: datetime) -> bool:
        current = self.challenges.get((commune_id, phone_key))
        if current is None or current.code_hash != code_hash or current.attempts >= max_attempts:
            return False
        if current.expires_at <= now:
            return False
        del self.challenges[(commune_id, phone_key)]
        return True

    def delete(self, commune_id: str, phone_key: str) -> None:
        self.challenges.pop((commune_id, phone_key), None)


@dataclass
class InMemoryRates:
    counts: dict[tuple[str, int], int] = field(default_factory=dict)

    def hit(self, key: str, limit: int, window_s: int, now: datetime) -> int | None:
        epoch = int(now.timestamp())
        window = epoch // window_s
        if self.counts.get((key, window), 0) >= limit:
            return (window + 1) * window_s - epoch
        self.counts[(key, window)] = self.counts.get((key, window), 0) + 1
        return None

    def release(self, key: str, window_s: int, now: datetime) -> None:
        window = int(now.timestamp()) // window_s
        if self.counts.get((key, window), 0) > 0:
            self.counts[(key, window)] -= 1


@dataclass
class RecordingSms:
    sent: list[tuple[str, str, str]] = field(default_factory=list)
    threads: list[tuple[str | None, int | None]] = field(default_factory=list)  # (thread, order) of each send

    def send(
        self, phone_e164: str, text: str, purpose: str, thread: str | None = None, order: int | None = None
    ) -> None:
        self.sent.append((phone_e164, text, purpose))
        self.threads.append((thread, order))

    def last_code(self) -> str:
        match = re.search(r"\b(\d{6})\b", self.sent[-1][1])
        assert match, self.sent[-1][1]
        return match.group(1)
