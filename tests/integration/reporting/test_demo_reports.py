"""The demo seeding leaves Giao Phong a sent report that ``smartcommune report export --latest`` writes and
``report verify`` accepts — also after the local signing key changed (the demo cache restores the table only)."""

from __future__ import annotations

from argparse import Namespace

from smartcommune.core.contracts import Role
from smartcommune.core.services import Services
from smartcommune.identity.wiring import identity_service
from smartcommune.reporting.wiring import reports, reports_dir, scorecards
from smartcommune_local.cli_reports import export_command, verify_command
from smartcommune_local.demo_data import DEMO_PASSWORD
from smartcommune_local.demo_reports import HISTORY_MONTHS, seed_reports
from tests.support.identities import ensure_demo_communes


def _demo_staff(services):
    ensure_demo_communes(services)
    for username, role in (("gp.office", Role.OFFICE), ("gp.admin", Role.ADMIN)):
        services.get(identity_service).create_staff_account(
            "giao-phong", username, f"Cán bộ {role.value}", [role], DEMO_PASSWORD, actor=None
        )


def test_seeding_leaves_a_sent_report_that_exports_and_verifies(services, settings, clock, tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))  # no running stack's JWKS here: verify against the local key
    _demo_staff(services)
    report_id = seed_reports(services)
    assert report_id == "monthly-2026-10"  # last month's report (the clock is in November)
    assert seed_reports(services) is None  # idempotent
    latest = services.get(reports).latest_sent("giao-phong")
    assert latest.status == "sent" and all(line.value is not None for line in latest.lines)
    history = services.get(scorecards).history("giao-phong", "4.1", HISTORY_MONTHS)
    assert len(history) == HISTORY_MONTHS and history[-2].value == 87 and history[-2].source == "entered"

    out = tmp_path / "latest.jws"
    export = Namespace(latest=True, id=None, pdf=False, format=None, out=str(out), commune="giao-phong")
    assert export_command(export, services) == 0
    assert verify_command(Namespace(file=str(out), jwks=None, ca=None), services) == 0
    pdf = tmp_path / "latest.pdf"
    assert export_command(Namespace(**{**vars(export), "pdf": True, "out": str(pdf)}), services) == 0
    assert verify_command(Namespace(file=str(pdf), jwks=None, ca=None), services) == 0

    # A fresh data dir (new local key) over restored demo data: the report is corrected and sent again
    (reports_dir(settings) / "jws-signing-key.pem").unlink()
    fresh = Services(settings, clock=clock)
    assert seed_reports(fresh) == report_id
    again = fresh.get(reports).latest_sent("giao-phong")
    assert again.version == 2 and again.correction_reason and again.key_id != latest.key_id
    assert export_command(export, fresh) == 0
    assert verify_command(Namespace(file=str(out), jwks=None, ca=None), fresh) == 0
