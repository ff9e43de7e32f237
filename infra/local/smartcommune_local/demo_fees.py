"""Demo fees of Giao Phong: the collection account, fee types and rates, households made of the demo citizens
(Nguyễn Văn An heads the first), exemptions with their decisions, registered businesses, the last three months'
invoices with part of the older ones paid (online through the provider simulator, some in cash), and each hamlet's
waste-collection routes. Written through the fee service and repository; a commune with a payee is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from smartcommune.core.contracts import VN_TZ
from smartcommune.fees.contracts import (
    CashPayment,
    FeeType,
    Household,
    HouseholdCategory,
    NewBusiness,
    NewExemption,
    PayeeAccount,
    PaymentMethod,
    Rate,
    WasteRoute,
    period_of,
    previous_period,
)
from smartcommune.fees.logic.service import commune_prefix

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.services import Services

PAYEE = PayeeAccount(
    bank_bin="970405", account_no="3206201001234", account_name="UBND XA GIAO PHONG", bank_name="Agribank Giao Thủy"
)
WASTE = FeeType(code="waste", name="Phí thu gom rác thải sinh hoạt", unit="household_month", due_day=15)
STALL = FeeType(code="market-stall", name="Phí thuê ki-ốt chợ Giao Phong", unit="stall_month", due_day=10)
WASTE_RATES: dict[HouseholdCategory, int] = {
    "standard": 30000,
    "poor": 30000,
    "near_poor": 20000,
    "policy": 30000,
    "business": 50000,
}
RATES: tuple[Rate, ...] = (
    *(
        Rate(fee_code="waste", category=c, amount_vnd=a, valid_from="2025-01", decision="Nghị quyết 12/NQ-HĐND")
        for c, a in WASTE_RATES.items()
    ),
    Rate(fee_code="market-stall", category="business", amount_vnd=150000, valid_from="2025-01"),
)
BUSINESSES: tuple[tuple[str, str, tuple[PaymentMethod, ...]], ...] = (
    ("Tạp hóa Minh Châu", "tạp hóa", ("cash", "vietqr")),
    ("Hải sản khô Giao Phong", "chế biến hải sản", ("cash", "vietqr", "bank_transfer")),
    ("Chả cá Bà Lan", "chế biến hải sản", ("cash",)),
    ("Nông sản Đồng Tiến", "nông sản", ("cash", "vietqr")),
    ("Cà phê Đình Vuông", "ăn uống", ("cash", "ewallet", "vietqr")),
    ("Sửa xe Tuấn Hưng", "dịch vụ", ("cash",)),
    ("Vật tư nông nghiệp Thịnh Phát", "vật tư", ("cash", "bank_transfer")),
    ("Homestay Cồn Lu", "du lịch", ("cash", "vietqr", "card")),
    ("Bánh đa Giao Phong", "thực phẩm", ("cash",)),
    ("Quán cơm Bình An", "ăn uống", ("cash", "vietqr")),
)
EXEMPTIONS: dict[str, NewExemption] = {
    "poor": NewExemption(
        fee_code="waste",
        percent=100,
        decision_no="45/QĐ-UBND",
        decision_date=date(2025, 1, 10),
        signed_by="Chủ tịch UBND xã Giao Phong",
        reason="Hộ nghèo năm 2025-2026",
        valid_from="2025-01",
    ),
    "policy": NewExemption(
        fee_code="waste",
        percent=50,
        decision_no="46/QĐ-UBND",
        decision_date=date(2025, 1, 10),
        signed_by="Chủ tịch UBND xã Giao Phong",
        reason="Gia đình chính sách",
        valid_from="2025-01",
    ),
}


@dataclass
class FeeSeedReport:
    households: int = 0
    invoices: int = 0
    payments: int = 0


def _category(n: int) -> HouseholdCategory:
    if n % 12 == 0:
        return "poor"
    if n % 15 == 0:
        return "near_poor"
    if n % 20 == 0:
        return "policy"
    if n % 25 == 0:
        return "business"
    return "standard"


def demo_households(commune: Commune, members: list[tuple[str, str, str, str]]) -> list[Household]:
    """Households of up to three citizens in the order given (``(citizen_id, full_name, hamlet_id, address)``),
    grouped by hamlet; every 12th poor, 15th near-poor, 20th a policy family, 25th a business."""
    by_hamlet: dict[str, list[tuple[str, str, str, str]]] = {}
    for member in members:
        by_hamlet.setdefault(member[2], []).append(member)
    out: list[Household] = []
    for hamlet in commune.hamlets:
        people = by_hamlet.get(hamlet.id, [])
        for start in range(0, len(people), 3):
            group = people[start : start + 3]
            n = len(out) + 1
            category = _category(n)
            out.append(
                Household(
                    id=f"{commune_prefix(commune.id).lower()}-{n:04d}",
                    commune_id=commune.id,
                    hamlet_id=hamlet.id,
                    head_name=group[0][1],
                    address=group[0][3],
                    category=category,
                    member_citizen_ids=[g[0] for g in group],
                    fee_codes=["waste", "market-stall"] if category == "business" else ["waste"],
                    created_at=datetime(2025, 1, 1, tzinfo=UTC),
                )
            )
    return out


def demo_routes(commune: Commune) -> list[WasteRoute]:
    """Two rounds per hamlet: the main road twice a week at dawn, the alleys once in the afternoon."""
    out = []
    for i, hamlet in enumerate(commune.hamlets):
        out.append(
            WasteRoute(
                id=f"{hamlet.id}-truc",
                hamlet_id=hamlet.id,
                name=f"Đường trục {hamlet.name}",
                streets=f"Đường trục {hamlet.name}, nhà văn hóa xóm",
                weekdays=[i % 3, i % 3 + 3],
                start="06:00",
                end="07:30",
            )
        )
        out.append(
            WasteRoute(
                id=f"{hamlet.id}-ngo",
                hamlet_id=hamlet.id,
                name=f"Các ngõ {hamlet.name}",
                streets="Các ngõ, điểm tập kết đầu ngõ",
                weekdays=[(i + 1) % 3 + 1],
                start="15:30",
                end="17:00",
            )
        )
    return out


def configure(services: Services, commune_id: str) -> None:
    """Payee, fee types and rates (what the office sets up once)."""
    from smartcommune.fees.wiring import fee_repository

    store = services.get(fee_repository)
    store.put_payee(commune_id, PAYEE)
    store.put_fee_type(commune_id, WASTE)
    store.put_fee_type(commune_id, STALL)
    for rate in RATES:
        store.put_rate(commune_id, rate)


def seed_fees(services: Services, commune: Commune) -> FeeSeedReport:
    """The demo ledger of Giao Phong (other communes get none); nothing if its payee is already set."""
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.fees.wiring import fee_repository, fee_service
    from smartcommune_local.demo_data import all_demo_citizens

    report = FeeSeedReport()
    store = services.get(fee_repository)
    if commune.id != "giao-phong" or store.schedule(commune.id).payee is not None:
        return report
    service = services.get(fee_service)
    for route in demo_routes(commune):
        store.put_route(commune.id, route)
    citizens = services.get(citizen_repository)
    members = []
    for person in all_demo_citizens()[commune.id]:
        citizen = citizens.find_by_phone(commune.id, person.phone)
        if citizen is not None:
            members.append((citizen.id, person.full_name, person.hamlet_id, person.address))
    households = demo_households(commune, members)
    store.create_households(households)
    report.households = len(households)
    configure(services, commune.id)  # the payee last of the configuration: it marks the commune as seeded
    for household in households:
        if household.category in EXEMPTIONS:
            service.exempt(commune.id, household.id, EXEMPTIONS[household.category], "demo")
    for i, (name, kind, methods) in enumerate(BUSINESSES):
        new = NewBusiness(
            name=name, hamlet_id=commune.hamlets[i % len(commune.hamlets)].id, kind=kind, payment_methods=list(methods)
        )
        service.add_business(commune.id, new, f"demo-{i + 1:02d}")
    today = services.clock().astimezone(VN_TZ).date()
    periods = [period_of(today)]
    for _ in range(2):
        periods.insert(0, previous_period(periods[0]))
    for period in periods:
        for fee in (WASTE, STALL):
            report.invoices += service.generate(commune.id, fee.code, period).created
    report.payments = _pay_some(services, periods[:-1], households[0].id if households else None)
    return report


def _pay_some(services: Services, periods: list[str], keep_open: str | None) -> int:
    """Part of the older periods paid: online through the provider simulator, some in cash at the office."""
    from smartcommune.fees.wiring import fee_repository, fee_service
    from smartcommune_local.payment_simulator import ProviderSimulator, service_sender

    store, service = services.get(fee_repository), services.get(fee_service)
    simulator = ProviderSimulator(
        "giao-phong", services.settings.secret("payment_key"), service_sender(service), clock=services.clock
    )
    rng = random.Random("smartcommune-demo-fees")
    paid = 0
    for period in periods:
        for invoice in store.period_invoices("giao-phong", "waste", period, open_only=True):
            roll = rng.random()
            if invoice.household_id == keep_open:
                continue  # An's history keeps an arrear to show
            if roll < 0.35:
                simulator.pay(invoice.reference, invoice.balance_vnd)
                paid += 1
            elif roll < 0.7:
                slip = CashPayment(amount_vnd=invoice.balance_vnd, payer_name=invoice.head_name, slip_no="demo")
                service.cash(invoice, slip, "demo")
                paid += 1
    return paid
