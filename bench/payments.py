"""``payments``: Giao Phong's 2,467 households invoiced for a month (``generate_s``; generating again must create
nothing), then 5,000 signed payment callbacks through the HTTP API — 10% of them duplicates, 1% forged, all in
random order from 8 concurrent connections — and the ledger read back by Query.

``paid`` is the number of distinct valid payments the ledger applied (it must equal the distinct valid callbacks
sent); ``double_paid`` counts invoices paid more than once or beyond their amount (must be 0); ``forged_accepted``
counts forged callbacks answered anything but 401 or found in the ledger (must be 0); ``p99_ms`` is the 99th
percentile of a callback's round trip.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty, Queue
from typing import Any

from bench import benchmark

HOUSEHOLDS = 2467
CALLBACKS = 5000
DUPLICATE_SHARE = 0.10
FORGED_SHARE = 0.01
CONNECTIONS = 8
PERIODS = ("2026-10", "2026-11")  # two months: 4,450 distinct payments need more than one month's invoices
MOTO_KEY = "bench"  # moto accepts any credentials; never a developer's real ones


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))], 1)


@benchmark("payments")
def payments() -> dict[str, Any]:
    import boto3
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from bench.feedback import _free_port
    from smartcommune_local.moto_patches import patch_moto_dynamodb
    from smartcommune_local.template import create_resources

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    patch_moto_dynamodb()
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        session = boto3.Session(
            region_name="ap-southeast-1", aws_access_key_id=MOTO_KEY, aws_secret_access_key=MOTO_KEY
        )
        resources = create_resources(session, endpoint_url=endpoint)
        with tempfile.TemporaryDirectory(prefix="sc-bench-payments-") as tmp:
            return _run(resources, endpoint, Path(tmp))
    finally:
        server.stop()


def _run(resources: Any, endpoint: str, tmp: Path) -> dict[str, Any]:
    import os

    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core import table
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.fees.contracts import Household
    from smartcommune.fees.wiring import fee_repository, fee_service
    from smartcommune_local.demo_data import GIAO_PHONG
    from smartcommune_local.demo_fees import _category, configure

    env = resources.environment()
    env.update(
        SMARTCOMMUNE_STAGE="local",
        SMARTCOMMUNE_AWS_ENDPOINT_URL=endpoint,
        SMARTCOMMUNE_OUTBOX_PATH=str(tmp / "sms.jsonl"),
        AWS_ACCESS_KEY_ID=MOTO_KEY,
        AWS_SECRET_ACCESS_KEY=MOTO_KEY,
    )
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    settings = Settings.from_env(env)
    table.bind(settings)
    services = Services(settings, clock=lambda: datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    services.get(commune_repository).put(GIAO_PHONG)
    configure(services, GIAO_PHONG.id)
    store = services.get(fee_repository)
    hamlets = GIAO_PHONG.hamlets
    store.create_households(
        [
            Household(
                id=f"gp-{n:04d}",
                commune_id=GIAO_PHONG.id,
                hamlet_id=hamlets[n % len(hamlets)].id,
                head_name=f"Chủ hộ {n:04d}",
                address=f"Số {n}, {hamlets[n % len(hamlets)].name}",
                category="standard" if _category(n) == "policy" else _category(n),
                created_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
            for n in range(1, HOUSEHOLDS + 1)
        ]
    )
    service = services.get(fee_service)
    from smartcommune_local.demo_fees import EXEMPTIONS

    for n in range(1, HOUSEHOLDS + 1):
        if _category(n) == "poor":  # the commune's poor households are exempt by decision 45/QĐ-UBND
            service.exempt(GIAO_PHONG.id, f"gp-{n:04d}", EXEMPTIONS["poor"], "bench")
    started = time.perf_counter()
    first = service.generate(GIAO_PHONG.id, "waste", PERIODS[0])
    generate_s = time.perf_counter() - started
    again = service.generate(GIAO_PHONG.id, "waste", PERIODS[0])
    started = time.perf_counter()
    second = service.generate(GIAO_PHONG.id, "waste", PERIODS[1])
    second_s = time.perf_counter() - started
    payable = [
        (i.reference, i.balance_vnd)
        for period in PERIODS
        for i in store.period_invoices(GIAO_PHONG.id, "waste", period, open_only=True)
    ]
    result = _callbacks(services, payable)
    ledger = _ledger(store, result["forged_ids"])
    return {
        "households": HOUSEHOLDS,
        "generate_s": round(generate_s, 2),
        "invoices_created": first.created,
        "exempt": first.exempt,
        "regenerate_created": again.created,
        "second_month_generate_s": round(second_s, 2),
        "second_month_created": second.created,
        "callbacks": result["sent"],
        "duplicates_sent": result["duplicates"],
        "forged_sent": result["forged"],
        "distinct_valid_sent": result["distinct_valid"],
        "paid": ledger["paid"],
        "double_paid": ledger["double_paid"],
        "forged_accepted": result["forged_accepted"] + ledger["forged_in_ledger"],
        "receipts": ledger["receipts"],
        "receipt_numbers_gapless": ledger["gapless"],
        "paid_without_receipt": ledger["paid_without_receipt"],
        "non_2xx_valid": result["non_2xx_valid"],
        "p50_ms": _percentile(result["latencies"], 0.50),
        "p99_ms": _percentile(result["latencies"], 0.99),
        "callbacks_per_s": round(result["sent"] / result["seconds"], 1),
        "met": ledger["paid"] == result["distinct_valid"]
        and ledger["double_paid"] == 0
        and result["forged_accepted"] + ledger["forged_in_ledger"] == 0
        and again.created == 0
        and ledger["gapless"]
        and ledger["paid_without_receipt"] == 0,
        "note": (
            "moto server in this process (DynamoDB serialised, patch_moto_dynamodb) and the API on Chalice's local "
            "server in a thread, 8 keep-alive connections; each valid callback records the payment "
            "(conditional put), applies it to the invoice (optimistic lock) and issues the receipt (one "
            "conditional transaction). Two months are invoiced so that 4,450 distinct payments find an invoice; "
            "generate_s is the first month alone. The 2 cores may be shared: latencies are noisy."
        ),
    }


Plan = list[tuple[str, bytes, "str | None"]]


def _plan(simulator: Any, payable: list[tuple[str, int]]) -> tuple[Plan, list[str], int, int, int]:
    """The callbacks in random order: distinct valid ones, duplicates of some, forged ones (wrong key)."""
    from smartcommune_local.payment_simulator import FORGED_KEY

    rng = random.Random(13)
    forged = round(CALLBACKS * FORGED_SHARE)
    duplicates = round(CALLBACKS * DUPLICATE_SHARE)
    distinct = CALLBACKS - forged - duplicates
    chosen = rng.sample(payable, distinct)
    plan: Plan = []
    bodies = []
    for n, (reference, amount) in enumerate(chosen):
        body = simulator.body(reference, amount, f"FT26{n:08d}")
        bodies.append(body)
        plan.append((f"FT26{n:08d}", body, None))
    for body in rng.sample(bodies, duplicates):
        plan.append((json.loads(body)["transaction_id"], body, None))
    forged_ids = []
    for n, (reference, amount) in enumerate(rng.sample(chosen, forged)):
        tx = f"FORGED{n:06d}"
        forged_ids.append(tx)
        plan.append((tx, simulator.body(reference, amount, tx), FORGED_KEY))
    rng.shuffle(plan)
    return plan, forged_ids, distinct, duplicates, forged


def _callbacks(services: Any, payable: list[tuple[str, int]]) -> dict[str, Any]:
    from chalice.config import Config
    from chalice.local import create_local_server

    import app as app_module
    from bench.feedback import _free_port
    from smartcommune_local.payment_simulator import ProviderSimulator

    simulator = ProviderSimulator("giao-phong", services.settings.payment_key, lambda *_: (0, None))
    plan, forged_ids, distinct, duplicates, forged = _plan(simulator, payable)
    app_module.use_services(services)
    port = _free_port()
    config = Config.create(chalice_stage="local", app_name=app_module.app.app_name, lambda_timeout=30)
    api = create_local_server(app_module.app, config, "127.0.0.1", port)
    threading.Thread(target=api.server.serve_forever, daemon=True).start()
    queue: Queue[tuple[str, bytes, str | None]] = Queue()
    for item in plan:
        queue.put(item)
    latencies: list[float] = []
    outcomes: list[tuple[str, int, str | None]] = []
    lock = threading.Lock()

    def client() -> None:
        from smartcommune.fees.logic.payments import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            try:
                tx, body, secret = queue.get_nowait()
            except Empty:
                connection.close()
                return
            stamp = int(services.clock().timestamp())
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: str(stamp),
                SIGNATURE_HEADER: sign(secret or simulator.secret, stamp, body),
            }
            began = time.perf_counter()
            connection.request("POST", "/public/payments/giao-phong/callback", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                outcomes.append((tx, response.status, secret))

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    api.server.shutdown()
    return {
        "sent": len(outcomes),
        "duplicates": duplicates,
        "forged": forged,
        "distinct_valid": distinct,
        "forged_ids": forged_ids,
        "forged_accepted": sum(1 for _, status, secret in outcomes if secret and status != 401),
        "non_2xx_valid": sum(1 for _, status, secret in outcomes if not secret and not 200 <= status < 300),
        "latencies": latencies,
        "seconds": seconds,
    }


def _ledger(store: Any, forged_ids: list[str]) -> dict[str, Any]:
    invoices = [i for period in PERIODS for i in store.period_invoices("giao-phong", "waste", period, open_only=False)]
    paid_payments = sum(len(i.payment_ids) for i in invoices)
    double = sum(1 for i in invoices if len(i.payment_ids) > 1 or i.paid_vnd > i.amount_vnd)
    receipts = [r.number for r in store.receipts("giao-phong", "GP-26E")]
    return {
        "paid_without_receipt": sum(1 for i in invoices if i.status == "paid" and not i.receipt_no),
        "paid": paid_payments,
        "double_paid": double,
        "forged_in_ledger": sum(1 for tx in forged_ids if store.get_payment("giao-phong", f"vietqr:{tx}")),
        "receipts": len(receipts),
        "gapless": sorted(receipts) == list(range(1, len(receipts) + 1))
        and len(receipts) == sum(1 for i in invoices if i.receipt_no),
    }
