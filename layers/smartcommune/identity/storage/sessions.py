"""Sessions by the hash of their token, each staff session also indexed under its account."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from smartcommune.core.table import MainTable, MergePolicy
from smartcommune.identity.logic.ports import Session, StaffRecord
from smartcommune.identity.storage.common import epoch as _epoch
from smartcommune.identity.storage.common import moment as _moment
from smartcommune.identity.storage.staff import StaffAccountItem, sessions_index, staff_pk, to_record

if TYPE_CHECKING:
    from smartcommune.citizens.contracts import Citizen


class SessionItem(MainTable, discriminator="session"):
    merge = MergePolicy.GLOBAL

    subject_id = UnicodeAttribute()
    subject_kind = UnicodeAttribute()
    commune_id = UnicodeAttribute()
    issued_at = UTCDateTimeAttribute()


class CitizenRecords(Protocol):
    """How a citizen's record is keyed and read in the table (``citizens.storage.CitizenRepository``).

    Authentication reads the session and the account in one ``BatchGetItem``; the citizen's key and item type
    stay the citizens capability's own.
    """

    def account_key(self, commune_id: str, citizen_id: str) -> tuple[str, str]: ...

    def account_from(self, item: object) -> Citizen | None: ...


class SessionRepository:
    """Sessions by the hash of their token; implements ``smartcommune.identity.logic.ports.SessionStore``."""

    def __init__(self, citizens: CitizenRecords) -> None:
        self._citizens = citizens

    def put(self, session: Session) -> None:
        staff = session.subject_kind == "staff"
        SessionItem(
            f"SESSION#{session.token_hash}",
            "SESSION",
            gsi1pk=sessions_index(session.commune_id, session.subject_id) if staff else None,
            gsi1sk=session.token_hash if staff else None,
            subject_id=session.subject_id,
            subject_kind=session.subject_kind,
            commune_id=session.commune_id,
            issued_at=session.issued_at,
            expires_at=_epoch(session.expires_at),
        ).save()

    def get(self, token_hash: str) -> Session | None:
        try:
            item = SessionItem.get(f"SESSION#{token_hash}", "SESSION")
        except SessionItem.DoesNotExist:
            return None
        return self._to_session(token_hash, item)

    def get_with_account(
        self, token_hash: str, kind: Literal["citizen", "staff"], commune_id: str, subject_id: str
    ) -> tuple[Session | None, Citizen | StaffRecord | None]:
        """Session and account in one ``BatchGetItem`` (the request path's only read for authentication)."""
        try:
            account_key = (
                self._citizens.account_key(commune_id, subject_id)
                if kind == "citizen"
                else (staff_pk(commune_id, subject_id), "ACCOUNT")
            )
        except ValueError:  # a forged prefix that cannot even form a key
            return None, None
        session: Session | None = None
        account: Citizen | StaffRecord | None = None
        keys = [(f"SESSION#{token_hash}", "SESSION"), account_key]
        for item in MainTable.batch_get(keys, consistent_read=True):
            if isinstance(item, SessionItem):
                session = self._to_session(token_hash, item)
            elif kind == "citizen" and (citizen := self._citizens.account_from(item)) is not None:
                account = citizen
            elif isinstance(item, StaffAccountItem) and kind == "staff":
                account = to_record(item)
        return session, account

    @staticmethod
    def _to_session(token_hash: str, item: SessionItem) -> Session:
        return Session(
            token_hash=token_hash,
            subject_id=item.subject_id,
            subject_kind="staff" if item.subject_kind == "staff" else "citizen",
            commune_id=item.commune_id,
            issued_at=item.issued_at,
            expires_at=_moment(item.expires_at or 0),
        )

    def delete(self, token_hash: str) -> None:
        SessionItem(f"SESSION#{token_hash}", "SESSION").delete()

    def delete_all_of_staff(self, commune_id: str, staff_id: str) -> int:
        found = [i for i in SessionItem.gsi1.query(sessions_index(commune_id, staff_id)) if isinstance(i, SessionItem)]
        with MainTable.batch_write() as batch:
            for item in found:
                batch.delete(item)
        return len(found)
