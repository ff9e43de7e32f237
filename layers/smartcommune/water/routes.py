"""Routes: the commune's water quality now and a sensor's readings of a day (public: drinking water is everyone's
business, and nothing here is personal or a device secret), and the warnings staff list, acknowledge and turn into
an alert bulletin draft (environment and health staff, and the leadership)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.api.router import PUBLIC, router
from smartcommune.core.contracts import Role
from smartcommune.core.errors import NotFoundError
from smartcommune.water.contracts import (
    Acknowledgement,
    BulletinDraftResult,
    ReadingSeries,
    SeriesQuery,
    WarningList,
    WarningsQuery,
    WaterSummary,
    WaterWarning,
)

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest

WATER_STAFF = frozenset({Role.ADMIN, Role.ENVIRONMENT, Role.HEALTH})
# Drafting goes through broadcast's rules: health staff write health bulletins, the leadership any.
DRAFTERS = frozenset({Role.ADMIN, Role.HEALTH})


def _commune(request: ApiRequest) -> str:
    from smartcommune.communes.wiring import commune_repository, current_commune_id

    commune_id = current_commune_id(request.services, request.path_params["commune_id"])
    if request.services.get(commune_repository).get(commune_id) is None:
        raise NotFoundError("Không tìm thấy xã này.", "No such commune.")
    return commune_id


@router.route(
    "GET",
    "/communes/{commune_id}/water/summary",
    allow=PUBLIC,
    response=WaterSummary,
    summary="Water quality now: each sensor's latest values, within the QCVN 01-1:2018/BYT limits or not, or silent",
    tags=("water",),
)
def water_summary(request: ApiRequest) -> WaterSummary:
    from smartcommune.water.wiring import water_summary as summary_source

    return request.services.get(summary_source).summary(_commune(request))


@router.route(
    "GET",
    "/communes/{commune_id}/water/sensors/{sensor_id}/readings",
    allow=PUBLIC,
    query=SeriesQuery,
    response=ReadingSeries,
    summary="One water sensor's readings of a day (Vietnam time), for a chart, with the limits",
    tags=("water",),
)
def water_readings(request: ApiRequest) -> ReadingSeries:
    from smartcommune.water.wiring import water_service

    query: SeriesQuery = request.query
    return request.services.get(water_service).series(_commune(request), request.path_params["sensor_id"], query.day)


@router.route(
    "GET",
    "/water/warnings",
    allow=WATER_STAFF,
    query=WarningsQuery,
    response=WarningList,
    summary="Water warnings of the caller's commune (out of limits, silent or stuck sensors), newest first",
    tags=("water",),
)
def list_water_warnings(request: ApiRequest) -> WarningList:
    from smartcommune.water.wiring import water_service

    query: WarningsQuery = request.query
    items = request.services.get(water_service).warnings(request.caller.commune_id, query.since, query.limit)
    return WarningList(items=items)


@router.route(
    "POST",
    "/water/warnings/{warning_id}/acknowledge",
    allow=WATER_STAFF,
    body=Acknowledgement,
    response=WaterWarning,
    summary="Acknowledge a water warning with a note (audited)",
    tags=("water",),
)
def acknowledge_water_warning(request: ApiRequest) -> WaterWarning:
    from smartcommune.water.wiring import water_service

    body = request.body
    assert isinstance(body, Acknowledgement)
    return request.services.get(water_service).acknowledge(
        request.caller, request.path_params["warning_id"], body.note, request.raw.request_id
    )


@router.route(
    "POST",
    "/water/warnings/{warning_id}/bulletin",
    allow=DRAFTERS,
    response=BulletinDraftResult,
    status=201,
    summary="Draft an alert bulletin (Vietnamese, naming the hamlet and the parameter) from a water warning",
    tags=("water",),
)
def draft_water_bulletin(request: ApiRequest) -> BulletinDraftResult:
    from smartcommune.water.wiring import water_service

    warning_id = request.path_params["warning_id"]
    bulletin_id, headline, created = request.services.get(water_service).draft_bulletin(
        request.caller, warning_id, request.raw.request_id
    )
    return BulletinDraftResult(warning_id=warning_id, bulletin_id=bulletin_id, headline=headline, created=created)
