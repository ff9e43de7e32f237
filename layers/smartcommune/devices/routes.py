"""Routes: the loudspeaker registry with live state, one speaker, its desired settings (shadow), its uptime; and
the public count of a commune's speakers online (the operations dashboard)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.api.router import PUBLIC, router
from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.errors import NotFoundError
from smartcommune.devices.contracts import SpeakerList, SpeakerSettingsUpdate, SpeakerState, SpeakerSummary
from smartcommune.devices.logic import SpeakerStats, SpeakerStatsQuery

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest

DEVICE_STAFF = frozenset({Role.ADMIN, Role.CULTURE})


@router.route(
    "GET",
    "/devices/speakers",
    allow=DEVICE_STAFF,
    summary="Loudspeakers with live state",
    response=SpeakerList,
    tags=("devices",),
)
def list_speakers(request: ApiRequest) -> SpeakerList:
    from smartcommune.devices.wiring import device_fanout

    principal = request.principal
    assert principal is not None
    items = request.services.get(device_fanout).registry(principal.commune_id).states(request.services.clock())
    return SpeakerList(items=items, online=sum(1 for s in items if s.online), total=len(items))


@router.route(
    "GET",
    "/devices/speakers/{thing}",
    allow=DEVICE_STAFF,
    summary="One loudspeaker",
    response=SpeakerState,
    tags=("devices",),
)
def get_speaker(request: ApiRequest) -> SpeakerState:
    from smartcommune.devices.wiring import device_fanout

    principal = request.principal
    assert principal is not None
    return (
        request.services.get(device_fanout)
        .registry(principal.commune_id)
        .state(request.path_params["thing"], request.services.clock())
    )


@router.route(
    "PUT",
    "/devices/speakers/{thing}/settings",
    allow=DEVICE_STAFF,
    body=SpeakerSettingsUpdate,
    response=SpeakerState,
    summary="Set a loudspeaker's desired volume (device shadow); audited with the volumes before and after",
    tags=("devices",),
)
def update_speaker_settings(request: ApiRequest) -> SpeakerState:
    from smartcommune.devices.wiring import speaker_settings

    body = request.body
    assert isinstance(body, SpeakerSettingsUpdate)
    return request.services.get(speaker_settings).change(
        request.caller, request.path_params["thing"], body, request.raw.request_id
    )


@router.route(
    "GET",
    "/devices/speakers/{thing}/stats",
    allow=DEVICE_STAFF,
    query=SpeakerStatsQuery,
    response=SpeakerStats,
    summary="A loudspeaker's uptime (heartbeats) and failed deliveries, per day of a month and for the month",
    tags=("devices",),
)
def speaker_stats(request: ApiRequest) -> SpeakerStats:
    from smartcommune.devices.wiring import device_fanout

    principal = request.principal
    assert principal is not None
    query: SpeakerStatsQuery = request.query
    now = request.services.clock()
    month = query.month or now.astimezone(VN_TZ).strftime("%Y-%m")
    repo = request.services.get(device_fanout).registry(principal.commune_id)
    return repo.stats(request.path_params["thing"], month, now)


@router.route(
    "GET",
    "/communes/{commune_id}/speakers/summary",
    allow=PUBLIC,
    response=SpeakerSummary,
    summary="How many of the commune's loudspeakers are online and playing now (counts only: the public dashboard)",
    tags=("devices",),
)
def speaker_summary(request: ApiRequest) -> SpeakerSummary:
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.devices.wiring import device_fanout

    commune_id = _commune_in_path(request)
    if request.services.get(commune_repository).get(commune_id) is None:
        raise NotFoundError("Không tìm thấy xã này.", "No such commune.")
    items = request.services.get(device_fanout).registry(commune_id).states(request.services.clock())
    return SpeakerSummary(
        commune_id=commune_id,
        online=sum(1 for s in items if s.online),
        total=len(items),
        playing=sum(1 for s in items if s.online and s.playing),
    )


def _commune_in_path(request: ApiRequest) -> str:
    """The path's commune id, resolved through mergers (an old commune's links keep answering)."""
    from smartcommune.communes.wiring import current_commune_id

    return current_commune_id(request.services, request.path_params["commune_id"])
