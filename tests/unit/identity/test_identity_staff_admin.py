"""The rules of managing staff accounts (review issue 8, point 13), on in-memory stores."""

from __future__ import annotations

import pytest

from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, NotFoundError, UnauthenticatedError
from tests.unit.identity.world import IP, World

PASSWORD = "mat-khau-dung-123"


class Commune:
    """Giao Phong with two administrators and an office clerk, each signed in."""

    def __init__(self) -> None:
        self.world = World()
        service = self.world.service
        people = {"chu.tich": [Role.ADMIN], "pho.chu.tich": [Role.ADMIN], "van.phong": [Role.OFFICE]}
        self.accounts = {
            name: service.create_staff_account("giao-phong", name, name, roles, PASSWORD)
            for name, roles in people.items()
        }
        self.tokens = {name: service.staff_login(name, PASSWORD, IP).token for name in self.accounts}

    def who(self, name: str):  # the principal of a signed-in account
        return self.world.service.authenticate(self.tokens[name])

    def id(self, name: str) -> str:
        return self.accounts[name].id


@pytest.fixture
def commune() -> Commune:
    return Commune()


def test_locking_ends_the_sessions_at_once_and_unlocking_does_not_bring_them_back(commune):
    service = commune.world.service
    # When the chairman locks the clerk
    service.lock_staff(commune.who("chu.tich"), commune.id("van.phong"), "Nghỉ việc")
    # Then the clerk's session stops at once and the clerk cannot sign in
    with pytest.raises(UnauthenticatedError):
        service.authenticate(commune.tokens["van.phong"])
    with pytest.raises(UnauthenticatedError):
        service.staff_login("van.phong", PASSWORD, IP)
    # And after an unlock the old session stays ended, while a new sign-in works
    commune.world.clock.advance(seconds=1)
    service.unlock_staff(commune.who("chu.tich"), commune.id("van.phong"), "Đi làm lại")
    with pytest.raises(UnauthenticatedError):
        service.authenticate(commune.tokens["van.phong"])
    fresh = service.staff_login("van.phong", PASSWORD, IP)
    assert service.authenticate(fresh.token).subject_id == commune.id("van.phong")
    # And each change is in the audit trail
    actions = [r.action for _, r in commune.world.staff.audit.records]
    assert actions[-2:] == ["staff.lock", "staff.unlock"]


def test_an_administrator_cannot_lock_themselves_out(commune):
    service = commune.world.service
    me = commune.who("chu.tich")
    with pytest.raises(ConflictError, match="own account"):
        service.lock_staff(me, me.subject_id, "Thử")
    with pytest.raises(ConflictError, match="administrator role"):
        service.set_staff_roles(me, me.subject_id, [Role.OFFICE])
    # They may change their other roles, keeping admin
    assert service.set_staff_roles(me, me.subject_id, [Role.ADMIN, Role.CULTURE]).roles == [Role.ADMIN, Role.CULTURE]


def test_two_administrators_removing_each_other_at_once_leave_one(commune):
    service = commune.world.service
    # Given both administrators, each having opened the page as an administrator
    chairman, deputy = commune.who("chu.tich"), commune.who("pho.chu.tich")
    # When the deputy removes the chairman's admin role, and the chairman (on their stale page) removes the deputy's
    service.set_staff_roles(deputy, commune.id("chu.tich"), [Role.OFFICE])
    with pytest.raises(ConflictError):
        service.set_staff_roles(chairman, commune.id("pho.chu.tich"), [Role.OFFICE])
    # Then the deputy still is an administrator
    assert commune.world.staff.records[commune.id("pho.chu.tich")].account.roles == [Role.ADMIN]


def test_new_roles_apply_from_the_next_request(commune):
    service = commune.world.service
    service.set_staff_roles(commune.who("chu.tich"), commune.id("van.phong"), [Role.OFFICE, Role.HEALTH])
    assert commune.who("van.phong").roles == frozenset({Role.OFFICE, Role.HEALTH})


def test_signing_out_everywhere_ends_every_session_of_the_account_only(commune):
    service = commune.world.service
    second = service.staff_login("van.phong", PASSWORD, IP).token
    service.sign_out_staff(commune.who("chu.tich"), commune.id("van.phong"), "Mất điện thoại")
    for token in (commune.tokens["van.phong"], second):
        with pytest.raises(UnauthenticatedError):
            service.authenticate(token)
    assert commune.who("pho.chu.tich").subject_id == commune.id("pho.chu.tich")


def test_an_account_of_another_commune_is_not_found(commune):
    service = commune.world.service
    other = service.create_staff_account("bach-long", "bl.admin", "BL", [Role.OFFICE], PASSWORD)
    with pytest.raises(NotFoundError):
        service.lock_staff(commune.who("chu.tich"), other.id, "Thử")
