"""Scenarios of the reporting routes: every staff member reads the catalog and the scorecard and enters the values
of their own department's indicators; the office (and the chairman) prepare reports; the chairman alone approves,
returns and sends; the public keys are public.

Workflow steps change state, so each call gets a fresh report in the state the step needs (a one-indicator report
with a random id, so that reports never collide)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import Role
from tests.support.access.model import Call, Plan, same, scenario

if TYPE_CHECKING:
    from tests.support.access.world import World

PERIOD = "2026-11"
VALUE = {"code": "4.1", "value": 90, "evidence": "Văn bản nhà mạng số 1"}


def _report(w: World, up_to: str) -> str:
    """A fresh one-indicator report, taken as far as ``up_to`` (draft, filled, submitted, approved, sent)."""
    report = w.ok("open a report", Call("POST", "/reports", {"period": PERIOD, "codes": ["4.1"]}), Role.OFFICE)
    report_id = str(report["id"])
    steps: list[tuple[str, Call, Role]] = [
        ("fill", Call("PUT", f"/reports/{report_id}/values", {"values": [VALUE]}), Role.OFFICE),
        ("submit", Call("POST", f"/reports/{report_id}/submit", {}), Role.OFFICE),
        ("approve", Call("POST", f"/reports/{report_id}/approve", {}), Role.ADMIN),
        ("send", Call("POST", f"/reports/{report_id}/send", {}), Role.ADMIN),
    ]
    wanted = {"draft": 0, "filled": 1, "submitted": 2, "approved": 3, "sent": 4}[up_to]
    for name, call, role in steps[:wanted]:
        w.ok(name, call, role)
    return report_id


def _sent(w: World) -> str:
    return w.once("reporting-sent", lambda: _report(w, "sent"))


def _fresh(w: World, up_to: str, method: str, suffix: str, body: Any = None) -> Plan:
    def build() -> Call:
        return Call(method, f"/reports/{_report(w, up_to)}{suffix}", body if body is not None else {})

    return Plan(mine=build)


@scenario("GET /reporting/catalog")
def catalog(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/reporting/catalog"))


@scenario("GET /reporting/scorecard")
def scorecard(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/reporting/scorecard"))


@scenario("GET /reporting/scorecard/{code}/history")
def history(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/reporting/scorecard/4.1/history?months=3"))


def _own_indicator(role: Role | None) -> dict[str, Any]:
    """An indicator the role's department enters (the office and the chairman enter any)."""
    from smartcommune.reporting.logic.catalog import IndicatorCatalog

    mine = next((i for i in IndicatorCatalog().criteria() if i.entered_by == role), None)
    if mine is None or role in (Role.OFFICE, Role.ADMIN):
        return {**VALUE, "period": PERIOD}
    return {"code": mine.code, "period": PERIOD, "value": 1 if mine.unit == "dat" else 100, "evidence": "Biên bản"}


@scenario("POST /reporting/values")
def enter_value(w: World, role: Role | None) -> Plan:
    return same(Call("POST", "/reporting/values", _own_indicator(role)))


@scenario("GET /reporting/values/{code}")
def values(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/reporting/values/4.1?from=2026-01&to=2026-12"))


@scenario("GET /reports")
def list_reports(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/reports?status=sent"))


@scenario("POST /reports")
def open_report(w: World, role: Role | None) -> Plan:
    return same(Call("POST", "/reports", {"period": PERIOD, "codes": ["4.1", "5.1"]}))


@scenario("GET /reports/{report_id}")
def get_report(w: World, role: Role | None) -> Plan:
    return Plan(mine=lambda: Call("GET", f"/reports/{_sent(w)}"))


@scenario("PUT /reports/{report_id}/values")
def fill(w: World, role: Role | None) -> Plan:
    return _fresh(w, "draft", "PUT", "/values", {"values": [VALUE]})


@scenario("POST /reports/{report_id}/submit")
def submit(w: World, role: Role | None) -> Plan:
    return _fresh(w, "filled", "POST", "/submit")


@scenario("POST /reports/{report_id}/return")
def return_report(w: World, role: Role | None) -> Plan:
    return _fresh(w, "submitted", "POST", "/return", {"note": "Bổ sung minh chứng"})


@scenario("POST /reports/{report_id}/approve")
def approve(w: World, role: Role | None) -> Plan:
    return _fresh(w, "submitted", "POST", "/approve")


@scenario("POST /reports/{report_id}/send")
def send(w: World, role: Role | None) -> Plan:
    return _fresh(w, "approved", "POST", "/send")


@scenario("POST /reports/{report_id}/corrections")
def correct(w: World, role: Role | None) -> Plan:
    return _fresh(w, "sent", "POST", "/corrections", {"reason": "Sai số liệu chỉ tiêu 4.1"})


def _export(w: World, name: str, accept: str | None = None) -> Plan:
    headers = {"Accept": accept} if accept else {}
    return Plan(mine=lambda: Call("GET", f"/reports/{_sent(w)}/{name}", headers=headers))


@scenario("GET /reports/{report_id}/report.jws")
def export_jws(w: World, role: Role | None) -> Plan:
    return _export(w, "report.jws")


@scenario("GET /reports/{report_id}/report.pdf")
def export_pdf(w: World, role: Role | None) -> Plan:
    return _export(w, "report.pdf", "application/pdf")


@scenario("GET /reports/{report_id}/dhis2.json")
def export_dhis2(w: World, role: Role | None) -> Plan:
    return _export(w, "dhis2.json")


@scenario("GET /reports/{report_id}/report.xlsx")
def export_xlsx(w: World, role: Role | None) -> Plan:
    return _export(w, "report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@scenario("GET /.well-known/jwks.json")
def jwks(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/.well-known/jwks.json"))


@scenario("GET /.well-known/report-ca.pem")
def report_ca(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/.well-known/report-ca.pem"))
