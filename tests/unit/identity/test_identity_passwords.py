"""Staff password hashes at OWASP's scrypt cost, and old hashes upgraded on the next sign-in (review issue 8, point 6).

These run at production's cost (N=2^17, r=8, p=1: 128 MiB, ~0.4 s a hash); every other test lowers it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from smartcommune.core.contracts import Role
from smartcommune.core.settings import Settings
from smartcommune.identity.logic.passwords import LEGACY_COST, ScryptCost, hash_password, verify_password
from smartcommune.identity.logic.policy import IdentityPolicy
from smartcommune.identity.logic.ports import StaffRecord
from tests.unit.identity.world import IP, World

PASSWORD = "mat-khau-dung-123"


def test_production_makes_new_hashes_at_owasp_cost_and_upgrades_old_ones_on_sign_in():
    # Given the deployment's default settings
    policy = IdentityPolicy.of(Settings())
    assert policy.password_cost == ScryptCost(n=2**17, r=8, p=1)
    world = World(policy)
    # When an account is made, its hash names N=2^17, r=8, p=1
    account = world.service.create_staff_account("giao-phong", "canbo.a", "Cán bộ A", [Role.OFFICE], PASSWORD)
    assert world.staff.records[account.id].password_hash.startswith("scrypt$131072$8$1$")
    # Given an account whose hash was made before, at N=2^14
    old = account.model_copy(update={"id": "old-account", "username": "canbo.b"})
    world.staff.create(StaffRecord(account=old, password_hash=hash_password(PASSWORD, cost=LEGACY_COST)))
    # When its owner signs in with their password
    session = world.service.staff_login("canbo.b", PASSWORD, IP)
    # Then the old hash worked, and what is stored now is a hash at today's cost of the same password
    assert session.principal.subject_id == old.id
    upgraded = world.staff.records[old.id].password_hash
    assert upgraded.startswith("scrypt$131072$8$1$") and verify_password(PASSWORD, upgraded)


def test_production_refuses_a_lower_cost():
    with pytest.raises(ValueError, match="2\\^17"):
        Settings(
            stage="prod",
            pii_hash_key="a-real-secret-0123456789",
            command_key="another-real-secret-0123",
            staff_password_scrypt_n=2**14,
        )


def test_a_hash_at_a_stronger_cost_than_todays_is_kept():
    # Given a policy at a test cost and an account hashed at a stronger one
    world = World(IdentityPolicy(staff_password_scrypt_n=2**10))
    account = world.service.create_staff_account("giao-phong", "canbo.c", "Cán bộ C", [Role.OFFICE], PASSWORD)
    strong = hash_password(PASSWORD, cost=ScryptCost(n=2**12))
    world.staff.records[account.id] = replace(world.staff.records[account.id], password_hash=strong)
    # When its owner signs in, the hash is not weakened
    world.service.staff_login("canbo.c", PASSWORD, IP)
    assert world.staff.records[account.id].password_hash == strong
