"""Citizen sign-in by a one-time code sent by SMS (:class:`OtpSignIn`), the OTP part of ``IdentityService``.

Its own room because the code's life (resend wait, hourly limits per phone and per client, wrong tries, burning,
single use) is the most intricate rule set of sign-in, and none of it concerns staff.
"""

from __future__ import annotations

import hmac
import math
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NoReturn

from smartcommune.citizens.contracts import Citizen
from smartcommune.core.errors import ConflictError, ForbiddenError, RateLimitedError, UnauthenticatedError
from smartcommune.core.text import mask_phone
from smartcommune.identity.contracts import OtpRequested, SessionIssued
from smartcommune.identity.logic.messages import ceil_s, otp_sms_text
from smartcommune.identity.logic.ports import OtpChallenge
from smartcommune.identity.logic.sessions import citizen_view

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.pii import PiiHasher
    from smartcommune.identity.logic.policy import IdentityPolicy
    from smartcommune.identity.logic.ports import CitizenAccounts, OtpStore, RateLimiter, SmsGateway
    from smartcommune.identity.logic.sessions import SessionKeeper


class OtpSignIn:
    """Sends sign-in codes and signs citizens in with them; a first sign-in creates the citizen's account.

    ``commune`` is the commune look-up that raises :class:`~smartcommune.core.errors.NotFoundError`; ``sessions``
    issues the session a correct code earns.
    """

    def __init__(
        self,
        *,
        policy: IdentityPolicy,
        clock: Callable[[], datetime],
        pii: PiiHasher,
        commune: Callable[[str], Commune],
        citizens: CitizenAccounts,
        otps: OtpStore,
        rates: RateLimiter,
        sms: SmsGateway,
        sessions: SessionKeeper,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._pii = pii
        self._commune = commune
        self._citizens = citizens
        self._otps = otps
        self._rates = rates
        self._sms = sms
        self._sessions = sessions

    def _code_hash(self, challenge_phone_key: str, sent_at: datetime, code: str) -> str:
        return self._pii.hash(f"otp|{challenge_phone_key}|{sent_at.isoformat()}|{code}")

    def request_otp(self, commune_id: str, phone: str, client_ip: str) -> OtpRequested:
        """Send a 6-digit sign-in code to ``phone`` (E.164) by SMS.

        Raises :class:`NotFoundError` for an unknown commune and :class:`RateLimitedError` when a resend comes too
        early or the hourly limit per phone or per client is reached.
        """
        policy = self.policy
        commune = self._commune(commune_id)
        commune_id = commune.id  # a merged commune's id resolves to the commune it is part of now
        now = self._clock()
        phone_key = self._pii.hash(phone)
        existing = self._otps.get(commune_id, phone_key)
        if existing is not None and existing.expires_at > now:
            resend_at = existing.sent_at + timedelta(seconds=policy.otp_resend_after_s)
            if resend_at > now:
                wait = ceil_s(resend_at - now)
                raise RateLimitedError(
                    f"Mã vừa được gửi. Vui lòng đợi {wait} giây trước khi yêu cầu mã mới.",
                    f"A code was just sent. Please wait {wait} seconds before asking for a new one.",
                    retry_after_s=wait,
                )
        self._limit(f"otp-client#{self._pii.hash(client_ip)}", policy.otp_max_sends_per_client_per_hour, now)
        self._limit(f"otp-phone#{phone_key}", policy.otp_max_sends_per_phone_per_hour, now)
        code = f"{secrets.randbelow(10**6):06d}"
        challenge = OtpChallenge(
            commune_id=commune_id,
            phone_key=phone_key,
            code_hash=self._code_hash(phone_key, now, code),
            attempts=0,
            sent_at=now,
            expires_at=now + timedelta(seconds=policy.otp_ttl_s),
        )
        if not self._otps.put(challenge, sent_before=now - timedelta(seconds=policy.otp_resend_after_s)):
            raise RateLimitedError(
                "Mã vừa được gửi. Vui lòng đợi trước khi yêu cầu mã mới.",
                "A code was just sent. Please wait before asking for a new one.",
                retry_after_s=policy.otp_resend_after_s,
            )
        self._sms.send(phone, otp_sms_text(commune, code, policy.otp_ttl_s), "otp")
        minutes = max(1, policy.otp_ttl_s // 60)
        return OtpRequested(
            message=f"Mã đăng nhập đã được gửi tới số {mask_phone(phone)}. Mã có hiệu lực {minutes} phút.",
            message_en=f"A sign-in code was sent to {mask_phone(phone)}. It is valid for {minutes} minutes.",
            expires_in_s=policy.otp_ttl_s,
            resend_after_s=policy.otp_resend_after_s,
        )

    def _limit(self, key: str, limit: int, now: datetime) -> None:
        wait = self._rates.hit(key, limit, 3600, now)
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            raise RateLimitedError(
                f"Bạn đã yêu cầu quá nhiều mã đăng nhập. Vui lòng thử lại sau {minutes} phút.",
                f"Too many sign-in codes were requested. Please try again in {minutes} minutes.",
                retry_after_s=wait,
            )

    def verify_otp(self, commune_id: str, phone: str, code: str, client_ip: str) -> SessionIssued:
        """Sign a citizen in with the code they received; the first sign-in creates their account.

        Raises :class:`UnauthenticatedError` for a wrong, expired, burned or already used code,
        :class:`ForbiddenError` when the account is locked and :class:`RateLimitedError` when ``client_ip`` has
        tried too many codes this hour (guessing across many phones, each with tries left).
        """
        policy = self.policy
        commune = self._commune(commune_id)
        commune_id = commune.id  # a merged commune's id resolves to the commune it is part of now
        now = self._clock()
        wait = self._rates.hit(
            f"otp-verify-client#{self._pii.hash(client_ip)}", policy.otp_max_verifies_per_client_per_hour, 3600, now
        )
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            raise RateLimitedError(
                f"Bạn đã nhập mã đăng nhập quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
                f"Too many sign-in codes were tried. Please try again in {minutes} minutes.",
                retry_after_s=wait,
            )
        phone_key = self._pii.hash(phone)
        challenge = self._otps.get(commune_id, phone_key)
        if challenge is None:
            raise UnauthenticatedError(
                "Mã đăng nhập không còn hiệu lực (đã dùng hoặc chưa được yêu cầu). Vui lòng yêu cầu mã mới.",
                "This sign-in code is no longer valid (already used or never requested). Please ask for a new one.",
            )
        if challenge.expires_at <= now:
            self._otps.delete(commune_id, phone_key)
            raise UnauthenticatedError(
                "Mã đăng nhập đã hết hạn. Vui lòng yêu cầu mã mới.",
                "The sign-in code has expired. Please ask for a new one.",
            )
        if challenge.attempts >= policy.otp_max_attempts:
            self._burned(commune_id, phone_key)
        if not hmac.compare_digest(self._code_hash(phone_key, challenge.sent_at, code), challenge.code_hash):
            attempts = self._otps.add_failed_attempt(commune_id, phone_key, policy.otp_max_attempts)
            if attempts is None or attempts >= policy.otp_max_attempts:
                self._burned(commune_id, phone_key)
            left = policy.otp_max_attempts - attempts
            raise UnauthenticatedError(
                f"Mã đăng nhập không đúng. Bạn còn {left} lần thử.",
                f"The sign-in code is wrong. {left} tries left.",
            )
        if not self._otps.consume(commune_id, phone_key, challenge.code_hash, policy.otp_max_attempts, now):
            raise UnauthenticatedError(
                "Mã đăng nhập đã được sử dụng. Vui lòng yêu cầu mã mới.",
                "This sign-in code was already used. Please ask for a new one.",
            )
        known = self._citizens.find_by_phone(commune_id, phone)
        citizen = known or self._register_self(commune_id, phone, now)
        if citizen.status == "locked":
            raise ForbiddenError(
                f"Tài khoản của bạn đã bị khóa. Vui lòng liên hệ Bộ phận một cửa UBND {commune.name} để được hỗ trợ.",
                f"Your account is locked. Please contact the one-stop desk of the People's Committee of "
                f"{commune.name}.",
            )
        session = self._sessions.issue(citizen_view(citizen), now)
        return session.model_copy(update={"account_created": known is None})

    def _burned(self, commune_id: str, phone_key: str) -> NoReturn:
        self._otps.delete(commune_id, phone_key)
        raise UnauthenticatedError(
            f"Bạn đã nhập sai mã quá {self.policy.otp_max_attempts} lần nên mã đã bị hủy. Vui lòng yêu cầu mã mới.",
            f"The code was entered wrongly {self.policy.otp_max_attempts} times and is void. Please ask for a new one.",
        )

    def _register_self(self, commune_id: str, phone: str, now: datetime) -> Citizen:
        citizen = Citizen(
            id=uuid.uuid4().hex,
            commune_id=commune_id,
            phone=phone,
            created_at=now,
            updated_at=now,
            created_by="self",
        )
        try:
            return self._citizens.create(citizen)
        except ConflictError:  # signed up at the same moment from another device
            found = self._citizens.find_by_phone(commune_id, phone)
            if found is None:
                raise
            return found
