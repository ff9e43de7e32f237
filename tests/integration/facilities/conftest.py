"""The facilities tests' staff: a session per role that keeps or reads facilities, in the test communes."""

from __future__ import annotations

import pytest

from smartcommune.core.contracts import Role
from tests.support.identities import ensure_demo_communes, staff_token


@pytest.fixture
def staff(services) -> dict[Role, str]:
    ensure_demo_communes(services)
    roles = (Role.ADMIN, Role.OFFICE, Role.CULTURE, Role.SCHOOL, Role.POLICE)
    return {role: staff_token(services, role) for role in roles}
