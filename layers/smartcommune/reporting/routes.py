"""Reporting over HTTP: the catalog, the scorecard and entered values for staff; reports for the office (prepare)
and leadership (approve, send); the public keys reports are verified with.

Long because: every reporting endpoint (catalog, scorecard, values, the report workflow, four export formats, the
two public key documents) is declared here with its access, one short handler each.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from smartcommune.core.api.http import ApiResponse
from smartcommune.core.api.router import ALL_STAFF, PUBLIC, router
from smartcommune.core.contracts import Role
from smartcommune.core.errors import InvalidInputError
from smartcommune.reporting.contracts import (
    CatalogView,
    Correction,
    Fill,
    HistoryQuery,
    IndicatorValue,
    Jwks,
    NewReport,
    NewValue,
    Report,
    ReportList,
    ReportQuery,
    ReportSummary,
    Scorecard,
    ScorecardQuery,
    ScoreHistory,
    SeriesQuery,
    Transition,
    ValueSeries,
)

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.reporting.logic.reports import ReportService
    from smartcommune.reporting.logic.scorecard import ScorecardService

TAGS = ("reporting",)
OFFICE = frozenset({Role.OFFICE, Role.ADMIN})
LEADERSHIP = frozenset({Role.ADMIN})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_REPORT_ID = re.compile(r"^[a-z]+-\d{4}(-\d{2}|-Q[1-4])?(-[0-9a-f]{8})?$")
_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")


def _scorecards(request: ApiRequest) -> ScorecardService:
    from smartcommune.reporting.wiring import scorecards

    return request.services.get(scorecards)


def _reports(request: ApiRequest) -> ReportService:
    from smartcommune.reporting.wiring import reports

    return request.services.get(reports)


def _report_id(request: ApiRequest) -> str:
    report_id = request.path_params["report_id"]
    if not _REPORT_ID.match(report_id):
        raise InvalidInputError("Mã báo cáo không hợp lệ.", "Invalid report id.")
    return report_id


def _code(request: ApiRequest) -> str:
    code = request.path_params["code"]
    if not _CODE.match(code):
        raise InvalidInputError("Mã chỉ tiêu không hợp lệ.", "Invalid indicator code.")
    return code


def _summary(report: Report) -> ReportSummary:
    return ReportSummary.model_validate(report.model_dump(include=set(ReportSummary.model_fields)))


def _file(body: bytes | str, content_type: str, name: str) -> ApiResponse:
    return ApiResponse(
        body=body, headers={"Content-Type": content_type, "Content-Disposition": f'attachment; filename="{name}"'}
    )


# ---------------------------------------------------------------- catalog, scorecard, values


@router.route(
    "GET", "/reporting/catalog", allow=ALL_STAFF, summary="The indicator catalog", response=CatalogView, tags=TAGS
)
def indicator_catalog(request: ApiRequest) -> CatalogView:
    from smartcommune.reporting.logic.catalog import load_catalog

    return CatalogView.model_validate(load_catalog().model_dump())


@router.route(
    "GET",
    "/reporting/scorecard",
    allow=ALL_STAFF,
    summary="The criteria scorecard of the caller's commune for a month (default: this month)",
    query=ScorecardQuery,
    response=Scorecard,
    tags=TAGS,
)
def scorecard(request: ApiRequest) -> Scorecard:
    query: ScorecardQuery = request.query
    return _scorecards(request).scorecard(request.caller.commune_id, query.month)


@router.route(
    "GET",
    "/reporting/scorecard/{code}/history",
    allow=ALL_STAFF,
    summary="One criterion month by month",
    query=HistoryQuery,
    response=ScoreHistory,
    tags=TAGS,
)
def score_history(request: ApiRequest) -> ScoreHistory:
    query: HistoryQuery = request.query
    code = _code(request)
    scores = _scorecards(request).history(request.caller.commune_id, code, query.months)
    return ScoreHistory(commune_id=request.caller.commune_id, code=code, scores=scores)


@router.route(
    "POST",
    "/reporting/values",
    allow=ALL_STAFF,
    summary="Enter an indicator's value for a period, with evidence (the office, leadership or its department)",
    body=NewValue,
    response=IndicatorValue,
    status=201,
    tags=TAGS,
)
def enter_value(request: ApiRequest) -> IndicatorValue:
    return _reports(request).enter_value(request.caller, request.body)


@router.route(
    "GET",
    "/reporting/values/{code}",
    allow=ALL_STAFF,
    summary="An indicator's values between two periods",
    query=SeriesQuery,
    response=ValueSeries,
    tags=TAGS,
)
def value_series(request: ApiRequest) -> ValueSeries:
    query: SeriesQuery = request.query
    code = _code(request)
    values = _reports(request).indicator_series(request.caller.commune_id, code, query.start, query.end)
    return ValueSeries(commune_id=request.caller.commune_id, code=code, values=values)


# ---------------------------------------------------------------- reports


@router.route(
    "GET", "/reports", allow=OFFICE, summary="The commune's reports", query=ReportQuery, response=ReportList, tags=TAGS
)
def list_reports(request: ApiRequest) -> ReportList:
    query: ReportQuery = request.query
    found = _reports(request).list_reports(request.caller.commune_id, query.status)
    return ReportList(reports=[_summary(r) for r in found])


@router.route(
    "POST",
    "/reports",
    allow=OFFICE,
    summary="Open a report form for a period, computable values filled in",
    body=NewReport,
    response=Report,
    status=201,
    tags=TAGS,
)
def open_report(request: ApiRequest) -> Report:
    return _reports(request).open(request.caller, request.body)


@router.route("GET", "/reports/{report_id}", allow=OFFICE, summary="A report", response=Report, tags=TAGS)
def get_report(request: ApiRequest) -> Report:
    return _reports(request).get_report(request.caller.commune_id, _report_id(request))


@router.route(
    "PUT",
    "/reports/{report_id}/values",
    allow=OFFICE,
    summary="Enter values into a draft report, each with its evidence",
    body=Fill,
    response=Report,
    tags=TAGS,
)
def fill_report(request: ApiRequest) -> Report:
    return _reports(request).fill(request.caller, _report_id(request), request.body)


@router.route(
    "POST",
    "/reports/{report_id}/submit",
    allow=OFFICE,
    summary="Submit a draft to leadership",
    body=Transition,
    response=Report,
    tags=TAGS,
)
def submit_report(request: ApiRequest) -> Report:
    body: Transition = request.body
    return _reports(request).submit(request.caller, _report_id(request), body.note)


@router.route(
    "POST",
    "/reports/{report_id}/return",
    allow=LEADERSHIP,
    summary="Send a submitted or approved report back to the office",
    body=Transition,
    response=Report,
    tags=TAGS,
)
def return_report(request: ApiRequest) -> Report:
    body: Transition = request.body
    return _reports(request).return_to_draft(request.caller, _report_id(request), body.note)


@router.route(
    "POST",
    "/reports/{report_id}/approve",
    allow=LEADERSHIP,
    summary="Approve a submitted report",
    body=Transition,
    response=Report,
    tags=TAGS,
)
def approve_report(request: ApiRequest) -> Report:
    body: Transition = request.body
    return _reports(request).approve(request.caller, _report_id(request), body.note)


@router.route(
    "POST",
    "/reports/{report_id}/send",
    allow=LEADERSHIP,
    summary="Sign and send an approved report to the province (locked from then on)",
    body=Transition,
    response=Report,
    tags=TAGS,
)
def send_report(request: ApiRequest) -> Report:
    body: Transition = request.body
    return _reports(request).send(request.caller, _report_id(request), body.note)


@router.route(
    "POST",
    "/reports/{report_id}/corrections",
    allow=OFFICE,
    summary="Correct a sent report: a new version (draft) with the reason",
    body=Correction,
    response=Report,
    status=201,
    tags=TAGS,
)
def correct_report(request: ApiRequest) -> Report:
    return _reports(request).correct(request.caller, _report_id(request), request.body)


@router.route(
    "GET",
    "/reports/{report_id}/report.jws",
    allow=OFFICE,
    summary="The latest sent version as its JWS (RFC 7515, ES256 over RFC 8785 canonical JSON)",
    tags=TAGS,
    produces=("application/jose",),
)
def report_jws(request: ApiRequest) -> ApiResponse:
    report_id = _report_id(request)
    jws = _reports(request).signed_jws(request.caller.commune_id, report_id)
    return _file(jws, "application/jose", f"{report_id}.jws")


@router.route(
    "GET",
    "/reports/{report_id}/report.pdf",
    allow=OFFICE,
    summary="The latest sent version as a PDF signed with PAdES",
    tags=TAGS,
    produces=("application/pdf",),
)
def report_pdf(request: ApiRequest) -> ApiResponse:
    report_id = _report_id(request)
    return _file(_reports(request).pdf(request.caller.commune_id, report_id), "application/pdf", f"{report_id}.pdf")


@router.route(
    "GET",
    "/reports/{report_id}/dhis2.json",
    allow=OFFICE,
    summary="The latest sent version as a DHIS2 dataValueSets document",
    tags=TAGS,
)
def report_dhis2(request: ApiRequest) -> ApiResponse:
    report_id = _report_id(request)
    return ApiResponse(body=_reports(request).dhis2(request.caller.commune_id, report_id))


@router.route(
    "GET",
    "/reports/{report_id}/report.xlsx",
    allow=OFFICE,
    summary="The latest sent version as an XLSX workbook for the province's spreadsheets",
    tags=TAGS,
    produces=(XLSX,),
)
def report_xlsx(request: ApiRequest) -> ApiResponse:
    report_id = _report_id(request)
    return _file(_reports(request).xlsx(request.caller.commune_id, report_id), XLSX, f"{report_id}.xlsx")


# ---------------------------------------------------------------- public keys


@router.route(
    "GET",
    "/.well-known/jwks.json",
    allow=PUBLIC,
    summary="The public keys signed reports are verified with (JWKS, RFC 7517)",
    response=Jwks,
    tags=TAGS,
)
def jwks(request: ApiRequest) -> Jwks:
    return Jwks.model_validate(_reports(request).jwks())


@router.route(
    "GET",
    "/.well-known/report-ca.pem",
    allow=PUBLIC,
    summary="The root certificate report PDFs are signed under (the local demo CA, or the commune's chain root)",
    tags=TAGS,
    produces=("application/x-pem-file",),
)
def report_ca(request: ApiRequest) -> ApiResponse:
    return ApiResponse(body=_reports(request).ca_pem(), headers={"Content-Type": "application/x-pem-file"})
