"""Facilities over HTTP: the public lists of wifi points and schools under ``/communes/{commune_id}/facilities/…``;
staff keep them under ``/facilities/…`` (the caller's own commune). Thin handlers: parse → one service call → map.

The culture and information officer (văn hóa - thông tin) and the leadership keep the wifi register; the schools
and the leadership keep the schools and enter each school year's figures.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from smartcommune.core.api.router import PUBLIC, router
from smartcommune.core.contracts import Role
from smartcommune.core.errors import InvalidInputError, NotFoundError
from smartcommune.facilities.contracts import (
    NewSchool,
    NewWifiPoint,
    PublicSchoolList,
    PublicWifiList,
    School,
    SchoolList,
    SchoolUpdate,
    SchoolYearEntry,
    WifiPoint,
    WifiPointList,
    WifiPointUpdate,
    WifiStatusChange,
)

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.facilities.wiring import FacilitiesServices

TAGS = ("facilities",)
WIFI_KEEPERS = frozenset({Role.CULTURE, Role.ADMIN})
SCHOOL_KEEPERS = frozenset({Role.SCHOOL, Role.ADMIN})
_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_ID = {"point_id": re.compile(r"^wf-[0-9a-f]{20}$"), "school_id": re.compile(r"^tr-[0-9a-f]{20}$")}


def _facilities(request: ApiRequest) -> FacilitiesServices:
    from smartcommune.facilities.wiring import facilities_service

    return request.services.get(facilities_service)


def _request_key(request: ApiRequest) -> str | None:
    """The optional ``Idempotency-Key``: a retried create returns what the first one made."""
    key = (request.raw.header("idempotency-key") or "").strip()
    if key and not _KEY.match(key):
        raise InvalidInputError(
            "Tiêu đề Idempotency-Key không hợp lệ (8–64 ký tự chữ, số, . _ : -).",
            "The Idempotency-Key header is invalid (8-64 letters, digits, . _ : -).",
        )
    return key or None


def _id(request: ApiRequest, name: str) -> str:
    value = request.path_params[name]
    if not _ID[name].match(value):
        raise NotFoundError("Không tìm thấy.", "Not found.")
    return value


def _commune(request: ApiRequest) -> str:
    """The path's commune id, resolved through mergers (an old commune's links keep answering)."""
    from smartcommune.communes.wiring import current_commune_id

    return current_commune_id(request.services, request.path_params["commune_id"])


# ---------------------------------------------------------------- public


@router.route(
    "GET",
    "/communes/{commune_id}/facilities/wifi",
    allow=PUBLIC,
    summary="The commune's public wifi points: place, hamlet, bandwidth, free or not, in service or not since when",
    response=PublicWifiList,
    tags=TAGS,
)
def public_wifi(request: ApiRequest) -> PublicWifiList:
    return _facilities(request).wifi.public_list(_commune(request))


@router.route(
    "GET",
    "/communes/{commune_id}/facilities/schools",
    allow=PUBLIC,
    summary="The commune's schools with their latest school year's figures (pupils, classes, teachers, digital tools)",
    response=PublicSchoolList,
    tags=TAGS,
)
def public_schools(request: ApiRequest) -> PublicSchoolList:
    return _facilities(request).schools.public_list(_commune(request))


# ---------------------------------------------------------------- wifi (staff)


@router.route(
    "GET",
    "/facilities/wifi",
    allow=WIFI_KEEPERS,
    summary="The wifi register as staff keep it (with versions, notes and who changed each point)",
    response=WifiPointList,
    tags=TAGS,
)
def list_wifi(request: ApiRequest) -> WifiPointList:
    return _facilities(request).wifi.page(request.caller)


@router.route(
    "POST",
    "/facilities/wifi",
    allow=WIFI_KEEPERS,
    summary="Register a wifi point (optional Idempotency-Key; audited)",
    body=NewWifiPoint,
    response=WifiPoint,
    status=201,
    tags=TAGS,
)
def add_wifi(request: ApiRequest) -> WifiPoint:
    return _facilities(request).wifi.create(request.caller, request.body, _request_key(request))


@router.route(
    "PUT",
    "/facilities/wifi/{point_id}",
    allow=WIFI_KEEPERS,
    summary="Change a wifi point (its version as read; audited)",
    body=WifiPointUpdate,
    response=WifiPoint,
    tags=TAGS,
)
def change_wifi(request: ApiRequest) -> WifiPoint:
    return _facilities(request).wifi.update(request.caller, _id(request, "point_id"), request.body)


@router.route(
    "POST",
    "/facilities/wifi/{point_id}/status",
    allow=WIFI_KEEPERS,
    summary="Take a wifi point out of service (with a note) or back in; the time of the change is its since-time",
    body=WifiStatusChange,
    response=WifiPoint,
    tags=TAGS,
)
def wifi_status(request: ApiRequest) -> WifiPoint:
    return _facilities(request).wifi.set_status(request.caller, _id(request, "point_id"), request.body)


# ---------------------------------------------------------------- schools (staff)


@router.route(
    "GET",
    "/facilities/schools",
    allow=SCHOOL_KEEPERS,
    summary="The schools with every school year's figures (with versions and who entered them)",
    response=SchoolList,
    tags=TAGS,
)
def list_schools(request: ApiRequest) -> SchoolList:
    return _facilities(request).schools.page(request.caller)


@router.route(
    "POST",
    "/facilities/schools",
    allow=SCHOOL_KEEPERS,
    summary="Register a school (mầm non, tiểu học, THCS; optional Idempotency-Key; audited)",
    body=NewSchool,
    response=School,
    status=201,
    tags=TAGS,
)
def add_school(request: ApiRequest) -> School:
    return _facilities(request).schools.create(request.caller, request.body, _request_key(request))


@router.route(
    "PUT",
    "/facilities/schools/{school_id}",
    allow=SCHOOL_KEEPERS,
    summary="Change a school's name, level, hamlet or place (its version as read; audited)",
    body=SchoolUpdate,
    response=School,
    tags=TAGS,
)
def change_school(request: ApiRequest) -> School:
    return _facilities(request).schools.update(request.caller, _id(request, "school_id"), request.body)


@router.route(
    "POST",
    "/facilities/schools/{school_id}/years",
    allow=SCHOOL_KEEPERS,
    summary="Enter a school year's figures (pupils, classes, teachers, digital tools); again replaces them; audited",
    body=SchoolYearEntry,
    response=School,
    tags=TAGS,
)
def enter_school_year(request: ApiRequest) -> School:
    return _facilities(request).schools.enter_year(request.caller, _id(request, "school_id"), request.body)
