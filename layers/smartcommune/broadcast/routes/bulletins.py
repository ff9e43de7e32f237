"""Bulletins: drafting, the two-person approval, schedules, revoke/edit/reschedule/cancel a draft, delivery, statistics;
the portal's public alert feed and citizens' SMS alert subscription. ``docs/broadcast.md`` explains the rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.broadcast.contracts import (
    AlertFeedQuery,
    AlertSubscription,
    AlertSubscriptionChange,
    AudioUploadConfirm,
    AudioUploadRequest,
    AudioUploadTicket,
    BulletinEdit,
    BulletinPage,
    BulletinQuery,
    BulletinView,
    DraftDiscard,
    NewBulletin,
    PublicAlertPage,
    Rescheduling,
    Revocation,
    StatsQuery,
    StatsReport,
    VersionedAction,
)
from smartcommune.core.api.router import CITIZENS, PUBLIC, router
from smartcommune.core.contracts import Role
from smartcommune.core.errors import FieldProblem, InvalidInputError
from smartcommune.devices.contracts import DeliveryReport

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Bulletin
    from smartcommune.broadcast.logic.service import BulletinService
    from smartcommune.core.api.http import ApiRequest

TAGS = ("bulletins",)
EDITORS = frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE, Role.POLICE, Role.HEALTH})
APPROVERS = frozenset({Role.ADMIN})


def _bulletins(request: ApiRequest) -> BulletinService:
    from smartcommune.broadcast.wiring import bulletin_service

    return request.services.get(bulletin_service)


def _view(request: ApiRequest, bulletin: Bulletin) -> BulletinView:
    from smartcommune.broadcast.logic.lifecycle import stage
    from smartcommune.broadcast.wiring import audio_store

    # Same-origin (/media/…): the page's Content-Security-Policy lets its player load nothing from elsewhere.
    url = request.services.get(audio_store).page_url(bulletin.audio.key, 900) if bulletin.audio else None
    return BulletinView(**bulletin.model_dump(), stage=stage(bulletin), audio_url=url)


@router.route(
    "POST",
    "/bulletins",
    allow=EDITORS,
    summary="Draft a bulletin (speech is synthesised at once); a different person approves it",
    body=NewBulletin,
    response=BulletinView,
    status=201,
    tags=TAGS,
)
def draft_bulletin(request: ApiRequest) -> Any:
    from smartcommune.core.api.http import ApiResponse

    bulletin = _bulletins(request).draft(request.caller, request.body, request.raw.request_id)
    return ApiResponse(_view(request, bulletin), status=201)


@router.route(
    "GET",
    "/bulletins",
    allow=EDITORS,
    summary="The commune's bulletins, newest first",
    query=BulletinQuery,
    response=BulletinPage,
    tags=TAGS,
)
def list_bulletins(request: ApiRequest) -> BulletinPage:
    query: BulletinQuery = request.query
    return _bulletins(request).page(request.caller, query.status, query.cursor, query.limit)


@router.route(
    "GET", "/bulletins/{bulletin_id}", allow=EDITORS, summary="One bulletin", response=BulletinView, tags=TAGS
)
def get_bulletin(request: ApiRequest) -> BulletinView:
    return _view(request, _bulletins(request).get(request.caller, request.path_params["bulletin_id"]))


@router.route(
    "PATCH",
    "/bulletins/{bulletin_id}",
    allow=EDITORS,
    summary="Edit a bulletin before it plays (an approved one needs approval again)",
    body=BulletinEdit,
    response=BulletinView,
    tags=TAGS,
)
def edit_bulletin(request: ApiRequest) -> BulletinView:
    bulletin = _bulletins(request).edit(
        request.caller, request.path_params["bulletin_id"], request.body, request.raw.request_id
    )
    return _view(request, bulletin)


@router.route(
    "POST",
    "/bulletins/{bulletin_id}/approve",
    allow=APPROVERS,
    summary="Approve a bulletin drafted by someone else: it is published and plays (now or as scheduled)",
    body=VersionedAction,
    response=BulletinView,
    tags=TAGS,
)
def approve_bulletin(request: ApiRequest) -> BulletinView:
    body: VersionedAction = request.body
    bulletin = _bulletins(request).approve(
        request.caller, request.path_params["bulletin_id"], body.version, body.note, request.raw.request_id
    )
    return _view(request, bulletin)


@router.route(
    "POST",
    "/bulletins/{bulletin_id}/revoke",
    allow=EDITORS,
    summary="Withdraw a bulletin before it plays; a published alert is cancelled (CAP Cancel)",
    body=Revocation,
    response=BulletinView,
    tags=TAGS,
)
def revoke_bulletin(request: ApiRequest) -> BulletinView:
    body: Revocation = request.body
    bulletin = _bulletins(request).revoke(
        request.caller, request.path_params["bulletin_id"], body.version, body.reason, request.raw.request_id
    )
    return _view(request, bulletin)


@router.route(
    "POST",
    "/bulletins/{bulletin_id}/discard",
    allow=EDITORS,
    summary="Cancel a draft nobody has approved yet: it never airs nor is published (audited)",
    body=DraftDiscard,
    response=BulletinView,
    tags=TAGS,
)
def discard_bulletin(request: ApiRequest) -> BulletinView:
    body: DraftDiscard = request.body
    bulletin = _bulletins(request).discard(
        request.caller, request.path_params["bulletin_id"], body.version, body.reason, request.raw.request_id
    )
    return _view(request, bulletin)


@router.route(
    "POST",
    "/bulletins/{bulletin_id}/reschedule",
    allow=EDITORS,
    summary="Move a bulletin's plays (an approved one needs approval again)",
    body=Rescheduling,
    response=BulletinView,
    tags=TAGS,
)
def reschedule_bulletin(request: ApiRequest) -> BulletinView:
    body: Rescheduling = request.body
    bulletin = _bulletins(request).reschedule(
        request.caller, request.path_params["bulletin_id"], body.version, body.schedule, request.raw.request_id
    )
    return _view(request, bulletin)


@router.route(
    "POST",
    "/bulletins/{bulletin_id}/audio-upload",
    allow=EDITORS,
    summary="A same-origin presigned PUT (type and exact size signed) to upload a recording (MP3) instead of speech",
    body=AudioUploadRequest,
    response=AudioUploadTicket,
    tags=TAGS,
)
def audio_upload_url(request: ApiRequest) -> AudioUploadTicket:
    body: AudioUploadRequest = request.body
    return _bulletins(request).audio_ticket(
        request.caller, request.path_params["bulletin_id"], body.version, body.size_bytes
    )


@router.route(
    "POST",
    "/bulletins/{bulletin_id}/audio",
    allow=EDITORS,
    summary="Use the uploaded recording (checked to be MP3; stored under its SHA-256)",
    body=AudioUploadConfirm,
    response=BulletinView,
    tags=TAGS,
)
def use_uploaded_audio(request: ApiRequest) -> BulletinView:
    body: AudioUploadConfirm = request.body
    bulletin = _bulletins(request).use_recording(
        request.caller, request.path_params["bulletin_id"], body.version, body.key, request.raw.request_id
    )
    return _view(request, bulletin)


@router.route(
    "GET",
    "/bulletins/{bulletin_id}/delivery",
    allow=EDITORS,
    summary="Delivery report of the bulletin's latest play: which speakers acked, played, failed, and when",
    response=DeliveryReport,
    tags=TAGS,
)
def bulletin_delivery(request: ApiRequest) -> DeliveryReport:
    return _bulletins(request).delivery(request.caller, request.path_params["bulletin_id"])


@router.route(
    "GET",
    "/broadcast/statistics",
    allow=EDITORS,
    summary="Programs aired, airtime per cluster, plays and failed deliveries per speaker, by day or month",
    query=StatsQuery,
    response=StatsReport,
    tags=TAGS,
)
def broadcast_statistics(request: ApiRequest) -> StatsReport:
    query: StatsQuery = request.query
    return _bulletins(request).statistics(request.caller, query.period, query.start, query.end)


# ---------------------------------------------------------------- citizens and the public


@router.route(
    "GET",
    "/communes/{commune_id}/alerts",
    allow=PUBLIC,
    summary="Active and past alerts of a commune, newest first (by hamlet with ?hamlet=)",
    query=AlertFeedQuery,
    response=PublicAlertPage,
    tags=("alerts",),
)
def commune_alerts(request: ApiRequest) -> PublicAlertPage:
    query: AlertFeedQuery = request.query
    items = _bulletins(request).alert_feed(_commune_in_path(request), query.hamlet, query.limit)
    return PublicAlertPage(items=items)


@router.route(
    "GET",
    "/me/alert-subscription",
    allow=CITIZENS,
    summary="The hamlets whose alerts reach the citizen by SMS",
    response=AlertSubscription,
    tags=("alerts",),
)
def get_alert_subscription(request: ApiRequest) -> AlertSubscription:
    from smartcommune.broadcast.wiring import alert_subscriptions

    caller = request.caller
    return request.services.get(alert_subscriptions).get(caller.commune_id, caller.subject_id)


@router.route(
    "POST",
    "/me/alert-subscription",
    allow=CITIZENS,
    summary="Choose the hamlets whose alerts reach the citizen by SMS (or turn SMS alerts off)",
    body=AlertSubscriptionChange,
    response=AlertSubscription,
    tags=("alerts",),
)
def set_alert_subscription(request: ApiRequest) -> AlertSubscription:
    from smartcommune.broadcast.logic.targets import subscription_hamlets
    from smartcommune.broadcast.wiring import alert_subscriptions
    from smartcommune.citizens.wiring import citizen_service

    body: AlertSubscriptionChange = request.body
    caller = request.caller
    citizen = request.services.get(citizen_service).own_profile(caller)
    hamlets = subscription_hamlets(_bulletins(request).commune(caller.commune_id), body.hamlets)
    if body.enabled and not hamlets:
        raise InvalidInputError(
            "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu.",
            "The input is not valid; please check the fields listed.",
            details=[FieldProblem("hamlets", "Chọn ít nhất một xóm/thôn.", "Choose at least one hamlet.")],
        )
    change = AlertSubscription(hamlets=hamlets, enabled=body.enabled, updated_at=request.services.clock())
    return request.services.get(alert_subscriptions).put(caller.commune_id, citizen.id, citizen.phone, change)


def _commune_in_path(request: ApiRequest) -> str:
    """The path's commune id, resolved through mergers (an old commune's links keep answering)."""
    from smartcommune.communes.wiring import current_commune_id

    return current_commune_id(request.services, request.path_params["commune_id"])
