"""The shared part of :class:`~.service.CitizenService`: its ports, messages, rate limits and audit records."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from smartcommune.audit.contracts import AuditRecord
from smartcommune.citizens.logic.ports import CitizenLimits
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, FieldProblem, InvalidInputError, NotFoundError, RateLimitedError
from smartcommune.core.text import mask_cccd

if TYPE_CHECKING:
    from smartcommune.citizens.contracts import Citizen
    from smartcommune.citizens.logic.ports import AuditLog, CitizenStore, Hasher, RateCounters
    from smartcommune.communes.contracts import Commune
    from smartcommune.communes.logic import CommuneStore
    from smartcommune.core.principal import Principal


def changed_fields(view: dict[str, object], other: dict[str, object]) -> dict[str, object]:
    """The fields of an audit view that differ from ``other`` (what a profile change changed)."""
    return {k: v for k, v in view.items() if other.get(k) != v}


# ---------------------------------------------------------------- messages

PHONE_TAKEN = (
    "Số điện thoại này đã có tài khoản công dân trong xã.",
    "This phone number already has a citizen account in the commune.",
)
_CCCD_TAKEN = (
    "Số CCCD này đã được đăng ký cho một tài khoản khác trong xã. Nếu có nhầm lẫn, vui lòng liên hệ UBND xã.",
    "This citizen ID is already registered to another account in the commune. Contact the commune if in error.",
)


CCCD_ELSEWHERE = (
    "Số CCCD này đang gắn với một tài khoản khác trong xã. Hãy kiểm tra giấy tờ; nếu đúng là của người này, "
    "xác minh lại và chọn chuyển số CCCD từ tài khoản kia sang.",
    "This citizen ID is on another account of the commune. Check the papers; if it is this person's, verify again "
    "choosing to move it from the other account.",
)
NOTHING_PENDING = (
    "Công dân này không có số CCCD nào đang chờ xác minh.",
    "This citizen has no citizen ID waiting for verification.",
)
HOUR_S = 3600


def not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy công dân này.", "No such citizen.")


def masked_cccd(cccd: str | None) -> str | None:
    return mask_cccd(cccd) if cccd else None


class CitizenBase:
    """Ports and helpers every part of the citizen service uses."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        communes: CommuneStore,
        citizens: CitizenStore,
        audit: AuditLog,
        rates: RateCounters | None = None,
        hasher: Hasher | None = None,
        limits: CitizenLimits | None = None,
    ) -> None:
        self._clock = clock
        self._communes = communes
        self._citizens = citizens
        self._audit = audit
        self._rates = rates
        self._hasher = hasher
        self._limits = limits or CitizenLimits()

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

    def _limit(self, key: str, limit: int, now: datetime, message: tuple[str, str]) -> None:
        """Count one event against an hourly limit; :class:`RateLimitedError` past it."""
        if self._rates is None:
            return
        wait = self._rates.hit(key, limit, HOUR_S, now)
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            raise RateLimitedError(
                f"{message[0]} Vui lòng thử lại sau {minutes} phút.",
                f"{message[1]} Please try again in {minutes} minutes.",
                retry_after_s=wait,
            )

    def _who(self, value: str) -> str:
        return self._hasher.hash(value) if self._hasher is not None else value

    def _limit_cccd_lookups(self, caller: Principal, now: datetime) -> None:
        self._limit(
            f"cccd-lookup#{self._who(caller.subject_id)}",
            self._limits.cccd_lookups_per_staff,
            now,
            ("Bạn đã tra cứu theo số CCCD quá nhiều lần.", "Too many look-ups by citizen ID."),
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

    def get(self, caller: Principal, citizen_id: str) -> Citizen:
        """One citizen of the caller's commune (another commune's citizen is simply not found)."""
        citizen = self._citizens.get(caller.commune_id, citizen_id)
        if citizen is None:
            raise not_found()
        return citizen
