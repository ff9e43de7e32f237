"""Public reads of the administrative-unit register: the tree at a date, one unit with its history, search."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from smartcommune.core.api.router import PUBLIC, router
from smartcommune.core.contracts import VN_TZ
from smartcommune.core.errors import NotFoundError
from smartcommune.units.contracts import UnitDetail, UnitHits, UnitSearchQuery, UnitTree, UnitTreeQuery

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest


def _today(request: ApiRequest) -> date:
    return request.services.clock().astimezone(VN_TZ).date()


@router.route(
    "GET",
    "/units",
    allow=PUBLIC,
    query=UnitTreeQuery,
    response=UnitTree,
    tags=("units",),
    summary="The administrative units in force on a date (today by default), from the provinces down",
)
def unit_tree(request: ApiRequest) -> UnitTree:
    from smartcommune.units.wiring import unit_register

    query: UnitTreeQuery = request.query
    return request.services.get(unit_register).tree(query.on or _today(request))


@router.route(
    "GET",
    "/units/search",
    allow=PUBLIC,
    query=UnitSearchQuery,
    response=UnitHits,
    tags=("units",),
    summary="Units by any name they ever had (diacritics ignored), each with what it is today",
)
def unit_search(request: ApiRequest) -> UnitHits:
    from smartcommune.units.wiring import unit_register

    query: UnitSearchQuery = request.query
    return UnitHits(items=request.services.get(unit_register).search(query.q, _today(request)))


@router.route(
    "GET",
    "/units/{ref}",
    allow=PUBLIC,
    response=UnitDetail,
    tags=("units",),
    summary="One unit (by code, or code@first-day for a version): its place, history and what it is today",
)
def unit_detail(request: ApiRequest) -> UnitDetail:
    from smartcommune.units.wiring import unit_register

    register = request.services.get(unit_register)
    from urllib.parse import unquote

    ref = unquote(request.path_params["ref"])  # "14212@2025-07-01" arrives as 14212%402025-07-01
    if register.get(ref) is None:
        raise NotFoundError("Không tìm thấy đơn vị hành chính này.", "No such administrative unit.")
    return register.detail(ref, _today(request))
