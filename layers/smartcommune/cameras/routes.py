"""Routes: cameras with live health, their zones and rules, commands; events for the police (acknowledge with a
note, to a feedback item, draft a bulletin); snapshot links (blurred unless the police ask, audited); the police
view beside citizens' security reports; the staff summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.cameras.contracts import (
    Acknowledge,
    BulletinDraftRequest,
    CameraConfigUpdate,
    CameraEvent,
    CameraList,
    CameraState,
    CameraSummary,
    CommandRecord,
    CommandRequest,
    EventOutcome,
    EventPage,
    EventsQuery,
    PoliceView,
    SnapshotLink,
    SnapshotQuery,
    StoredCameraConfig,
)
from smartcommune.core.api.router import router
from smartcommune.core.contracts import Role

if TYPE_CHECKING:
    from smartcommune.cameras.logic.service import CameraService
    from smartcommune.core.api.http import ApiRequest

CAMERA_STAFF = frozenset({Role.ADMIN, Role.POLICE})
POLICE = frozenset({Role.POLICE})
TAGS = ("cameras",)


def _service(request: ApiRequest) -> CameraService:
    from smartcommune.cameras.wiring import camera_service

    return request.services.get(camera_service)


@router.route("GET", "/cameras", allow=CAMERA_STAFF, summary="Cameras with live health", response=CameraList, tags=TAGS)
def list_cameras(request: ApiRequest) -> CameraList:
    return _service(request).cameras(request.caller.commune_id)


@router.route("GET", "/cameras/{thing}", allow=CAMERA_STAFF, summary="One camera", response=CameraState, tags=TAGS)
def get_camera(request: ApiRequest) -> CameraState:
    return _service(request).camera(request.caller.commune_id, request.path_params["thing"])


@router.route(
    "GET",
    "/cameras/{thing}/config",
    allow=CAMERA_STAFF,
    summary="A camera's zones and rules, with their version",
    response=StoredCameraConfig,
    tags=TAGS,
)
def get_config(request: ApiRequest) -> StoredCameraConfig:
    return _service(request).config(request.caller.commune_id, request.path_params["thing"])


@router.route(
    "PUT",
    "/cameras/{thing}/config",
    allow=CAMERA_STAFF,
    body=CameraConfigUpdate,
    response=StoredCameraConfig,
    summary="Replace a camera's zones and rules (optimistic locking by version; audited; zones sent to the camera)",
    tags=TAGS,
)
def put_config(request: ApiRequest) -> StoredCameraConfig:
    body = request.body
    assert isinstance(body, CameraConfigUpdate)
    return _service(request).set_config(request.caller, request.path_params["thing"], body, request.raw.request_id)


@router.route(
    "POST",
    "/cameras/{thing}/commands",
    allow=CAMERA_STAFF,
    body=CommandRequest,
    response=CommandRecord,
    status=202,
    summary="Send a camera a command (snapshot, settings, zones, reboot); it acts once per command id",
    tags=TAGS,
)
def post_command(request: ApiRequest) -> CommandRecord:
    body = request.body
    assert isinstance(body, CommandRequest)
    return _service(request).command(request.caller, request.path_params["thing"], body)


@router.route(
    "GET",
    "/cameras/{thing}/commands/{command_id}",
    allow=CAMERA_STAFF,
    response=CommandRecord,
    summary="A command and the camera's answer",
    tags=TAGS,
)
def get_command(request: ApiRequest) -> CommandRecord:
    params = request.path_params
    return _service(request).command_state(request.caller.commune_id, params["thing"], params["command_id"])


@router.route(
    "GET",
    "/camera-events",
    allow=CAMERA_STAFF,
    query=EventsQuery,
    response=EventPage,
    summary="Camera events, newest first (optionally of one camera)",
    tags=TAGS,
)
def list_events(request: ApiRequest) -> EventPage:
    query: EventsQuery = request.query
    return _service(request).events(request.caller.commune_id, query)


@router.route(
    "GET",
    "/camera-events/{event_id}",
    allow=CAMERA_STAFF,
    response=CameraEvent,
    summary="One camera event",
    tags=TAGS,
)
def get_event(request: ApiRequest) -> CameraEvent:
    return _service(request).event(request.caller.commune_id, request.path_params["event_id"])


@router.route(
    "GET",
    "/camera-events/{event_id}/snapshot",
    allow=CAMERA_STAFF,
    query=SnapshotQuery,
    response=SnapshotLink,
    summary="A short link to the event's crop: faces blurred; raw=true for the police only (audited)",
    tags=TAGS,
)
def get_snapshot(request: ApiRequest) -> SnapshotLink:
    query: SnapshotQuery = request.query
    return _service(request).snapshot(
        request.caller, request.path_params["event_id"], query.raw, request.raw.request_id
    )


@router.route(
    "POST",
    "/camera-events/{event_id}/ack",
    allow=POLICE,
    body=Acknowledge,
    response=CameraEvent,
    summary="The police acknowledge an event with a note (audited)",
    tags=TAGS,
)
def acknowledge(request: ApiRequest) -> CameraEvent:
    body = request.body
    assert isinstance(body, Acknowledge)
    return _service(request).acknowledge(
        request.caller, request.path_params["event_id"], body.note, request.raw.request_id
    )


@router.route(
    "POST",
    "/camera-events/{event_id}/feedback",
    allow=POLICE,
    response=EventOutcome,
    summary="Turn an event into a feedback item in the security field (once)",
    tags=TAGS,
)
def to_feedback(request: ApiRequest) -> EventOutcome:
    return _service(request).to_feedback(request.caller, request.path_params["event_id"], request.raw.request_id)


@router.route(
    "POST",
    "/camera-events/{event_id}/bulletin",
    allow=POLICE,
    body=BulletinDraftRequest,
    response=EventOutcome,
    summary="Draft an alert bulletin from a severe event (a draft only: approval plays it)",
    tags=TAGS,
)
def draft_bulletin(request: ApiRequest) -> EventOutcome:
    body = request.body
    assert isinstance(body, BulletinDraftRequest)
    return _service(request).draft_bulletin(
        request.caller, request.path_params["event_id"], body.headline, body.text, request.raw.request_id
    )


@router.route(
    "GET",
    "/cameras-police",
    allow=POLICE,
    response=PoliceView,
    summary="The police view: camera events beside citizens' security reports",
    tags=TAGS,
)
def police_view(request: ApiRequest) -> PoliceView:
    return _service(request).police_view(request.caller)


@router.route(
    "GET",
    "/cameras-summary",
    allow=CAMERA_STAFF,
    response=CameraSummary,
    summary="Cameras online and today's events by rule kind",
    tags=TAGS,
)
def summary(request: ApiRequest) -> CameraSummary:
    return _service(request).summary(request.caller.commune_id)
