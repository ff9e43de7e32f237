"""The operations dashboard over HTTP: the staff payload (leadership and the office, every tile with its
drill-down) and the hall screen's public projection (counts and charts only, no names, no places of warnings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.api.router import PUBLIC, router
from smartcommune.core.contracts import Role
from smartcommune.core.errors import NotFoundError
from smartcommune.operations.contracts import CriterionHistory, DashboardPayload, HistoryQuery

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.operations.logic.dashboard import DashboardService

TAGS = ("operations",)
READERS = frozenset({Role.ADMIN, Role.OFFICE})


def _service(request: ApiRequest) -> DashboardService:
    from smartcommune.operations.wiring import dashboard_service

    return request.services.get(dashboard_service)


def _not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy xã này.", "No such commune.")


@router.route(
    "GET",
    "/dashboard",
    allow=READERS,
    response=DashboardPayload,
    summary="The operations dashboard of the caller's commune: every tile with its drill-down, warnings, forecasts, "
    "trends and the criteria scorecard",
    tags=TAGS,
)
def staff_dashboard(request: ApiRequest) -> DashboardPayload:
    principal = request.principal
    assert principal is not None
    payload = _service(request).payload(principal.commune_id, "staff")
    if payload is None:
        raise _not_found()
    return payload


@router.route(
    "GET",
    "/communes/{commune_id}/dashboard",
    allow=PUBLIC,
    response=DashboardPayload,
    summary="The commune hall screen's dashboard: counts, charts, forecasts and the scorecard; no drill-down, no "
    "warning details",
    tags=TAGS,
)
def public_dashboard(request: ApiRequest) -> DashboardPayload:
    from smartcommune.communes.wiring import current_commune_id

    commune_id = current_commune_id(request.services, request.path_params["commune_id"])
    payload = _service(request).payload(commune_id, "public")
    if payload is None:
        raise _not_found()
    return payload


@router.route(
    "GET",
    "/dashboard/criteria/{code}/history",
    allow=READERS,
    query=HistoryQuery,
    response=CriterionHistory,
    summary="One criterion of the scorecard month by month (the dashboard's chart)",
    tags=TAGS,
)
def criterion_history(request: ApiRequest) -> CriterionHistory:
    principal = request.principal
    assert principal is not None
    query: HistoryQuery = request.query
    found = _service(request).history(principal.commune_id, request.path_params["code"], query.months)
    if found is None or not found.name_vi:
        raise NotFoundError("Không có chỉ tiêu này trong bảng chỉ tiêu.", "No such criterion on the scorecard.")
    return found


@router.route(
    "GET",
    "/communes/{commune_id}/dashboard/criteria/{code}/history",
    allow=PUBLIC,
    query=HistoryQuery,
    response=CriterionHistory,
    summary="One criterion month by month, for the commune hall screen",
    tags=TAGS,
)
def public_criterion_history(request: ApiRequest) -> CriterionHistory:
    from smartcommune.communes.wiring import current_commune_id

    commune_id = current_commune_id(request.services, request.path_params["commune_id"])
    found = _service(request).history(commune_id, request.path_params["code"], request.query.months)
    if found is None or not found.name_vi:
        raise NotFoundError("Không có chỉ tiêu này trong bảng chỉ tiêu.", "No such criterion on the scorecard.")
    return found
