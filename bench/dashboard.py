"""``dashboard``: in-process on moto, Giao Phong with a year of demo activity (its register, a year of feedback,
40 loudspeakers, the health station, the criteria scorecard): the full staff dashboard payload — every tile, the
warnings, the forecasts and the scorecard — timed (p50 of repeated requests after one cold one), its DynamoDB calls
counted by operation (no Scan), the scorecard alone; and ``province_rollup_ms``, the scorecards of 200 communes.

The rollup is what ``GET /province/v1/scorecards`` computes (``province.logic.reads.rollup``: every commune of
the province, 16 at a time) for a province of 200 communes, timed without the signature check and the JSON.
Sizes: ``SMARTCOMMUNE_BENCH_DASHBOARD_SIZE`` = citizens x feedback
(default 2000x1200: the citizen accounts of a commune of ~7,000 people, and a year of feedback).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import benchmark

SIZE_VARIABLE = "SMARTCOMMUNE_BENCH_DASHBOARD_SIZE"
RUNS = 15
ROLLUP_COMMUNES = 200


def _seed(services: Any, citizens: int, feedback: int) -> None:
    from smartcommune.citizens.contracts import NewCitizen
    from smartcommune.citizens.wiring import citizen_service
    from smartcommune.communes.wiring import commune_repository
    from smartcommune_local.demo_data import GIAO_PHONG, demo_citizens
    from smartcommune_local.demo_feedback import seed_feedback
    from smartcommune_local.devices_demo import seed_devices
    from smartcommune_local.health_demo import seed_health

    services.get(commune_repository).put(GIAO_PHONG)
    people = demo_citizens(GIAO_PHONG, citizens)
    services.get(citizen_service).import_citizens(
        GIAO_PHONG.id,
        [
            NewCitizen(
                full_name=p.full_name,
                phone=p.phone,
                hamlet_id=p.hamlet_id,
                address=p.address,
                cccd=p.cccd,
                birth_date=p.birth_date,
            )
            for p in people
        ],
    )
    seed_feedback(services, GIAO_PHONG, count=feedback, phones=[p.phone for p in people[:200]], days=365)
    seed_devices(services)
    seed_health(services)


def _rollup(services: Any) -> tuple[float, int]:
    from smartcommune.communes.contracts import Commune, Hamlet
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.reporting.wiring import scorecards

    repo = services.get(commune_repository)
    ids = [f"xa-{n:03d}" for n in range(ROLLUP_COMMUNES)]
    for n, commune_id in enumerate(ids):
        repo.put(
            Commune(
                id=commune_id,
                name=f"Xã Thử {n:03d}",
                district="Huyện Giao Thủy",
                province_id="nam-dinh",
                province="Tỉnh Nam Định",
                hamlets=[Hamlet(id="xom-1", name="Xóm 1")],
            )
        )
    from datetime import UTC, datetime

    from smartcommune.province.contracts import ProvinceClient
    from smartcommune.province.logic.reads import rollup
    from smartcommune.province.wiring import province_gate

    client = ProvinceClient(
        access_key_id="SCPKBENCHBENCHBENCHB", province_id="nam-dinh", label="bench", created_by="bench",
        created_at=datetime.now(UTC),
    )  # fmt: skip
    communes = [c for c in services.get(province_gate).communes(client) if c.id in set(ids)]
    started = time.perf_counter()
    answer = rollup(client, communes, services.get(scorecards), None, datetime.now(UTC))
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert len(answer.communes) == ROLLUP_COMMUNES and all(e.status == "ok" for e in answer.communes)
    return elapsed_ms, sum(e.scorecard.met_count for e in answer.communes if e.scorecard is not None)


@benchmark("dashboard")
def dashboard() -> dict[str, Any]:
    citizens, feedback = (int(x) for x in os.environ.get(SIZE_VARIABLE, "2000x1200").split("x"))
    fake = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "ap-southeast-1"}
    os.environ.update(fake)  # moto only
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from moto import mock_aws

    from bench.dynamodb_calls import CallCounter

    with mock_aws(), tempfile.TemporaryDirectory() as tmp:
        from smartcommune.core import table
        from smartcommune.core.services import Services
        from smartcommune.core.settings import Settings
        from smartcommune.operations.wiring import dashboard_service, scorecard_source
        from smartcommune_local.moto_patches import patch_moto_dynamodb
        from smartcommune_local.template import create_resources

        patch_moto_dynamodb()
        resources = create_resources(boto3.Session(region_name="ap-southeast-1"), endpoint_url=None)
        env = resources.environment()
        env.update(SMARTCOMMUNE_STAGE="test", SMARTCOMMUNE_OUTBOX_PATH=str(Path(tmp) / "sms.jsonl"))
        settings = Settings.from_env(env)
        table.bind(settings)
        services = Services(settings)
        started = time.monotonic()
        _seed(services, citizens, feedback)
        seed_s = time.monotonic() - started
        service = services.get(dashboard_service)

        with CallCounter() as cold_counter:
            t0 = time.perf_counter()
            payload = service.payload("giao-phong", "staff")
            cold_ms = (time.perf_counter() - t0) * 1000
        assert payload is not None
        timings = []
        with CallCounter() as counter:
            for _ in range(RUNS):
                t0 = time.perf_counter()
                service.payload("giao-phong", "staff")
                timings.append((time.perf_counter() - t0) * 1000)
        scorecards = services.get(scorecard_source)
        assert scorecards is not None
        t0 = time.perf_counter()
        scorecards.scorecard("giao-phong")
        scorecard_ms = (time.perf_counter() - t0) * 1000
        rollup_ms, rollup_met = _rollup(services)
        per_call = {op: n // RUNS for (svc, op), n in sorted(counter.calls.items()) if svc == "dynamodb"}
        return {
            "commune": "giao-phong",
            "citizens": citizens,
            "feedback_items_one_year": feedback,
            "speakers": 40,
            "tiles": [t.name for t in payload.tiles],
            "missing_tiles": payload.missing_tiles,
            "scorecard_criteria": payload.scorecard.total if payload.scorecard else 0,
            "seed_s": round(seed_s, 1),
            "dashboard_ms_p50": round(statistics.median(timings), 1),
            "dashboard_ms_p95": round(sorted(timings)[int(len(timings) * 0.95) - 1], 1),
            "dashboard_ms_cold": round(cold_ms, 1),
            "dashboard_target_ms": 300,
            "runs": RUNS,
            "dynamodb_calls": counter.dynamodb() // RUNS,
            "dynamodb_calls_by_operation": per_call,
            "dynamodb_calls_cold": cold_counter.dynamodb(),
            "scans": counter.scans() + cold_counter.scans(),
            "scorecard_ms": round(scorecard_ms, 1),
            "province_rollup_ms": round(rollup_ms, 1),
            "province_rollup_communes": ROLLUP_COMMUNES,
            "province_rollup_met_total": rollup_met,
            "province_rollup_via": "province.logic.reads.rollup (GET /province/v1/scorecards without the "
            "signature check and the JSON)",
            "note": "cold: the first payload reads the whole register for the forecasts (kept an hour per warm "
            "function); p50/p95 are the refreshes after it. moto in-process: latency excludes the network.",
        }
