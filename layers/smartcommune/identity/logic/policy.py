"""The limits of sign-in (:class:`IdentityPolicy`), read once from the deployment's settings.

Its own room because every part of the identity service (OTP, staff, sessions) is bound by it, and none owns it.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcommune.identity.logic.passwords import ScryptCost


@dataclass(frozen=True)
class IdentityPolicy:
    """The limits of sign-in, taken from :class:`~smartcommune.core.settings.Settings`."""

    citizen_session_ttl_s: int = 30 * 24 * 3600
    staff_session_ttl_s: int = 12 * 3600
    otp_ttl_s: int = 300
    otp_max_attempts: int = 5
    otp_resend_after_s: int = 60
    otp_max_sends_per_phone_per_hour: int = 5
    otp_max_sends_per_client_per_hour: int = 20
    staff_max_failed_logins: int = 5
    staff_lockout_s: int = 15 * 60
    otp_max_verifies_per_client_per_hour: int = 50
    staff_login_max_failures_per_client: int = 20
    staff_login_client_window_s: int = 3600
    staff_login_max_failures_global: int = 100
    staff_login_global_window_s: int = 900
    staff_password_scrypt_n: int = 2**17

    @property
    def password_cost(self) -> ScryptCost:
        """The scrypt cost new password hashes are made with (older hashes are upgraded on sign-in)."""
        return ScryptCost(n=self.staff_password_scrypt_n)

    @classmethod
    def of(cls, settings: object) -> IdentityPolicy:
        """The policy named by ``settings`` (the deployment's :class:`~smartcommune.core.settings.Settings`)."""
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})
