"""The province's signed API over HTTP, under ``/province/v1/``: no session, no role — every handler first has the
request's SigV4 signature verified (``wiring.province_gate``), then reads only communes of the client's province.

Declared ``allow=SIGNED``: dispatch refuses any session token with 401, and in AWS the API Gateway method carries
AWS_IAM authorisation (``app.py``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from smartcommune.communes.contracts import MergeRequest, MergeStatus
from smartcommune.core.api.http import ApiResponse
from smartcommune.core.api.router import SIGNED, router
from smartcommune.core.errors import ForbiddenError, InvalidInputError
from smartcommune.province.contracts import (
    EntitledCommune,
    EntitledCommunes,
    MonthQuery,
    ScorecardRollup,
    SeriesQuery,
)
from smartcommune.reporting.contracts import (
    Report,
    ReportList,
    ReportQuery,
    ReportRequest,
    ReportSummary,
    Scorecard,
    ValueSeries,
)

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.province.contracts import ProvinceClient

TAGS = ("province",)
IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e]{1,200}")


def signed_client(request: ApiRequest) -> ProvinceClient:
    """The province client that signed ``request`` (verified by dispatch before anything was parsed), or 401."""
    from smartcommune.province.contracts import ProvinceClient
    from smartcommune.province.wiring import verify_signed_request

    if isinstance(request.signer, ProvinceClient):
        return request.signer
    return verify_signed_request(request.services, request.raw)  # a dispatch handed no verifier (a unit test)


@router.route(
    "GET",
    "/province/v1/communes",
    allow=SIGNED,
    summary="The communes the signing province client may read (its province's)",
    response=EntitledCommunes,
    tags=TAGS,
)
def province_communes(request: ApiRequest) -> EntitledCommunes:
    from smartcommune.province.wiring import province_gate

    client = signed_client(request)
    communes = request.services.get(province_gate).communes(client)
    return EntitledCommunes(
        province_id=client.province_id,
        communes=[
            EntitledCommune.model_validate(c.model_dump(include=set(EntitledCommune.model_fields))) for c in communes
        ],
    )


def _entitled(request: ApiRequest) -> tuple[ProvinceClient, Commune]:
    """The signing client (401 first: an unsigned request learns nothing), then its commune of the path (403)."""
    from smartcommune.province.wiring import province_gate

    client = signed_client(request)
    return client, request.services.get(province_gate).commune(client, request.path_params["commune"])


@router.route(
    "GET",
    "/province/v1/communes/{commune}/scorecard",
    allow=SIGNED,
    summary="A commune's criteria scorecard for a month (this month by default)",
    query=MonthQuery,
    response=Scorecard,
    tags=TAGS,
)
def province_scorecard(request: ApiRequest) -> Scorecard:
    from smartcommune.reporting.wiring import scorecards

    _, commune = _entitled(request)
    return request.services.get(scorecards).scorecard(commune.id, request.query.month)


@router.route(
    "GET",
    "/province/v1/communes/{commune}/reports",
    allow=SIGNED,
    summary="A commune's reports (their latest versions, newest first), optionally by status",
    query=ReportQuery,
    response=ReportList,
    tags=TAGS,
)
def province_reports(request: ApiRequest) -> ReportList:
    from smartcommune.reporting.wiring import reports

    _, commune = _entitled(request)
    found = request.services.get(reports).list_reports(commune.id, request.query.status)
    summaries = [ReportSummary.model_validate(r.model_dump(include=set(ReportSummary.model_fields))) for r in found]
    return ReportList(reports=summaries)


@router.route(
    "GET",
    "/province/v1/communes/{commune}/reports/{report_id}",
    allow=SIGNED,
    summary="A sent report as its signed JWS (compact, ES256; keys at /.well-known/jwks.json)",
    tags=TAGS,
    produces=("application/jose",),
)
def province_report(request: ApiRequest) -> ApiResponse:
    from smartcommune.reporting.wiring import reports

    _, commune = _entitled(request)
    jws = request.services.get(reports).signed_jws(commune.id, request.path_params["report_id"])
    return ApiResponse(body=jws, headers={"Content-Type": "application/jose"})


@router.route(
    "GET",
    "/province/v1/communes/{commune}/indicators/{code}",
    allow=SIGNED,
    summary="An indicator's monthly series for a commune, from..to (YYYY-MM; the last 12 months by default)",
    query=SeriesQuery,
    response=ValueSeries,
    tags=TAGS,
)
def province_indicator_series(request: ApiRequest) -> ValueSeries:
    from smartcommune.province.logic.reads import series_range
    from smartcommune.reporting.wiring import reports

    _, commune = _entitled(request)
    code = request.path_params["code"]
    start, end = series_range(request.query.from_, request.query.to, request.services.clock())
    values = request.services.get(reports).indicator_series(commune.id, code, start, end)
    return ValueSeries(commune_id=commune.id, code=code, values=values)


@router.route(
    "POST",
    "/province/v1/communes/{commune}/report-requests",
    allow=SIGNED,
    summary="Ask a commune for an ad hoc report with a due date (idempotent: an Idempotency-Key header is required)",
    body=ReportRequest,
    response=Report,
    status=201,
    tags=TAGS,
)
def province_report_request(request: ApiRequest) -> ApiResponse:
    from smartcommune.province.wiring import report_requests

    client, commune = _entitled(request)
    key = (request.raw.header("idempotency-key") or "").strip()
    if not IDEMPOTENCY_KEY_RE.fullmatch(key):
        raise InvalidInputError(
            "Cần tiêu đề Idempotency-Key (1-200 ký tự, không dấu cách) để gửi lại an toàn.",
            "An Idempotency-Key header (1-200 characters, no spaces) is required, so retries are safe.",
        )
    answer, replayed = request.services.get(report_requests).request(
        client, commune.id, key, request.raw.body or b"", request.body
    )
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotent-Replayed": str(replayed).lower()}
    return ApiResponse(body=answer.encode(), status=201, headers=headers)


@router.route(
    "GET",
    "/province/v1/scorecards",
    allow=SIGNED,
    summary="The month's scorecards of every commune the client may read (its province's), in one answer",
    query=MonthQuery,
    response=ScorecardRollup,
    tags=TAGS,
)
def province_scorecards(request: ApiRequest) -> ScorecardRollup:
    from smartcommune.province.logic.reads import rollup
    from smartcommune.province.wiring import province_gate
    from smartcommune.reporting.wiring import scorecards

    client = signed_client(request)
    communes = request.services.get(province_gate).communes(client)
    return rollup(client, communes, request.services.get(scorecards), request.query.month, request.services.clock())


@router.route(
    "POST",
    "/province/v1/mergers",
    allow=SIGNED,
    summary="Order a commune merger (a client allowed to reorganise units; every old commune of its province)",
    body=MergeRequest,
    response=MergeStatus,
    status=202,
    tags=TAGS,
)
def province_merger_order(request: ApiRequest) -> ApiResponse:
    """Checked and recorded at once (audited on each old commune's chain), run by the merge function: ``202`` and
    the order's status (``GET /province/v1/mergers/{new_id}`` follows it). The same order again answers the same."""
    from smartcommune.communes.wiring import merge_orders
    from smartcommune.province.wiring import province_gate

    client = signed_client(request)
    if not client.may_reorganise:
        raise ForbiddenError(
            "Khóa truy cập này chỉ được đọc số liệu; lệnh sáp nhập cần khóa được cấp quyền sắp xếp đơn vị hành chính.",
            "This client may read only; ordering a merger needs a client allowed to reorganise units.",
        )
    order: MergeRequest = request.body
    gate = request.services.get(province_gate)
    for old_id in order.old_ids:
        gate.commune(client, old_id)  # 403 for a commune of another province, existing or not
    status, created = request.services.get(merge_orders).order(
        order, client_id=client.access_key_id, client_label=client.label, province_id=client.province_id
    )
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotent-Replayed": str(not created).lower()}
    return ApiResponse(body=status.model_dump_json().encode(), status=202, headers=headers)


@router.route(
    "GET",
    "/province/v1/mergers/{new_id}",
    allow=SIGNED,
    summary="Where an ordered merger stands: ordered, moving, sealing, verifying, done (with its counts) or failed",
    response=MergeStatus,
    tags=TAGS,
)
def province_merger_status(request: ApiRequest) -> MergeStatus:
    from smartcommune.communes.wiring import merge_orders

    client = signed_client(request)
    return request.services.get(merge_orders).status(request.path_params["new_id"], client.province_id)
