"""Citizen accounts: profiles, staff management (search, register, lock), and the demo import.

Every method that acts for staff takes the commune from the caller's :class:`Principal`, never from input, so a
staff member of one commune cannot see or change another commune's citizens.

Search: a query that is a phone number (any common form) or a full CCCD is answered by an exact key look-up;
anything else is split into diacritic-free words, and a citizen matches when every word begins one of the
words of their name, address, phone or CCCD (``"nguyen van an"`` finds ``"Nguyễn Văn An"``). The store keeps
:func:`search_text` on each citizen so the data layer can filter a query of the commune's index on it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from smartcommune.audit.contracts import AuditRecord
from smartcommune.citizens.contracts import Citizen, CitizenListItem, CitizenPage, CitizenQuery
from smartcommune.core.contracts import Role, normalize_phone, validate_cccd
from smartcommune.core.errors import ConflictError, FieldProblem, InvalidInputError, NotFoundError
from smartcommune.core.text import fold, search_tokens

if TYPE_CHECKING:
    from smartcommune.citizens.contracts import NewCitizen, ProfileUpdate
    from smartcommune.communes.contracts import Commune
    from smartcommune.communes.logic import CommuneStore
    from smartcommune.core.principal import Principal


# ---------------------------------------------------------------- search


def search_text(citizen: Citizen) -> str:
    """The folded words a citizen is found by, space-delimited on both ends (``" nguyen van an xom 1 … "``)."""
    words = search_tokens(f"{citizen.full_name or ''} {citizen.address or ''}")
    words.append("0" + citizen.phone[3:] if citizen.phone.startswith("+84") else citizen.phone)
    if citizen.cccd:
        words.append(citizen.cccd)
    return " " + " ".join(words) + " "


def query_words(q: str) -> list[str]:
    """The distinct folded words of a query."""
    return list(dict.fromkeys(search_tokens(q)))


def matches(text: str, words: list[str]) -> bool:
    """Whether every query word begins some word of ``text`` (a :func:`search_text`)."""
    return all(f" {word}" in text for word in words)


def name_key(citizen: Citizen) -> str:
    """Sort key in lists: the folded name (citizens who have not given one yet come last), then the id."""
    return f"{fold(citizen.full_name) if citizen.full_name else '~'}#{citizen.id}"


QueryKind = Literal["phone", "cccd", "words"]


def classify_query(q: str) -> tuple[QueryKind, str | list[str]]:
    """A phone number (→ E.164) or a full CCCD is looked up by key; anything else is searched word by word."""
    try:
        return "phone", normalize_phone(q)
    except ValueError:
        pass
    try:
        return "cccd", validate_cccd(q)
    except ValueError:
        pass
    return "words", query_words(q)


# ---------------------------------------------------------------- ports


class CitizenStore(Protocol):
    """Where citizens are kept (``smartcommune.citizens.storage.CitizenRepository``; in memory in unit tests)."""

    def get(self, commune_id: str, citizen_id: str) -> Citizen | None: ...

    def find_by_phone(self, commune_id: str, phone: str) -> Citizen | None: ...

    def find_by_cccd(self, commune_id: str, cccd: str) -> Citizen | None: ...

    def create(self, citizen: Citizen, audit: AuditRecord | None = None) -> Citizen:
        """Store a new citizen with its phone (and CCCD) look-ups; :class:`ConflictError` if either is taken."""

    def update(self, before: Citizen, after: Citizen, audit: AuditRecord | None = None) -> Citizen:
        """Replace ``before`` (unchanged since read, else :class:`ConflictError`) by ``after``."""

    def create_many(self, citizens: list[Citizen]) -> None:
        """Bulk import of citizens already checked to be new (no audit; the caller records one entry)."""

    def page(
        self,
        commune_id: str,
        *,
        hamlet_id: str | None,
        status: str | None,
        words: list[str],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Citizen], str | None]:
        """Citizens of a commune in name order, filtered; the cursor continues where the page ended."""


class AuditLog(Protocol):
    def commit(self, commune_id: str, record: AuditRecord, add_writes: Any = None) -> Any: ...


# ---------------------------------------------------------------- messages

_PHONE_TAKEN = (
    "Số điện thoại này đã có tài khoản công dân trong xã.",
    "This phone number already has a citizen account in the commune.",
)
_CCCD_TAKEN = (
    "Số CCCD này đã được đăng ký cho một tài khoản khác trong xã. Nếu có nhầm lẫn, vui lòng liên hệ UBND xã.",
    "This citizen ID is already registered to another account in the commune. Contact the commune if in error.",
)


def _not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy công dân này.", "No such citizen.")


class CitizenService:
    """Citizens' own profile, and the management of citizen accounts by commune staff."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        communes: CommuneStore,
        citizens: CitizenStore,
        audit: AuditLog,
    ) -> None:
        self._clock = clock
        self._communes = communes
        self._citizens = citizens
        self._audit = audit

    # ------------------------------------------------------------ helpers

    def _commune(self, commune_id: str) -> Commune:
        commune = self._communes.get(commune_id)
        if commune is None:
            raise NotFoundError("Không tìm thấy xã này trên hệ thống.", f"There is no commune '{commune_id}'.")
        return commune

    def _check_hamlet(self, commune_id: str, hamlet_id: str) -> None:
        commune = self._commune(commune_id)
        if commune.hamlet(hamlet_id) is None:
            names = ", ".join(h.name for h in commune.hamlets)
            raise InvalidInputError(
                "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu.",
                "The input is not valid; please check the fields listed.",
                details=[
                    FieldProblem(
                        "hamlet_id",
                        f"Xóm/thôn không thuộc {commune.name}. Chọn một trong: {names}.",
                        f"The hamlet is not part of {commune.name}.",
                    )
                ],
            )

    def _cccd_free(self, commune_id: str, cccd: str | None, citizen_id: str | None = None) -> None:
        if cccd is None:
            return
        holder = self._citizens.find_by_cccd(commune_id, cccd)
        if holder is not None and holder.id != citizen_id:
            raise ConflictError(*_CCCD_TAKEN)

    @staticmethod
    def _record(
        actor: Principal | None,
        *,
        action: str,
        citizen_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        request_id: str | None,
    ) -> AuditRecord:
        return AuditRecord(
            actor_id=actor.subject_id if actor else "system",
            actor_role=actor.primary_role if actor else Role.ADMIN,
            action=action,
            target=f"citizen/{citizen_id}",
            before=before,
            after=after,
            request_id=request_id,
        )

    # ------------------------------------------------------------ the citizen's own profile

    def own_profile(self, caller: Principal) -> Citizen:
        citizen = self._citizens.get(caller.commune_id, caller.subject_id)
        if citizen is None:
            raise _not_found()
        return citizen

    def update_profile(self, caller: Principal, change: ProfileUpdate) -> Citizen:
        """A citizen completes or corrects their profile; the hamlet must be their commune's, the CCCD unused.

        ``cccd`` and ``birth_date`` left out keep what is on file; sent as ``null`` they are cleared.
        """
        before = self.own_profile(caller)
        self._check_hamlet(caller.commune_id, change.hamlet_id)
        fields = change.model_dump(exclude_unset=True)
        self._cccd_free(caller.commune_id, fields.get("cccd"), before.id)
        after = before.model_copy(update={**fields, "updated_at": self._clock()})
        try:
            return self._citizens.update(before, after)
        except ConflictError:
            self._cccd_free(caller.commune_id, after.cccd, before.id)  # a clearer message if that was the cause
            raise

    # ------------------------------------------------------------ staff

    def get(self, caller: Principal, citizen_id: str) -> Citizen:
        """One citizen of the caller's commune (another commune's citizen is simply not found)."""
        citizen = self._citizens.get(caller.commune_id, citizen_id)
        if citizen is None:
            raise _not_found()
        return citizen

    def search(self, caller: Principal, query: CitizenQuery) -> CitizenPage:
        """List or search the caller's commune's citizens (see the module docstring for how ``q`` matches)."""
        commune_id = caller.commune_id
        words: list[str] = []
        if query.q and query.q.strip():
            kind, value = classify_query(query.q)
            if kind in ("phone", "cccd"):
                assert isinstance(value, str)
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
                ]
                return CitizenPage(items=[CitizenListItem.of(c) for c in hits])
            assert isinstance(value, list)
            words = value
        items, cursor = self._citizens.page(
            commune_id,
            hamlet_id=query.hamlet_id,
            status=query.status,
            words=words,
            cursor=query.cursor,
            limit=query.limit,
        )
        return CitizenPage(items=[CitizenListItem.of(c) for c in items], next_cursor=cursor)

    def register(self, caller: Principal, new: NewCitizen, request_id: str | None = None) -> Citizen:
        """Staff register a citizen in their commune (audited); a phone or CCCD already registered → 409."""
        commune_id = caller.commune_id
        self._check_hamlet(commune_id, new.hamlet_id)
        if self._citizens.find_by_phone(commune_id, new.phone) is not None:
            raise ConflictError(*_PHONE_TAKEN)
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
