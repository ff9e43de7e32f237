"""Sign-in (citizens by SMS code, staff by password), sessions, the caller's own account, staff accounts and their
management by the commune's administrators (lock, unlock, roles, sign out everywhere)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.citizens.contracts import CitizenSelf, ProfileUpdate
from smartcommune.core.api.router import CITIZENS, PUBLIC, SIGNED_IN, router
from smartcommune.core.contracts import Role
from smartcommune.identity.contracts import (
    MeView,
    NewStaffAccount,
    OtpRequest,
    OtpRequested,
    OtpVerify,
    SessionIssued,
    StaffAccount,
    StaffList,
    StaffLogin,
    StaffRolesChange,
    StaffSelf,
    StaffStatusChange,
)

if TYPE_CHECKING:
    from smartcommune.citizens.logic import CitizenService
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.identity.logic.service import IdentityService
    from smartcommune.units.contracts import Address

TAGS = ("identity",)
ADMIN_ONLY = frozenset({Role.ADMIN})


def _identity(request: ApiRequest) -> IdentityService:
    from smartcommune.identity.wiring import identity_service

    return request.services.get(identity_service)


def _citizens(request: ApiRequest) -> CitizenService:
    from smartcommune.citizens.wiring import citizen_service

    return request.services.get(citizen_service)


@router.route(
    "POST",
    "/auth/otp",
    allow=PUBLIC,
    summary="Send a citizen a sign-in code by SMS",
    body=OtpRequest,
    response=OtpRequested,
    status=202,
    tags=TAGS,
)
def request_sign_in_code(request: ApiRequest) -> OtpRequested:
    body: OtpRequest = request.body
    return _identity(request).request_otp(body.commune_id, body.phone, request.raw.client_ip)


@router.route(
    "POST",
    "/auth/otp/verify",
    allow=PUBLIC,
    summary="Sign a citizen in with the SMS code (the first sign-in creates the account)",
    body=OtpVerify,
    response=SessionIssued,
    tags=TAGS,
)
def verify_sign_in_code(request: ApiRequest) -> SessionIssued:
    body: OtpVerify = request.body
    return _identity(request).verify_otp(body.commune_id, body.phone, body.code, request.raw.client_ip)


@router.route(
    "POST",
    "/auth/staff/login",
    allow=PUBLIC,
    summary="Sign a staff member in with username and password",
    body=StaffLogin,
    response=SessionIssued,
    tags=TAGS,
)
def staff_login(request: ApiRequest) -> SessionIssued:
    body: StaffLogin = request.body
    return _identity(request).staff_login(body.username, body.password, request.raw.client_ip)


@router.route("POST", "/auth/logout", allow=SIGNED_IN, summary="End this session", status=204, tags=TAGS)
def logout(request: ApiRequest) -> None:
    _identity(request).logout(request.caller)


@router.route("GET", "/me", allow=SIGNED_IN, summary="The caller's own account", response=MeView, tags=TAGS)
def me(request: ApiRequest) -> CitizenSelf | StaffSelf:
    caller = request.caller
    if caller.kind == "citizen":
        citizen = _citizens(request).own_profile(caller)
        return CitizenSelf.of(citizen, _unit_address(request, citizen.recorded_under or citizen.commune_id))
    account = _identity(request).staff_account(caller)
    return StaffSelf(**account.model_dump())


def _unit_address(request: ApiRequest, recorded_under: str) -> Address | None:
    """The administrative address of the commune an account was made in, as it is today (and as it was)."""
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core.contracts import VN_TZ
    from smartcommune.units.wiring import unit_register

    commune = request.services.get(commune_repository).profile(recorded_under)
    if commune is None or commune.unit is None:
        return None
    today = request.services.clock().astimezone(VN_TZ).date()
    try:
        return request.services.get(unit_register).address(commune.unit, today)
    except KeyError:  # a unit the register does not know
        return None


@router.route(
    "PUT",
    "/me/profile",
    allow=CITIZENS,
    summary="A citizen completes or corrects their profile",
    body=ProfileUpdate,
    response=CitizenSelf,
    tags=TAGS,
)
def update_my_profile(request: ApiRequest) -> CitizenSelf:
    citizens = _citizens(request)  # rate-limited per citizen and per client address; audited
    return CitizenSelf.of(
        citizens.update_profile(request.caller, request.body, request.raw.client_ip, request.raw.request_id)
    )


@router.route(
    "POST",
    "/staff",
    allow=ADMIN_ONLY,
    summary="Create a staff account in the administrator's commune",
    body=NewStaffAccount,
    response=StaffAccount,
    status=201,
    tags=TAGS,
)
def create_staff_account(request: ApiRequest) -> StaffAccount:
    return _identity(request).add_staff(request.caller, request.body, request.raw.request_id)


@router.route(
    "GET", "/staff", allow=ADMIN_ONLY, summary="The staff accounts of the commune", response=StaffList, tags=TAGS
)
def list_staff_accounts(request: ApiRequest) -> StaffList:
    return StaffList(items=_identity(request).list_staff(request.caller))


@router.route(
    "POST",
    "/staff/{staff_id}/lock",
    allow=ADMIN_ONLY,
    summary="Lock a staff account of the commune (it cannot sign in; its sessions end at once)",
    body=StaffStatusChange,
    response=StaffAccount,
    tags=TAGS,
)
def lock_staff_account(request: ApiRequest) -> StaffAccount:
    body: StaffStatusChange = request.body
    staff_id = request.path_params["staff_id"]
    return _identity(request).lock_staff(request.caller, staff_id, body.reason, request.raw.request_id)


@router.route(
    "POST",
    "/staff/{staff_id}/unlock",
    allow=ADMIN_ONLY,
    summary="Unlock a staff account of the commune (its old sessions stay ended)",
    body=StaffStatusChange,
    response=StaffAccount,
    tags=TAGS,
)
def unlock_staff_account(request: ApiRequest) -> StaffAccount:
    body: StaffStatusChange = request.body
    staff_id = request.path_params["staff_id"]
    return _identity(request).unlock_staff(request.caller, staff_id, body.reason, request.raw.request_id)


@router.route(
    "PUT",
    "/staff/{staff_id}/roles",
    allow=ADMIN_ONLY,
    summary="Set the roles of a staff account of the commune (they apply from its next request)",
    body=StaffRolesChange,
    response=StaffAccount,
    tags=TAGS,
)
def set_staff_roles(request: ApiRequest) -> StaffAccount:
    body: StaffRolesChange = request.body
    staff_id = request.path_params["staff_id"]
    return _identity(request).set_staff_roles(request.caller, staff_id, body.staff_roles(), request.raw.request_id)


@router.route(
    "POST",
    "/staff/{staff_id}/sign-out",
    allow=ADMIN_ONLY,
    summary="Sign a staff account of the commune out everywhere (every session ends at once)",
    body=StaffStatusChange,
    status=204,
    tags=TAGS,
)
def sign_out_staff_account(request: ApiRequest) -> None:
    body: StaffStatusChange = request.body
    staff_id = request.path_params["staff_id"]
    _identity(request).sign_out_staff(request.caller, staff_id, body.reason, request.raw.request_id)
