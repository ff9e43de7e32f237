"""What the wifi register and the schools share: ids, errors, audit records, the commune's hamlets."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.errors import ConflictError, FieldProblem, InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.facilities.logic.ports import Hamlets

Clock = Callable[[], datetime]


def invalid(field: str, message: str, message_en: str) -> InvalidInputError:
    return InvalidInputError(message, message_en, details=[FieldProblem(field, message, message_en)])


def not_found(what_vi: str, what_en: str) -> NotFoundError:
    return NotFoundError(f"Không tìm thấy {what_vi}.", f"{what_en} not found.")


def stale() -> ConflictError:
    return ConflictError(
        "Dữ liệu vừa được người khác thay đổi, vui lòng tải lại và thử lại.",
        "The record was changed by someone else; reload and try again.",
    )


def new_id(prefix: str, caller: Principal, request_key: str | None) -> str:
    """A fresh record id; with the request's ``Idempotency-Key``, the same id on a retry (a retry creates nothing)."""
    if request_key:
        digest = hashlib.sha256(f"{caller.commune_id}|{caller.subject_id}|{prefix}|{request_key}".encode()).hexdigest()
        return f"{prefix}-{digest[:20]}"
    return f"{prefix}-{secrets.token_hex(10)}"


def audit_record(caller: Principal, action: str, target: str, before: Any, after: Any) -> AuditRecord:
    def dump(value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if isinstance(value, dict):
            return value
        data: dict[str, Any] = value.model_dump(mode="json", exclude={"version"})
        return data

    return AuditRecord(
        actor_id=caller.subject_id,
        actor_role=caller.primary_role,
        action=action,
        target=target,
        before=dump(before),
        after=dump(after),
    )


class Communes:
    """The commune's existence and hamlets: input is checked against them, public views name the hamlets."""

    def __init__(self, hamlets: Hamlets) -> None:
        self._hamlets = hamlets

    def hamlets(self, commune_id: str) -> dict[str, str]:
        found = self._hamlets(commune_id)
        if found is None:
            raise not_found("xã", "Commune")
        return found

    def check_hamlet(self, commune_id: str, hamlet_id: str | None) -> dict[str, str]:
        hamlets = self.hamlets(commune_id)
        if hamlet_id is not None and hamlet_id not in hamlets:
            names = ", ".join(hamlets.values())
            raise invalid("hamlet_id", f"Xóm không thuộc xã. Chọn một trong: {names}.", "Unknown hamlet.")
        return hamlets
