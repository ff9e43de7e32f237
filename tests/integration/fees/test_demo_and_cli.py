"""The demo ledger (Giao Phong's demo households and invoices), criteria 8.1/8.2 from it, and the CLI's
``fees invoices --open --limit N`` reading it."""

from __future__ import annotations

import argparse
import json

from crccheck.crc import Crc16CcittFalse
from vietqr_emvco import VietQRParser

from smartcommune.core.contracts import Role
from smartcommune_local import cli_fees, demo_data
from smartcommune_local.cli import build_parser
from tests.support.identities import auth, staff_token


def test_the_demo_ledger_the_criteria_and_the_cli(api, services, monkeypatch, capsys):
    # Given the demo data seeded (twice: the second time adds nothing)
    first = demo_data.seed(services)
    assert first.fee_invoices_seeded > 200 and demo_data.seed(services).fee_invoices_seeded == 0
    office = staff_token(services, Role.OFFICE)

    def get(path: str):
        response = api.http.get(path, headers=auth(office))
        assert response.status_code == 200, response.body
        return json.loads(response.body)

    # Nguyễn Văn An's household (the first) has this month's invoice open and an arrear from before
    an = get("/fees/households/gp-0001/invoices")
    assert an["items"][0]["head_name"] == "Nguyễn Văn An" and an["total_due_vnd"] == 90000
    assert an["items"][0]["arrears_vnd"] == 60000
    # Criteria from the ledger: 8.1 counts households that paid online per fee, 8.2 the businesses
    criteria = get("/fees/criteria")
    waste = next(f for f in criteria["c81_by_fee"] if f["fee_code"] == "waste")
    assert waste["households_billed"] > 90 and 0.45 < waste["share"] < 0.75  # online at least once in 3 months
    assert (criteria["c82_businesses"], criteria["c82_online"], criteria["c82_share"]) == (10, 7, 0.7)
    # Staff arrears by hamlet: the first hamlet's households that have not paid the older months
    arrears = get("/fees/arrears?fee_code=waste&hamlet_id=dong-thanh")
    assert arrears["households"] > 0 and all(line["hamlet_id"] == "dong-thanh" for line in arrears["lines"])

    # When the CLI lists five open invoices (against these services instead of a running stack's)
    monkeypatch.setattr(cli_fees, "_services", lambda: services)
    args = build_parser().parse_args(["fees", "invoices", "--open", "--limit", "5"])
    assert isinstance(args, argparse.Namespace) and args.handler(args) == 0
    lines = capsys.readouterr().out.splitlines()
    # Then five JSON objects, each an open invoice whose payload holds its exact amount and reference
    assert len(lines) == 5
    for line in lines:
        item = json.loads(line)
        assert set(item) == {"invoice_id", "household_id", "amount_vnd", "vietqr"}
        parsed = VietQRParser.parse(item["vietqr"])
        assert parsed["amount"] == item["amount_vnd"] > 0 and parsed["memo"] == item["invoice_id"]
        assert int(item["vietqr"][-4:], 16) == Crc16CcittFalse.calc(item["vietqr"][:-4].encode())
        invoice = get(f"/fees/invoices/{item['invoice_id']}")
        assert invoice["vietqr"] == item["vietqr"] and invoice["household_id"] == item["household_id"]
        assert invoice["status"] in ("open", "partial")
