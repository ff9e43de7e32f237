"""``CitizenService``: citizens' own profile (:mod:`.profile`), and the management of citizen accounts by staff."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from smartcommune.audit.contracts import AuditRecord
from smartcommune.citizens.contracts import Citizen, CitizenListItem, CitizenPage, CitizenQuery
from smartcommune.citizens.logic.base import PHONE_TAKEN
from smartcommune.citizens.logic.profile import CitizenProfile
from smartcommune.citizens.logic.search import classify_query, without_own_commune
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, InvalidInputError

if TYPE_CHECKING:
    from smartcommune.citizens.contracts import NewCitizen
    from smartcommune.core.principal import Principal


class CitizenService(CitizenProfile):
    """Citizens' own profile, and the management of citizen accounts by commune staff."""

    # ------------------------------------------------------------ staff

    def search(self, caller: Principal, query: CitizenQuery) -> CitizenPage:
        """List or search the caller's commune's citizens (see the module docstring for how ``q`` matches)."""
        commune_id = caller.commune_id
        words: list[str] = []
        if query.q and query.q.strip():
            kind, value = classify_query(query.q)
            if kind in ("phone", "cccd"):
                assert isinstance(value, str)
                if kind == "cccd":
                    self._limit_cccd_lookups(caller, self._clock())
                found = (
                    self._citizens.find_by_phone(commune_id, value)
                    if kind == "phone"
                    else self._citizens.find_by_cccd(commune_id, value)
                )
                hits = [
                    c
                    for c in ([found] if found else [])
                    if (query.hamlet_id is None or c.hamlet_id == query.hamlet_id)
                    and (query.status is None or c.status == query.status)
                    and (not query.cccd_pending or c.cccd_pending is not None)
                ]
                return CitizenPage(items=[CitizenListItem.of(c) for c in hits])
            assert isinstance(value, list)
            commune = self._communes.get(commune_id)
            words = without_own_commune(value, commune.name) if commune is not None else value
        items, cursor = self._citizens.page(
            commune_id,
            hamlet_id=query.hamlet_id,
            status=query.status,
            words=words,
            cursor=query.cursor,
            limit=query.limit,
            cccd_pending=query.cccd_pending,
        )
        return CitizenPage(items=[CitizenListItem.of(c) for c in items], next_cursor=cursor)

    def register(self, caller: Principal, new: NewCitizen, request_id: str | None = None) -> Citizen:
        """Staff register a citizen in their commune (audited); a phone or CCCD already registered → 409."""
        commune_id = caller.commune_id
        self._check_hamlet(commune_id, new.hamlet_id)
        if self._citizens.find_by_phone(commune_id, new.phone) is not None:
            raise ConflictError(*PHONE_TAKEN)
        self._cccd_free(commune_id, new.cccd)
        citizen = self._new(commune_id, new, caller.subject_id)
        audit = self._record(
            caller,
            action="citizen.create",
            citizen_id=citizen.id,
            before=None,
            after=citizen.audit_view(),
            request_id=request_id,
        )
        return self._citizens.create(citizen, audit)

    def _new(self, commune_id: str, new: NewCitizen, created_by: str) -> Citizen:
        now = self._clock()
        return Citizen(
            id=uuid.uuid4().hex,
            commune_id=commune_id,
            created_at=now,
            updated_at=now,
            created_by=created_by,
            **new.model_dump(),
        )

    def lock(self, caller: Principal, citizen_id: str, reason: str, request_id: str | None = None) -> Citizen:
        """Lock an account: sign-in is refused and every session it has stops working at once (audited)."""
        before = self.get(caller, citizen_id)
        if before.status == "locked":
            raise ConflictError("Tài khoản này đã bị khóa từ trước.", "This account is already locked.")
        now = self._clock()
        after = before.model_copy(
            update={"status": "locked", "lock_reason": reason, "sessions_valid_after": now, "updated_at": now}
        )
        audit = self._record(
            caller,
            action="citizen.lock",
            citizen_id=citizen_id,
            before={"status": before.status, "phone": before.audit_view()["phone"]},
            after={"status": "locked", "reason": reason},
            request_id=request_id,
        )
        return self._citizens.update(before, after, audit)

    def unlock(self, caller: Principal, citizen_id: str, reason: str, request_id: str | None = None) -> Citizen:
        """Unlock an account (audited). Sessions from before the lock stay void; the citizen signs in again."""
        before = self.get(caller, citizen_id)
        if before.status != "locked":
            raise ConflictError("Tài khoản này không bị khóa.", "This account is not locked.")
        after = before.model_copy(update={"status": "active", "lock_reason": None, "updated_at": self._clock()})
        audit = self._record(
            caller,
            action="citizen.unlock",
            citizen_id=citizen_id,
            before={"status": "locked", "lock_reason": before.lock_reason, "phone": before.audit_view()["phone"]},
            after={"status": "active", "reason": reason},
            request_id=request_id,
        )
        return self._citizens.update(before, after, audit)

    def import_citizens(self, commune_id: str, citizens: list[NewCitizen], actor: Principal | None = None) -> int:
        """Register many citizens at once (the demo-data seeder); returns how many were created.

        Idempotent by phone: a citizen whose phone is already registered in the commune is skipped, as is one
        whose CCCD is taken (or repeats within the batch). Hamlets are checked before anything is written. The
        new citizens are written in batches, not one transaction each: an import is meant to run alone (seeding,
        migration), so uniqueness is checked up front rather than by conditional writes. One audit entry
        (``citizen.import``, with the count) records the whole call when anything was created; ``actor=None``
        records the system as the actor.
        """
        commune = self._commune(commune_id)
        phones: set[str] = set()
        cccds: set[str] = set()
        fresh: list[Citizen] = []
        for new in citizens:
            if commune.hamlet(new.hamlet_id) is None:
                raise InvalidInputError(
                    f"Xóm/thôn '{new.hamlet_id}' không thuộc {commune.name}.",
                    f"Hamlet '{new.hamlet_id}' is not part of {commune.name}.",
                )
            if new.phone in phones or (new.cccd and new.cccd in cccds):
                continue
            if self._citizens.find_by_phone(commune_id, new.phone) is not None:
                continue
            if new.cccd and self._citizens.find_by_cccd(commune_id, new.cccd) is not None:
                continue
            phones.add(new.phone)
            if new.cccd:
                cccds.add(new.cccd)
            fresh.append(self._new(commune_id, new, actor.subject_id if actor else "system"))
        for start in range(0, len(fresh), 25):
            self._citizens.create_many(fresh[start : start + 25])
        created = len(fresh)
        if created:
            self._audit.commit(
                commune_id,
                AuditRecord(
                    actor_id=actor.subject_id if actor else "system",
                    actor_role=actor.primary_role if actor else Role.ADMIN,
                    action="citizen.import",
                    target=f"commune/{commune_id}",
                    after={"created": created, "submitted": len(citizens)},
                ),
            )
        return created
