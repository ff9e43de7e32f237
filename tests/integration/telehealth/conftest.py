"""The Giao Phong station on moto: set-up seeded, two citizens, a nurse of the station and a police officer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from smartcommune.core.contracts import Role
from smartcommune_local.health_demo import seed_health
from tests.support.identities import citizen_token, ensure_demo_communes, staff_token


@dataclass
class People:
    citizen: str
    citizen_id: str
    other: str
    other_id: str
    nurse: str
    police: str
    admin: str
    services: Any = None

    def wait(self, clock: Any, **delta: float) -> None:
        """Move the clock by ``delta``, in steps short enough to keep the staff signed in."""
        from datetime import timedelta

        left = timedelta(**delta)
        while left > timedelta(0):
            step = min(left, timedelta(hours=11))
            self.renew()
            clock.advance(seconds=step.total_seconds())
            left -= step
        self.renew()

    def renew(self) -> None:
        """New staff sessions (a staff session lasts 12 h: tests that move the clock a day need fresh ones)."""
        from smartcommune.composition import authenticate
        from smartcommune.identity.wiring import identity_service

        identity = self.services.get(identity_service)
        for name in ("nurse", "police", "admin"):
            subject = authenticate(self.services, getattr(self, name)).subject_id
            setattr(self, name, identity.start_session("giao-phong", subject, "staff").token)


@pytest.fixture
def people(services: Any) -> People:
    ensure_demo_communes(services)
    seed_health(services)
    citizen, citizen_id = citizen_token(services)
    other, other_id = citizen_token(services)
    return People(
        citizen,
        citizen_id,
        other,
        other_id,
        staff_token(services, Role.HEALTH),
        staff_token(services, Role.POLICE),
        staff_token(services, Role.ADMIN),
        services,
    )
