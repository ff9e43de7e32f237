"""The nightly verifier, the admin routes and the CLI all detect a tampered chain."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from smartcommune.audit.contracts import AuditRecord
from smartcommune.audit.storage.journal import AuditEntryItem
from smartcommune.audit.wiring import audit_repository
from smartcommune.communes.contracts import Commune, Hamlet
from smartcommune.communes.storage import CommuneRepository
from smartcommune.core.contracts import Role

ROOT = Path(__file__).resolve().parents[3]


def _load_handler():
    spec = importlib.util.spec_from_file_location(
        "audit_verifier_handler", ROOT / "functions/audit_verifier/handler.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def communes(services):
    repo = CommuneRepository()
    for cid, name in (("giao-phong", "Xã Giao Phong"), ("bach-long", "Xã Bạch Long")):
        repo.put(
            Commune(
                id=cid,
                name=name,
                district="Giao Thủy",
                province_id="nam-dinh",
                province="Nam Định",
                hamlets=[Hamlet(id="xom-1", name="Xóm 1")],
            )
        )
    audit = services.get(audit_repository)
    for n in range(3):
        audit.commit(
            "giao-phong",
            AuditRecord(
                actor_id="gp.admin",
                actor_role=Role.ADMIN,
                action="citizen.lock",
                target=f"citizen/{n}",
                after={"status": "locked"},
            ),
        )
    audit.commit(
        "bach-long",
        AuditRecord(
            actor_id="bl.admin",
            actor_role=Role.ADMIN,
            action="citizen.lock",
            target="citizen/x",
            after={"status": "locked"},
        ),
    )
    return repo


@pytest.fixture
def lambda_env(settings, monkeypatch):
    from smartcommune.core.settings import get_settings

    for key, value in {
        "SMARTCOMMUNE_TABLE_NAME": settings.table_name,
        "SMARTCOMMUNE_AUDIT_ANCHOR_BUCKET": settings.audit_anchor_bucket,
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _event() -> dict:
    return json.loads((ROOT / "events/audit_verifier/scheduled.json").read_text())


def test_nightly_run_anchors_intact_chains_and_reports_a_tampered_one(communes, services, lambda_env):
    handler = _load_handler()
    context = SimpleNamespace(
        function_name="audit-verifier",
        memory_limit_in_mb=512,
        aws_request_id="r1",
        invoked_function_arn="arn:aws:lambda:ap-southeast-1:123456789012:function:x",
    )
    # Given intact chains, When the nightly run happens, Then both are anchored for the Vietnamese day
    event = dict(_event(), time="2026-11-28T19:00:00Z")  # 02:00 on the 29th in Hà Nội
    result = handler.lambda_handler(event, context)
    assert result == {"day": "2026-11-29", "communes": 2, "broken": {}}

    # Given someone rewrites the whole chain of Giao Phong consistently (hashes recomputed), the anchor catches it
    audit = services.get(audit_repository)
    entries = list(audit.all_entries("giao-phong"))
    assert len(entries) == 3
    item = AuditEntryItem.get("C#giao-phong#AUDIT", f"E#{3:012d}")
    item.update(actions=[AuditEntryItem.hash.set("f" * 64)])
    from smartcommune.audit.storage.journal import AuditHeadItem

    AuditHeadItem.get("C#giao-phong#AUDIT", "HEAD").update(actions=[AuditHeadItem.hash.set("f" * 64)])
    report_event = dict(_event(), time="2026-11-29T19:00:00Z")
    result = handler.lambda_handler(report_event, context)
    assert list(result["broken"]) == ["giao-phong"]
    assert "entry 3 was changed after it was written" in result["broken"]["giao-phong"]
    assert "entry 3 differs from the copy anchored outside the table" in result["broken"]["giao-phong"]


def test_cli_verify_exits_non_zero_on_a_broken_chain(communes, services, lambda_env, capsys, monkeypatch, tmp_path):
    from smartcommune_local.audit_cli import verify_command

    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert verify_command(argparse.Namespace(commune=None)) == 0
    assert "giao-phong: OK — 3 entries" in capsys.readouterr().out

    AuditEntryItem.get("C#giao-phong#AUDIT", f"E#{2:012d}").delete()
    assert verify_command(argparse.Namespace(commune="giao-phong")) == 1
    out = capsys.readouterr().out
    assert "giao-phong: BROKEN" in out
    assert "entry 2 is missing" in out
