"""Billing and payment rules, pure: rates by category and period, exemptions, references, the callback signature
and what a payment does to its invoice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from smartcommune.core.errors import UnauthenticatedError
from smartcommune.fees.contracts import Exemption, FeeSchedule, FeeType, Household, Rate
from smartcommune.fees.logic import billing, payments

NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
WASTE = FeeType(code="waste", name="Phí thu gom rác", due_day=15)
SCHEDULE = FeeSchedule(
    commune_id="giao-phong",
    fee_types=[WASTE],
    rates=[
        Rate(fee_code="waste", category="standard", amount_vnd=25000, valid_from="2025-01"),
        Rate(fee_code="waste", category="standard", amount_vnd=30000, valid_from="2026-07"),
        Rate(fee_code="waste", category="business", amount_vnd=50000, valid_from="2025-01", valid_until="2026-06"),
    ],
)


def _household(category: str = "standard", household_id: str = "gp-0001") -> Household:
    return Household(
        id=household_id,
        commune_id="giao-phong",
        hamlet_id="xom-1",
        head_name="Nguyễn Văn An",
        address="Xóm 1",
        category=category,  # type: ignore[arg-type]
        created_at=NOW,
    )


def _exemption(percent: int, valid_until: str | None = None) -> Exemption:
    return Exemption(
        fee_code="waste",
        percent=percent,
        decision_no="45/QĐ-UBND",
        decision_date=date(2026, 1, 10),
        signed_by="Chủ tịch UBND xã",
        reason="Hộ nghèo",
        valid_from="2026-01",
        valid_until=valid_until,
        household_id="gp-0001",
        granted_by="x",
        granted_at=NOW,
    )


def _invoice(period: str = "2026-11", **kw):
    return billing.build_invoice(
        SCHEDULE,
        WASTE,
        _household(kw.pop("category", "standard")),
        period,
        exemptions=kw.pop("exemptions", []),
        earlier_open=kw.pop("earlier_open", []),
        now=NOW,
    )


def test_the_rate_in_force_is_the_latest_that_began_and_has_not_ended():
    assert billing.rate_for(SCHEDULE.rates, "waste", "standard", "2026-06").amount_vnd == 25000
    assert billing.rate_for(SCHEDULE.rates, "waste", "standard", "2026-07").amount_vnd == 30000
    assert billing.rate_for(SCHEDULE.rates, "waste", "business", "2026-07") is None
    assert _invoice(category="business") is None  # no rate for the category: no invoice


def test_an_invoice_has_the_same_reference_however_often_it_is_computed():
    first, again = _invoice(), _invoice()
    assert first is not None and again is not None
    assert first.reference == again.reference and first.reference.startswith("HP") and len(first.reference) == 12
    assert _invoice("2026-10").reference != first.reference  # another period, another invoice
    assert billing.invoice_reference("bach-long", "gp-0001", "waste", "2026-11") != first.reference


def test_exemptions_take_their_share_off_within_their_periods():
    half = _invoice(exemptions=[_exemption(50)])
    assert (half.amount_vnd, half.status, half.exemption_percent) == (15000, "open", 50)
    assert half.exemption_decision == "45/QĐ-UBND ngày 10/01/2026"
    full = _invoice(exemptions=[_exemption(50), _exemption(100)])
    assert (full.amount_vnd, full.status) == (0, "exempt")
    ended = _invoice(exemptions=[_exemption(100, valid_until="2026-10")])
    assert (ended.amount_vnd, ended.status) == (30000, "open")


def test_unpaid_earlier_invoices_are_carried_as_arrears():
    october = _invoice("2026-10")
    september = _invoice("2026-09").model_copy(update={"paid_vnd": 30000, "status": "paid"})
    november = _invoice(earlier_open=[october, september])
    assert november.arrears_vnd == 30000 and november.arrears_refs == [october.reference]
    assert november.amount_vnd == 30000  # the period's own charge; October stays payable by its own code


def test_a_signed_body_verifies_and_any_change_or_delay_is_refused():
    secret = payments.commune_secret("platform-key-for-tests", "giao-phong")
    body = b'{"transaction_id":"TX0001","reference":"HPABCDEFGHIJ","amount_vnd":30000}'
    stamp = int(NOW.timestamp())
    good = {"x-sc-timestamp": str(stamp), "x-sc-signature": payments.sign(secret, stamp, body)}
    payments.verify(secret, good, body, NOW)
    payments.verify(secret, good, body, NOW + timedelta(seconds=payments.REPLAY_WINDOW_S))
    refused = [
        (good, body.replace(b"30000", b"3000"), NOW),  # the amount changed
        (good, body, NOW + timedelta(seconds=payments.REPLAY_WINDOW_S + 1)),  # replayed too late
        ({**good, "x-sc-timestamp": str(stamp + 1)}, body, NOW),  # the timestamp changed
        ({"x-sc-timestamp": str(stamp)}, body, NOW),  # no signature
        (good, body, NOW),  # with another commune's secret (below)
    ]
    for headers, data, when in refused[:-1]:
        with pytest.raises(UnauthenticatedError):
            payments.verify(secret, headers, data, when)
    with pytest.raises(UnauthenticatedError):
        payments.verify(payments.commune_secret("platform-key-for-tests", "bach-long"), good, body, NOW)


def test_the_reference_is_found_in_what_banking_apps_make_of_the_purpose():
    assert payments.find_reference("CK HPABCDEFGHIJ thanh toan phi") == "HPABCDEFGHIJ"
    assert payments.find_reference("hpabcdefghij") == "HPABCDEFGHIJ"
    assert payments.find_reference("tien rac thang 11") is None


def test_only_the_exact_balance_pays_an_invoice_and_anything_else_is_held():
    invoice = _invoice()
    paid_on = datetime(2026, 11, 10, 3, tzinfo=UTC)
    assert payments.decide(invoice, 30000, paid_on) == payments.Decision(30000, True, None, False)
    assert payments.decide(invoice, 30000, datetime(2026, 11, 20, tzinfo=UTC)).late is True
    assert payments.decide(invoice, 20000, paid_on).hold == "underpaid"
    assert payments.decide(invoice, 40000, paid_on).hold == "overpaid"
    assert payments.decide(None, 30000, paid_on).hold == "unknown_reference"
    paid = invoice.model_copy(update={"paid_vnd": 30000, "status": "paid"})
    assert payments.decide(paid, 30000, paid_on).hold == "already_paid"
    assert payments.staff_apply(invoice, 40000) == payments.Decision(30000, True, None, False)
    assert payments.staff_apply(invoice, 10000) == payments.Decision(10000, False, None, False)


def test_in_production_the_public_development_key_verifies_nothing():
    from smartcommune.core.settings import DEVELOPMENT_PAYMENT_KEY, Settings

    prod = Settings(stage="prod", pii_hash_key="p" * 32, command_key="c" * 32)
    assert prod.payment_key == DEVELOPMENT_PAYMENT_KEY and prod.trusted_payment_key == ""
    assert Settings(stage="prod", pii_hash_key="p" * 32, command_key="c" * 32, payment_key="k" * 32).trusted_payment_key
    # A callback signed with the development key's commune secret is refused when the trusted key is empty
    secret = payments.commune_secret(DEVELOPMENT_PAYMENT_KEY, "giao-phong")
    body = b"{}"
    stamp = int(NOW.timestamp())
    headers = {"x-sc-timestamp": str(stamp), "x-sc-signature": payments.sign(secret, stamp, body)}
    with pytest.raises(UnauthenticatedError):
        payments.verify("", headers, body, NOW)
