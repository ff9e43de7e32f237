"""Citizens' own profile, and the CCCD a citizen gives on it, which staff verify or turn down (see the package
docstring: why a claim reads the same whether or not the number is taken)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.citizens.logic.base import (
    CCCD_ELSEWHERE,
    NOTHING_PENDING,
    CitizenBase,
    changed_fields,
    masked_cccd,
    not_found,
)
from smartcommune.core.errors import ConflictError, FieldProblem, InvalidInputError

if TYPE_CHECKING:
    from smartcommune.citizens.contracts import CccdVerification, Citizen, ProfileUpdate
    from smartcommune.core.principal import Principal


class CitizenProfile(CitizenBase):
    """A citizen's own profile, and staff decisions on the CCCD they claim."""

    # ------------------------------------------------------------ the citizen's own profile

    def own_profile(self, caller: Principal) -> Citizen:
        citizen = self._citizens.get(caller.commune_id, caller.subject_id)
        if citizen is None:
            raise not_found()
        return citizen

    def update_profile(
        self,
        caller: Principal,
        change: ProfileUpdate,
        client_ip: str | None = None,
        request_id: str | None = None,
    ) -> Citizen:
        """A citizen completes or corrects their profile (audited); the hamlet must be their commune's.

        ``cccd`` and ``birth_date`` left out keep what is on file; sent as ``null`` they are cleared. A new CCCD
        is kept as pending until staff verify it, whether or not the number is already someone's (the module
        docstring says why); giving the verified number again withdraws a pending one. Limited per citizen and
        per client address (:class:`RateLimitedError`).
        """
        now = self._clock()
        too_many = ("Bạn đã cập nhật hồ sơ quá nhiều lần.", "Too many profile changes.")
        self._limit(
            f"profile-citizen#{self._who(caller.subject_id)}", self._limits.profile_updates_per_citizen, now, too_many
        )
        if client_ip:
            self._limit(
                f"profile-client#{self._who(client_ip)}", self._limits.profile_updates_per_client, now, too_many
            )
        before = self.own_profile(caller)
        self._check_hamlet(caller.commune_id, change.hamlet_id)
        fields = change.model_dump(exclude_unset=True)
        update: dict[str, Any] = {k: v for k, v in fields.items() if k != "cccd"}
        if update.get("status_updates", "") is None:
            del update["status_updates"]  # null keeps the choice on file
        if "cccd" in fields:
            cccd = fields["cccd"]
            if cccd is None:
                update |= {"cccd": None, "cccd_pending": None}
            elif cccd == before.cccd:
                update["cccd_pending"] = None
            else:
                update["cccd_pending"] = cccd
        after = before.model_copy(update={**update, "updated_at": now})
        audit = self._record(
            caller,
            action="citizen.profile_update",
            citizen_id=before.id,
            before=changed_fields(before.audit_view(), after.audit_view()),
            after=changed_fields(after.audit_view(), before.audit_view()),
            request_id=request_id,
        )
        return self._citizens.update(before, after, audit)

    # ------------------------------------------------------------ CCCD claims (staff)

    def verify_cccd(
        self, caller: Principal, citizen_id: str, check: CccdVerification, request_id: str | None = None
    ) -> Citizen:
        """Staff verify the CCCD a citizen claimed, typing it from the card (audited).

        The number typed must be the claimed one. If another account of the commune holds it, a
        :class:`ConflictError` says so, unless ``replace_holder``: then it moves from that account in the same
        transaction. Counted with the caller's CCCD look-ups (a wrong number must not be guessed at leisure).
        """
        now = self._clock()
        self._limit_cccd_lookups(caller, now)
        before = self.get(caller, citizen_id)
        if before.cccd_pending is None:
            raise ConflictError(*NOTHING_PENDING)
        if check.cccd != before.cccd_pending:
            raise InvalidInputError(
                "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu.",
                "The input is not valid; please check the fields listed.",
                details=[
                    FieldProblem(
                        "cccd",
                        "Số CCCD không khớp với số công dân đã khai.",
                        "This is not the citizen ID the citizen gave.",
                    )
                ],
            )
        pending = before.cccd_pending
        after = before.model_copy(update={"cccd": pending, "cccd_pending": None, "updated_at": now})
        holder = self._citizens.find_by_cccd(caller.commune_id, pending)
        if holder is not None and holder.id == before.id:
            holder = None
        if holder is not None and not check.replace_holder:
            raise ConflictError(*CCCD_ELSEWHERE)
        audit = self._record(
            caller,
            action="citizen.cccd_verify",
            citizen_id=citizen_id,
            before={"cccd": masked_cccd(before.cccd), "cccd_pending": masked_cccd(pending)},
            after={"cccd": masked_cccd(pending)} | ({"taken_from": f"citizen/{holder.id}"} if holder else {}),
            request_id=request_id,
        )
        if holder is not None:
            return self._citizens.transfer_cccd(holder, before, after, audit)
        return self._citizens.update(before, after, audit)

    def reject_cccd(self, caller: Principal, citizen_id: str, reason: str, request_id: str | None = None) -> Citizen:
        """Staff turn a claimed CCCD down (audited); the verified one, if any, stays."""
        before = self.get(caller, citizen_id)
        if before.cccd_pending is None:
            raise ConflictError(*NOTHING_PENDING)
        after = before.model_copy(update={"cccd_pending": None, "updated_at": self._clock()})
        audit = self._record(
            caller,
            action="citizen.cccd_reject",
            citizen_id=citizen_id,
            before={"cccd_pending": masked_cccd(before.cccd_pending)},
            after={"cccd_pending": None, "reason": reason},
            request_id=request_id,
        )
        return self._citizens.update(before, after, audit)
