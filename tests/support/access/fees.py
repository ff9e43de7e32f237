"""Scenarios of the fee, payment and waste-collection routes: the office (and the chairman) administer, a citizen
reads their own household's invoices and receipts, the payment callback answers a validly signed notification."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import Role
from tests.support.access.model import Call, Plan, same, scenario

if TYPE_CHECKING:
    from tests.support.access.world import World

PERIOD = "2026-11"


def _setup(w: World) -> dict[str, Any]:
    """Fees configured, a household for each of the world's two citizens, November invoiced; kept for the module."""

    def build() -> dict[str, Any]:
        from smartcommune_local.demo_fees import configure

        configure(w.services, "giao-phong")
        for household_id, citizen_id in (("acc-0001", w.citizen_id), ("acc-0002", w.other_citizen_id)):
            body = {
                "id": household_id,
                "hamlet_id": "xom-1",
                "head_name": "Chủ Hộ Kiểm Tra",
                "address": "Xóm 1",
                "member_citizen_ids": [citizen_id],
            }
            w.ok("register a household", Call("POST", "/fees/households", body), Role.OFFICE)
        w.ok("invoice November", Call("POST", "/fees/invoices/generate", {"fee_code": "waste", "period": PERIOD}),
             Role.OFFICE)  # fmt: skip
        mine = w.ok("the citizen's invoices", Call("GET", "/fees/me/invoices"), Role.CITIZEN)["items"][0]
        theirs = w.ok("the other's invoices", Call("GET", "/fees/me/invoices"), w.other_citizen)["items"][0]
        return {"mine": mine["reference"], "theirs": theirs["reference"]}

    return w.once("fees", build)


