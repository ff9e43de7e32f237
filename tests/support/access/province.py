"""Scenarios of the province's signed API: no role may call it with a session; a province client's SigV4-signed
request on a commune of its province answers, the same from another province's client is refused."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tests.support.access.model import Call, Plan, scenario

if TYPE_CHECKING:
    from smartcommune.core.contracts import Role
    from tests.support.access.world import World

SIGNATURE_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"})


def _clients(w: World) -> dict[str, tuple[str, str]]:
    """A client of Nam Định (Giao Phong's province) and one of Thái Bình, made once for the module."""

    def build() -> dict[str, tuple[str, str]]:
        from smartcommune.province.contracts import NewProvinceClient
        from smartcommune.province.wiring import province_clients

        made = {}
        for province in ("nam-dinh", "thai-binh"):
            # Allowed to reorganise too (a merger order): a read-only client's refusal is tests/integration/communes'
            request = NewProvinceClient(province_id=province, may_reorganise=True)
            issued = w.services.get(province_clients).create(request, "access-matrix")
            made[province] = (issued.client.access_key_id, issued.secret_access_key)
        return made

    return w.once("province-clients", build)


def signed(
    w: World,
    method: str,
    path: str,
    *,
    province: str = "nam-dinh",
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Call:
    """``method path`` signed by botocore at the world's time (a serial header keeps each signature new)."""
    from tests.support.province import sign

    key, secret = _clients(w)[province]
    headers = {**(headers or {}), "X-Request-Serial": str(w.serial())}
    request = sign(method, path, key, secret, body=body, headers=headers, at=w.clock())
    return Call(method, path, body=request.body, headers=request.headers)


def unsigned(call: Call) -> Call:
    """The same request without its signature (what a session token, or nothing, is sent with)."""
    headers = {k: v for k, v in call.headers.items() if k.lower() not in SIGNATURE_HEADERS}
    return Call(call.method, call.path, body=call.body, headers=headers)


def _plan(w: World, method: str, path: str, *, body: Any = None, scoped: bool = True) -> Plan:
    return Plan(
        mine=lambda: signed(w, method, path, body=body),
        theirs=(lambda: signed(w, method, path, province="thai-binh", body=body)) if scoped else None,
    )


@scenario("GET /province/v1/communes")
def communes(w: World, role: Role | None) -> Plan:
    def check(answer: Any) -> str | None:
        ids = {c["id"] for c in answer.json()["communes"]}
        return None if ids == {"giao-phong", "bach-long"} else f"a Nam Định client listed {sorted(ids)}"

    return Plan(mine=lambda: replace(signed(w, "GET", "/province/v1/communes"), check=check))


GP = "/province/v1/communes/giao-phong"


def _sent_report(w: World) -> str:
    """A report of Giao Phong prepared by the office and sent by the chairman, made once for the module."""

    def build() -> str:
        from smartcommune.core.contracts import Role

        report = w.ok(
            "open a report", Call("POST", "/reports", {"period": "2026-10", "codes": ["1.2", "4.1"]}), Role.OFFICE
        )
        values = [
            {"code": line["code"], "value": 1 if line["unit"] == "dat" else 90, "evidence": "QĐ 12/QĐ-UBND"}
            for line in report["lines"]
            if line["value"] is None
        ]
        if values:
            w.ok("fill it", Call("PUT", f"/reports/{report['id']}/values", {"values": values}), Role.OFFICE)
        w.ok("submit it", Call("POST", f"/reports/{report['id']}/submit", {}), Role.OFFICE)
        w.ok("approve it", Call("POST", f"/reports/{report['id']}/approve", {}), Role.ADMIN)
        w.ok("send it", Call("POST", f"/reports/{report['id']}/send", {}), Role.ADMIN)
        return str(report["id"])

    return w.once("province-sent-report", build)


@scenario("GET /province/v1/communes/{commune}/scorecard")
def scorecard(w: World, role: Role | None) -> Plan:
    return _plan(w, "GET", f"{GP}/scorecard")


@scenario("GET /province/v1/communes/{commune}/reports")
def reports(w: World, role: Role | None) -> Plan:
    return _plan(w, "GET", f"{GP}/reports")


@scenario("GET /province/v1/communes/{commune}/reports/{report_id}")
def report_jws(w: World, role: Role | None) -> Plan:
    return _plan(w, "GET", f"{GP}/reports/{_sent_report(w)}")


@scenario("GET /province/v1/communes/{commune}/indicators/{code}")
def series(w: World, role: Role | None) -> Plan:
    return _plan(w, "GET", f"{GP}/indicators/1.2?from=2026-06&to=2026-11")


@scenario("POST /province/v1/communes/{commune}/report-requests")
def report_request(w: World, role: Role | None) -> Plan:
    def build(province: str) -> Call:
        body = {"codes": ["1.2"], "period": "2026-10", "due_date": "2026-12-15"}
        key = {"Idempotency-Key": f"matrix-{w.serial()}"}
        return signed(w, "POST", f"{GP}/report-requests", province=province, body=body, headers=key)

    return Plan(mine=lambda: build("nam-dinh"), theirs=lambda: build("thai-binh"))


@scenario("GET /province/v1/scorecards")
def rollup(w: World, role: Role | None) -> Plan:
    def check(answer: Any) -> str | None:
        ids = [c["commune_id"] for c in answer.json()["communes"]]
        return None if ids == ["bach-long", "giao-phong"] else f"a Nam Định client's rollup had {ids}"

    return Plan(mine=lambda: replace(signed(w, "GET", "/province/v1/scorecards"), check=check))


MERGER = {
    "new_id": "giao-thuy-moi",
    "name": "Xã Giao Thủy Mới",
    "province_id": "ninh-binh",
    "province": "Tỉnh Ninh Bình",
    "effective": "2025-07-01",
    "old_ids": ["giao-phong", "bach-long"],
}


@scenario("POST /province/v1/mergers")
def merger_order(w: World, role: Role | None) -> Plan:
    # Ordered only (the merge function is not run here): the same order again answers the same, 202
    return Plan(
        mine=lambda: signed(w, "POST", "/province/v1/mergers", body=MERGER),
        theirs=lambda: signed(w, "POST", "/province/v1/mergers", province="thai-binh", body=MERGER),
    )


@scenario("GET /province/v1/mergers/{new_id}")
def merger_status(w: World, role: Role | None) -> Plan:
    w.once(
        "province-merger-order", lambda: w.ok("order it", signed(w, "POST", "/province/v1/mergers", body=MERGER), "")
    )
    path = f"/province/v1/mergers/{MERGER['new_id']}"
    return _plan(w, "GET", path)
