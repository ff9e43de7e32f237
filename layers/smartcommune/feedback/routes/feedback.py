"""Citizen feedback: submit with photos, follow, comment, rate; staff inbox, workflow, moderation, statistics.

The contract is ``docs/feedback-contract.md``. Handlers parse, make one domain call and map the result.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from smartcommune.core.api.http import ApiResponse
from smartcommune.core.api.router import ALL_STAFF, CITIZENS, PUBLIC, SIGNED_IN, router
from smartcommune.core.contracts import Role
from smartcommune.core.errors import FieldProblem, InvalidInputError
from smartcommune.feedback.contracts.records import FIELD_CODE, IDEMPOTENCY_KEY, FeedbackField
from smartcommune.feedback.contracts.requests import (
    ActionRequest,
    CommentRequest,
    FieldUpdate,
    InboxQuery,
    MyFeedbackQuery,
    NewFeedback,
    PublicQuery,
    RatingRequest,
    StatsQuery,
    UploadRequest,
    VisibilityRequest,
)
from smartcommune.feedback.contracts.views import (
    CommentView,
    FeedbackPage,
    FeedbackStats,
    FeedbackView,
    FieldList,
    InboxPage,
    PublicFeedback,
    PublicPage,
    UploadTicket,
)

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.feedback.logic.feedback import FeedbackService

TAGS = ("feedback",)
MODERATORS = frozenset({Role.ADMIN, Role.OFFICE, Role.CULTURE})
ADMINS = frozenset({Role.ADMIN})
_KEY = re.compile(IDEMPOTENCY_KEY)


def _service(request: ApiRequest) -> FeedbackService:
    from smartcommune.feedback.wiring import feedback_service

    return request.services.get(feedback_service)


def _idempotency_key(request: ApiRequest) -> str:
    key = (request.raw.header("idempotency-key") or "").strip()
    if not _KEY.match(key):
        raise InvalidInputError(
            "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu.",
            "The input is not valid; please check the fields listed.",
            details=[
                FieldProblem(
                    "Idempotency-Key",
                    "Thiếu hoặc sai tiêu đề Idempotency-Key (8–64 ký tự chữ, số, . _ : -).",
                    "The Idempotency-Key header is missing or invalid (8-64 letters, digits, . _ : -).",
                )
            ],
        )
    return key


# ---------------------------------------------------------------- citizens


@router.route(
    "GET",
    "/communes/{commune_id}/feedback-fields",
    allow=PUBLIC,
    summary="The commune's feedback fields (lĩnh vực), handling units and deadlines",
    response=FieldList,
    tags=TAGS,
)
def list_feedback_fields(request: ApiRequest) -> FieldList:
    return FieldList(items=_service(request).fields(_commune_in_path(request)))


@router.route(
    "POST",
    "/feedback/uploads",
    allow=CITIZENS,
    summary="A presigned, same-origin S3 PUT for one photo (JPEG, PNG or WebP, at most 5 MB)",
    body=UploadRequest,
    response=UploadTicket,
    status=201,
    tags=TAGS,
)
def request_feedback_upload(request: ApiRequest) -> UploadTicket:
    body: UploadRequest = request.body
    return _service(request).request_upload(request.caller, body.content_type, body.size_bytes)


@router.route(
    "POST",
    "/feedback",
    allow=CITIZENS,
    summary="Submit feedback (header Idempotency-Key: a retry with the same key returns the same item)",
    body=NewFeedback,
    response=FeedbackView,
    status=201,
    tags=TAGS,
)
def submit_feedback(request: ApiRequest) -> ApiResponse:
    key = _idempotency_key(request)
    body = _service(request).submit(request.caller, request.body, key)
    return ApiResponse(body=body, status=201)


@router.route(
    "GET",
    "/me/feedback",
    allow=CITIZENS,
    summary="The caller's own feedback, newest first",
    query=MyFeedbackQuery,
    response=FeedbackPage,
    tags=TAGS,
)
def my_feedback(request: ApiRequest) -> FeedbackPage:
    query: MyFeedbackQuery = request.query
    items, cursor = _service(request).mine(request.caller, query.cursor, query.limit)
    return FeedbackPage(items=items, next_cursor=cursor)


@router.route(
    "GET",
    "/feedback/{feedback_id}",
    allow=SIGNED_IN,
    summary="One feedback item with its timeline and comments (its citizen, or staff whose inbox lists it; else 404)",
    response=FeedbackView,
    tags=TAGS,
)
def get_feedback(request: ApiRequest) -> FeedbackView:
    return _service(request).get(request.caller, request.path_params["feedback_id"])


@router.route(
    "POST",
    "/feedback/{feedback_id}/comments",
    allow=SIGNED_IN,
    summary="Add a comment (the item's citizen, or staff whose inbox lists it, replying as their unit)",
    body=CommentRequest,
    response=CommentView,
    status=201,
    tags=TAGS,
)
def comment_feedback(request: ApiRequest) -> CommentView:
    body: CommentRequest = request.body
    return _service(request).comment(
        request.caller, request.path_params["feedback_id"], body.body, request.raw.request_id
    )


@router.route(
    "POST",
    "/feedback/{feedback_id}/rating",
    allow=CITIZENS,
    summary="Rate the resolution 1-5 (once, when resolved, approved or published)",
    body=RatingRequest,
    response=FeedbackView,
    tags=TAGS,
)
def rate_feedback(request: ApiRequest) -> FeedbackView:
    body: RatingRequest = request.body
    return _service(request).rate(request.caller, request.path_params["feedback_id"], body.stars, body.comment)


# ---------------------------------------------------------------- public


@router.route(
    "GET",
    "/communes/{commune_id}/feedback",
    allow=PUBLIC,
    summary="Published community feedback (no personal data); q ignores diacritics",
    query=PublicQuery,
    response=PublicPage,
    tags=TAGS,
)
def public_feedback(request: ApiRequest) -> PublicPage:
    return _service(request).public_page(_commune_in_path(request), request.query)


@router.route(
    "GET",
    "/communes/{commune_id}/feedback/{feedback_id}",
    allow=PUBLIC,
    summary="One published feedback item (no personal data)",
    response=PublicFeedback,
    tags=TAGS,
)
def public_feedback_item(request: ApiRequest) -> PublicFeedback:
    return _service(request).public_item(_commune_in_path(request), request.path_params["feedback_id"])


# ---------------------------------------------------------------- staff


@router.route(
    "GET",
    "/staff/feedback",
    allow=ALL_STAFF,
    summary="The feedback inbox (admin, office, culture: all; a unit: its own) with counts",
    query=InboxQuery,
    response=InboxPage,
    tags=TAGS,
)
def feedback_inbox(request: ApiRequest) -> InboxPage:
    return _service(request).inbox(request.caller, request.query)


@router.route(
    "POST",
    "/feedback/{feedback_id}/actions",
    allow=ALL_STAFF,
    summary="One workflow step (assign, transfer, start, progress, resolve, approve, publish, reject, duplicate)",
    body=ActionRequest,
    response=FeedbackView,
    tags=TAGS,
)
def feedback_action(request: ApiRequest) -> FeedbackView:
    return _service(request).act(
        request.caller, request.path_params["feedback_id"], request.body, request.raw.request_id
    )


@router.route(
    "POST",
    "/feedback/{feedback_id}/comments/{comment_id}/visibility",
    allow=MODERATORS,
    summary="Hide a comment from the citizen, or show it again",
    body=VisibilityRequest,
    response=CommentView,
    tags=TAGS,
)
def moderate_feedback_comment(request: ApiRequest) -> CommentView:
    body: VisibilityRequest = request.body
    return _service(request).set_comment_hidden(
        request.caller,
        request.path_params["feedback_id"],
        request.path_params["comment_id"],
        body.hidden,
        request.raw.request_id,
    )


@router.route(
    "PUT",
    "/communes/me/feedback-fields/{code}",
    allow=ADMINS,
    summary="Add or edit one feedback field of the caller's commune (unit, deadline, active)",
    body=FieldUpdate,
    response=FeedbackField,
    tags=TAGS,
)
def put_feedback_field(request: ApiRequest) -> FeedbackField:
    code = request.path_params["code"]
    if not re.match(FIELD_CODE, code):
        raise InvalidInputError(
            "Mã lĩnh vực chỉ gồm chữ thường, số và dấu gạch dưới (2–40 ký tự).",
            "A field code is 2-40 lower-case letters, digits or underscores.",
            details=[FieldProblem("code", "Sai định dạng.", "Wrong format.")],
        )
    return _service(request).update_field(request.caller, code, request.body, request.raw.request_id)


@router.route(
    "GET",
    "/staff/feedback/stats",
    allow=ALL_STAFF,
    summary="Feedback statistics by field, unit, hamlet and status; on-time rate; ratings; daily trend",
    query=StatsQuery,
    response=FeedbackStats,
    tags=TAGS,
)
def feedback_stats(request: ApiRequest) -> FeedbackStats:
    query: StatsQuery = request.query
    return _service(request).stats(request.caller, query.from_, query.to, former=query.former)


def _commune_in_path(request: ApiRequest) -> str:
    """The path's commune id, resolved through mergers (an old commune's links keep answering)."""
    from smartcommune.communes.wiring import current_commune_id

    return current_commune_id(request.services, request.path_params["commune_id"])