def _simulator(w: World) -> Any:
    from smartcommune_local.payment_simulator import ProviderSimulator

    def send(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        answer = w.send(Call("POST", path, body, headers=headers), None)
        return answer.status, answer.json()

    return ProviderSimulator("giao-phong", w.settings.payment_key, send, clock=w.clock)


def _paid(w: World) -> dict[str, str]:
    """An October invoice of each household, paid by the provider simulator (so it has a receipt)."""

    def build() -> dict[str, str]:
        _setup(w)
        fresh = {}
        for who, token in (("mine", Role.CITIZEN), ("theirs", w.other_citizen)):
            period = "2026-10"
            w.ok("invoice October", Call("POST", "/fees/invoices/generate", {"fee_code": "waste", "period": period}),
                 Role.OFFICE)  # fmt: skip
            items = w.ok("invoices", Call("GET", "/fees/me/invoices"), token)["items"]
            october = next(i for i in items if i["period"] == period)
            delivery = _simulator(w).pay(october["reference"], october["balance_vnd"])
            if delivery.status != 200 or delivery.answer["invoice_status"] != "paid":
                raise AssertionError(f"pay October: {delivery.status} {delivery.answer}")
            fresh[who] = october["reference"]
        return fresh

    return w.once("fees-paid", build)


def _office(path: str, body: Any = None, method: str = "GET") -> Plan:
    return same(Call(method, path, body))


@scenario("GET /fees/schedule")
def schedule(w: World, role: Role | None) -> Plan:
    _setup(w)
    return _office("/fees/schedule")


@scenario("PUT /fees/payee")
def payee(w: World, role: Role | None) -> Plan:
    from smartcommune_local.demo_fees import PAYEE

    return _office("/fees/payee", PAYEE.model_dump(), "PUT")


@scenario("PUT /fees/types")
def fee_type(w: World, role: Role | None) -> Plan:
    from smartcommune_local.demo_fees import WASTE

    return _office("/fees/types", WASTE.model_dump(), "PUT")


@scenario("POST /fees/rates")
def rate(w: World, role: Role | None) -> Plan:
    _setup(w)
    body = {"fee_code": "waste", "category": "near_poor", "amount_vnd": 20000, "valid_from": "2025-01"}
    return _office("/fees/rates", body, "POST")


@scenario("POST /fees/households")
def household(w: World, role: Role | None) -> Plan:
    def build() -> Call:
        body = {"id": f"acc-h{w.serial():05d}", "hamlet_id": "xom-2", "head_name": "Lê Văn Hộ", "address": "Xóm 2"}
        return Call("POST", "/fees/households", body)

    return Plan(mine=build)


@scenario("POST /fees/households/{household_id}/exemptions")
def exemption(w: World, role: Role | None) -> Plan:
    _setup(w)
    body = {
        "fee_code": "waste",
        "percent": 50,
        "decision_no": "46/QĐ-UBND",
        "decision_date": "2026-01-10",
        "signed_by": "Chủ tịch UBND xã",
        "reason": "Gia đình chính sách",
        "valid_from": "2027-01",
    }
    return _office("/fees/households/acc-0002/exemptions", body, "POST")


@scenario("GET /fees/households/{household_id}/invoices")
def household_invoices(w: World, role: Role | None) -> Plan:
    _setup(w)
    return _office("/fees/households/acc-0001/invoices")


@scenario("POST /fees/businesses")
def business(w: World, role: Role | None) -> Plan:
    body = {"name": "Tạp hóa Kiểm Tra", "hamlet_id": "xom-1", "kind": "tạp hóa", "payment_methods": ["vietqr"]}
    return _office("/fees/businesses", body, "POST")


@scenario("POST /fees/invoices/generate")
def generate(w: World, role: Role | None) -> Plan:
    _setup(w)
    return _office("/fees/invoices/generate", {"fee_code": "waste", "period": PERIOD}, "POST")


@scenario("GET /fees/arrears")
def arrears(w: World, role: Role | None) -> Plan:
    _setup(w)
    return _office("/fees/arrears?fee_code=waste&hamlet_id=xom-1")


@scenario("GET /fees/me/invoices")
def my_invoices(w: World, role: Role | None) -> Plan:
    _setup(w)
    return same(Call("GET", "/fees/me/invoices"))


def _invoice_plan(w: World, suffix: str, refs: dict[str, str], headers: dict[str, str] | None = None) -> Plan:
    extra = headers or {}
    return Plan(
        mine=lambda: Call("GET", f"/fees/invoices/{refs['mine']}{suffix}", headers=extra),
        theirs=lambda: Call("GET", f"/fees/invoices/{refs['theirs']}{suffix}", headers=extra),
    )


@scenario("GET /fees/invoices/{reference}")
def invoice(w: World, role: Role | None) -> Plan:
    return _invoice_plan(w, "", _setup(w))


@scenario("GET /fees/invoices/{reference}/qr")
def invoice_qr(w: World, role: Role | None) -> Plan:
    return _invoice_plan(w, "/qr", _setup(w))


@scenario("POST /fees/invoices/{reference}/cash")
def cash(w: World, role: Role | None) -> Plan:
    refs = _setup(w)

    def build() -> Call:
        body = {"amount_vnd": 100, "payer_name": "Chủ Hộ Kiểm Tra", "slip_no": f"PT-{w.serial():05d}"}
        return Call("POST", f"/fees/invoices/{refs['theirs']}/cash", body)

    return Plan(mine=build)


@scenario("GET /fees/invoices/{reference}/receipt")
def receipt(w: World, role: Role | None) -> Plan:
    return _invoice_plan(w, "/receipt", _paid(w))


@scenario("GET /fees/invoices/{reference}/receipt.html")
def receipt_html(w: World, role: Role | None) -> Plan:
    return _invoice_plan(w, "/receipt.html", _paid(w))


@scenario("GET /fees/invoices/{reference}/receipt.pdf")
def receipt_pdf(w: World, role: Role | None) -> Plan:
    return _invoice_plan(w, "/receipt.pdf", _paid(w), {"Accept": "application/pdf"})


@scenario("POST /public/payments/{commune_id}/callback")
def callback(w: World, role: Role | None) -> Plan:
    refs = _setup(w)

    def build() -> Call:
        from smartcommune.fees.logic.payments import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

        simulator = _simulator(w)
        # A transfer of 1 đồng: held for staff (a valid, signed notification the endpoint answers 200)
        body = simulator.body(refs["mine"], 1, f"ACC{w.serial():08d}")
        stamp = int(w.clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: sign(simulator.secret, stamp, body),
        }
        return Call("POST", "/public/payments/giao-phong/callback", body, headers=headers)

    return Plan(mine=build)


@scenario("GET /fees/payments/held")
def held(w: World, role: Role | None) -> Plan:
    _setup(w)
    return _office("/fees/payments/held")


@scenario("GET /fees/payments")
def payments(w: World, role: Role | None) -> Plan:
    _setup(w)
    return _office("/fees/payments?limit=10")


@scenario("POST /fees/payments/{payment_id}/resolve")
def resolve(w: World, role: Role | None) -> Plan:
    refs = _setup(w)

    def build() -> Call:
        delivery = _simulator(w).pay(refs["mine"], 7, f"ACCR{w.serial():08d}")
        payment_id = delivery.answer["payment_id"]
        return Call("POST", f"/fees/payments/{payment_id}/resolve", {"action": "refund", "note": "Hoàn tiền thừa"})

    return Plan(mine=build)


@scenario("GET /fees/criteria")
def criteria(w: World, role: Role | None) -> Plan:
    _setup(w)
    return _office("/fees/criteria")


@scenario("GET /public/waste/calendars")
def calendars(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/public/waste/calendars?commune_id=giao-phong"))


@scenario("GET /public/waste/{commune_id}/{hamlet_id}")
def waste_schedule(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/public/waste/giao-phong/xom-1"))


@scenario("GET /public/waste/{commune_id}/{hamlet_id}/calendar.ics")
def waste_ical(w: World, role: Role | None) -> Plan:
    return same(Call("GET", "/public/waste/giao-phong/xom-1/calendar.ics"))


@scenario("PUT /waste/routes")
def waste_route(w: World, role: Role | None) -> Plan:
    body = {
        "id": "xom-1-truc",
        "hamlet_id": "xom-1",
        "name": "Đường trục Xóm 1",
        "weekdays": [0, 3],
        "start": "06:00",
        "end": "07:30",
    }
    return _office("/waste/routes", body, "PUT")


@scenario("POST /waste/changes")
def waste_change(w: World, role: Role | None) -> Plan:
    body = {"hamlet_id": "xom-1", "day": "2026-12-03", "moved_to": "2026-12-04", "reason": "Xe thu gom bảo dưỡng",
            "announce": False}  # fmt: skip
    return _office("/waste/changes", body, "POST")


@scenario("POST /waste/missed")
def waste_missed(w: World, role: Role | None) -> Plan:
    body = {"hamlet_id": "xom-1", "day": "2026-11-26", "details": "Rác để hai ngày chưa ai thu."}
    return same(Call("POST", "/waste/missed", body))
