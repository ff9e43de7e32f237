"""An identity service on in-memory stores, for the unit tests of sign-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartcommune.core.pii import PiiHasher
from smartcommune.identity.logic.policy import IdentityPolicy
from smartcommune.identity.logic.service import IdentityService
from tests.support.identities import (
    FakeCommunes,
    InMemoryCitizens,
    InMemoryOtps,
    InMemoryRates,
    InMemorySessions,
    InMemoryStaff,
    RecordingSms,
)

PHONE = "+84912345678"
IP = "10.0.0.1"
# Password hashes at a test cost (production's 2^17 is proven in test_identity_passwords.py).
POLICY = IdentityPolicy(staff_password_scrypt_n=2**10)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class World:
    def __init__(self, policy: IdentityPolicy = POLICY) -> None:
        self.clock = Clock()
        self.sms = RecordingSms()
        self.citizens = InMemoryCitizens()
        self.staff = InMemoryStaff()
        self.sessions = InMemorySessions(citizens=self.citizens, staff=self.staff)
        self.otps = InMemoryOtps()
        self.rates = InMemoryRates()
        self.service = IdentityService(
            policy=policy,
            clock=self.clock,
            pii=PiiHasher("unit-test-key-0123456789"),
            communes=FakeCommunes(),
            citizens=self.citizens,
            staff=self.staff,
            sessions=self.sessions,
            otps=self.otps,
            rates=self.rates,
            sms=self.sms,
        )

    def request(self, phone: str = PHONE, ip: str = IP, commune: str = "giao-phong") -> None:
        self.service.request_otp(commune, phone, ip)

    def sign_in(self, phone: str = PHONE) -> str:
        self.request(phone)
        return self.service.verify_otp("giao-phong", phone, self.sms.last_code(), IP).token
