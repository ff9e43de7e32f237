"""Invoices through the real app on moto: generation is idempotent, arrears carry over, exemptions apply with their
decision, a citizen sees only their own household's invoices, staff list arrears by hamlet and fee."""

from __future__ import annotations

import threading

from vietqr_emvco import VietQRParser

EXEMPTION = {
    "fee_code": "waste",
    "percent": 100,
    "decision_no": "45/QĐ-UBND",
    "decision_date": "2026-01-10",
    "signed_by": "Chủ tịch UBND xã Giao Phong",
    "reason": "Hộ nghèo năm 2026",
    "valid_from": "2026-01",
}


def test_generating_twice_makes_no_second_invoice(fees):
    # Given the office generated November's waste invoices
    first = fees.generate("2026-11")
    assert (first["households"], first["created"], first["already_there"]) == (2, 2, 0)
    # When it generates them again, twice at once
    answers: list[dict] = []
    threads = [threading.Thread(target=lambda: answers.append(fees.generate("2026-11"))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then nothing new is made and the household still has one November invoice
    assert sorted((a["created"], a["already_there"]) for a in answers) == [(0, 2)] * 3
    assert [(i["period"], i["amount_vnd"]) for i in fees.invoices()] == [("2026-11", 30000)]


def test_an_unpaid_month_is_carried_onto_the_next_and_listed_as_arrears(fees):
    october = fees.generate("2026-10")
    assert october["created"] == 2
    fees.generate("2026-11")
    november, older = fees.invoices()
    assert (november["period"], older["period"]) == ("2026-11", "2026-10")
    assert november["arrears_vnd"] == 30000 and november["arrears_refs"] == [older["reference"]]
    assert older["overdue"] and older["status_label"] == "Chưa thanh toán" and older["due_date"] == "15/10/2026"
    # Staff see the household's two periods in the hamlet's arrears for the fee
    report = fees.ok("GET", "/fees/arrears?fee_code=waste&hamlet_id=xom-1", fees.office)
    line = next(x for x in report["lines"] if x["household_id"] == "gp-0001")
    assert line["periods"] == ["2026-10", "2026-11"] and line["balance_vnd"] == 60000
    assert report["households"] == 2 and report["total_vnd"] == 120000
    assert fees.ok("GET", "/fees/arrears?fee_code=waste&hamlet_id=xom-2", fees.office)["households"] == 0


def test_an_exemption_applies_with_the_decision_that_grants_it(fees):
    granted = fees.ok("POST", "/fees/households/gp-0002/exemptions", fees.office, EXEMPTION)
    assert granted["decision_no"] == "45/QĐ-UBND"
    half = {**EXEMPTION, "percent": 50, "decision_no": "46/QĐ-UBND", "valid_from": "2026-11", "fee_code": "waste"}
    fees.ok("POST", "/fees/households/gp-0001/exemptions", fees.office, half)
    report = fees.generate("2026-11")
    assert report["exempt"] == 1
    mine = fees.invoices()[0]
    assert (mine["amount_vnd"], mine["exemption_percent"]) == (15000, 50)
    assert mine["exemption_decision"] == "46/QĐ-UBND ngày 10/01/2026"
    theirs = fees.invoices(fees.neighbour)[0]
    assert (theirs["amount_vnd"], theirs["status"], theirs["vietqr"]) == (0, "exempt", None)
    status, error = fees.call("POST", "/fees/households/gp-0002/exemptions", fees.office, {**EXEMPTION, "percent": 0})
    assert status == 422 and error["error"]["details"][0]["field"] == "percent"


def test_a_citizen_sees_their_household_only_and_its_open_invoice_carries_a_vietqr(fees):
    fees.generate("2026-11")
    mine = fees.invoices()[0]
    theirs = fees.invoices(fees.neighbour)[0]
    assert mine["reference"] != theirs["reference"]
    parsed = VietQRParser.parse(mine["vietqr"])
    assert (parsed["bank_bin"], parsed["account_number"]) == ("970405", "3206201001234")
    assert (parsed["amount"], parsed["memo"]) == (30000, mine["reference"]) and VietQRParser.verify_checksum(
        mine["vietqr"]
    )
    # Another household's invoice does not exist for this citizen
    assert fees.call("GET", f"/fees/invoices/{theirs['reference']}", fees.citizen)[0] == 404
    assert fees.call("GET", f"/fees/invoices/{theirs['reference']}/qr", fees.citizen)[0] == 404
    qr = fees.ok("GET", f"/fees/invoices/{mine['reference']}/qr", fees.citizen)
    assert qr["payload"] == mine["vietqr"] and qr["svg"].startswith("<svg")
    # Staff see any household's
    assert fees.ok("GET", "/fees/households/gp-0002/invoices", fees.office)["total_due_vnd"] == 30000


def test_a_citizen_without_a_household_is_told_to_ask_the_office(fees):
    from tests.support.identities import citizen_token

    token, _ = citizen_token(fees.services)
    status, error = fees.call("GET", "/fees/me/invoices", token)
    assert status == 404 and "văn phòng xã" in error["error"]["message"]


def test_households_are_checked_against_the_commune_and_its_citizens(fees):
    body = {"id": "gp-0009", "hamlet_id": "xom-9", "head_name": "Lê Văn C", "address": "Xóm 9"}
    assert fees.call("POST", "/fees/households", fees.office, body)[0] == 422
    body = {**body, "hamlet_id": "xom-2", "member_citizen_ids": ["0" * 32]}
    assert fees.call("POST", "/fees/households", fees.office, body)[0] == 422
    taken = {**body, "member_citizen_ids": [fees.citizen_id]}  # already a member of gp-0001
    assert fees.call("POST", "/fees/households", fees.office, taken)[0] == 409
    assert fees.call("POST", "/fees/households", fees.office, {**body, "member_citizen_ids": []})[0] == 201
