"""Commune staff manage citizen accounts: list and search, register, lock and unlock, verify the CCCD a citizen
claimed (their commune only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.citizens.contracts import (
    CccdRejection,
    CccdVerification,
    CitizenPage,
    CitizenQuery,
    CitizenView,
    LockChange,
    NewCitizen,
)
from smartcommune.core.api.router import router
from smartcommune.core.contracts import Role

if TYPE_CHECKING:
    from smartcommune.citizens.logic import CitizenService
    from smartcommune.core.api.http import ApiRequest

TAGS = ("citizens",)
READERS = frozenset({Role.ADMIN, Role.OFFICE, Role.POLICE})
MANAGERS = frozenset({Role.ADMIN, Role.OFFICE})
# Who checks a citizen's card against the number they gave: the office, and the commune police, who keep the
# residence records CCCD numbers come from.
VERIFIERS = frozenset({Role.ADMIN, Role.OFFICE, Role.POLICE})


def _citizens(request: ApiRequest) -> CitizenService:
    from smartcommune.citizens.wiring import citizen_service

    return request.services.get(citizen_service)


@router.route(
    "GET",
    "/citizens",
    allow=READERS,
    summary="List or search the commune's citizens (name, phone, address; a whole CCCD; diacritics ignored)",
    query=CitizenQuery,
    response=CitizenPage,
    tags=TAGS,
)
def list_citizens(request: ApiRequest) -> CitizenPage:
    return _citizens(request).search(request.caller, request.query)


@router.route(
    "GET", "/citizens/{citizen_id}", allow=READERS, summary="One citizen account", response=CitizenView, tags=TAGS
)
def get_citizen(request: ApiRequest) -> CitizenView:
    return CitizenView.of(_citizens(request).get(request.caller, request.path_params["citizen_id"]))


@router.route(
    "POST",
    "/citizens",
    allow=MANAGERS,
    summary="Register a citizen account",
    body=NewCitizen,
    response=CitizenView,
    status=201,
    tags=TAGS,
)
def register_citizen(request: ApiRequest) -> CitizenView:
    return CitizenView.of(_citizens(request).register(request.caller, request.body, request.raw.request_id))


@router.route(
    "POST",
    "/citizens/{citizen_id}/lock",
    allow=MANAGERS,
    summary="Lock a citizen account (its sessions stop working at once)",
    body=LockChange,
    response=CitizenView,
    tags=TAGS,
)
def lock_citizen(request: ApiRequest) -> CitizenView:
    body: LockChange = request.body
    citizen = _citizens(request).lock(
        request.caller, request.path_params["citizen_id"], body.reason, request.raw.request_id
    )
    return CitizenView.of(citizen)


@router.route(
    "POST",
    "/citizens/{citizen_id}/unlock",
    allow=MANAGERS,
    summary="Unlock a citizen account",
    body=LockChange,
    response=CitizenView,
    tags=TAGS,
)
def unlock_citizen(request: ApiRequest) -> CitizenView:
    body: LockChange = request.body
    citizen = _citizens(request).unlock(
        request.caller, request.path_params["citizen_id"], body.reason, request.raw.request_id
    )
    return CitizenView.of(citizen)


@router.route(
    "POST",
    "/citizens/{citizen_id}/cccd/verify",
    allow=VERIFIERS,
    summary="Verify the CCCD a citizen gave, typed from their card (optionally moving it from another account)",
    body=CccdVerification,
    response=CitizenView,
    tags=TAGS,
)
def verify_citizen_cccd(request: ApiRequest) -> CitizenView:
    citizen = _citizens(request).verify_cccd(
        request.caller, request.path_params["citizen_id"], request.body, request.raw.request_id
    )
    return CitizenView.of(citizen)


@router.route(
    "POST",
    "/citizens/{citizen_id}/cccd/reject",
    allow=VERIFIERS,
    summary="Turn down the CCCD a citizen gave",
    body=CccdRejection,
    response=CitizenView,
    tags=TAGS,
)
def reject_citizen_cccd(request: ApiRequest) -> CitizenView:
    body: CccdRejection = request.body
    citizen = _citizens(request).reject_cccd(
        request.caller, request.path_params["citizen_id"], body.reason, request.raw.request_id
    )
    return CitizenView.of(citizen)
