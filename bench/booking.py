"""``booking``: 200 clients race for the 50 places of a morning at the health station (in-process on moto, real
repositories and transactions); each client retries on another free slot when its pick was taken, until it has a
place or none is left. Reports places booked, double bookings found afterwards (places over capacity, queue numbers
given twice), latency per booking attempt and DynamoDB calls per booking.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench import benchmark
from bench.dynamodb_calls import CallCounter

CLIENTS = 200
WORKERS = 16
DAY = date(2026, 12, 1)  # a Tuesday; the clock stands on the Monday before


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


@benchmark("booking")
def booking() -> dict[str, Any]:  # noqa: PLR0915 - one scripted run
    fake = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "ap-southeast-1"}
    os.environ.update(fake)  # moto only
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from moto import mock_aws

    from smartcommune_local.moto_patches import patch_moto_dynamodb

    patch_moto_dynamodb()
    with mock_aws(), tempfile.TemporaryDirectory() as tmp:
        from smartcommune.citizens.contracts import Citizen
        from smartcommune.citizens.wiring import citizen_repository
        from smartcommune.communes.wiring import commune_repository
        from smartcommune.core import table
        from smartcommune.core.contracts import Role
        from smartcommune.core.errors import ConflictError
        from smartcommune.core.principal import Principal
        from smartcommune.core.services import Services
        from smartcommune.core.settings import Settings
        from smartcommune.telehealth.contracts import HealthService, NewBooking, Practitioner, WeeklyRule, WorkSchedule
        from smartcommune.telehealth.wiring import booking_service, setup_repository
        from smartcommune_local.demo_data import GIAO_PHONG
        from smartcommune_local.template import create_resources

        resources = create_resources(boto3.Session(region_name="ap-southeast-1"), endpoint_url=None)
        env = resources.environment()
        env.update(SMARTCOMMUNE_STAGE="test", SMARTCOMMUNE_OUTBOX_PATH=str(Path(tmp) / "sms.jsonl"))
        settings = Settings.from_env(env)
        table.bind(settings)
        services = Services(settings, clock=lambda: datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
        services.get(commune_repository).put(GIAO_PHONG)
        # One morning: 07:30-11:40 in 10-minute slots of 2 places = 25 slots, 50 places
        store = services.get(setup_repository)
        service = HealthService(code="general", name="Khám bệnh đa khoa", duration_min=10, capacity=2)
        doctor = Practitioner(id="bs-lan", name="BS. Trần Thị Lan", kind="doctor")
        week = WorkSchedule(
            practitioner_id="bs-lan",
            rules=[WeeklyRule(weekday=DAY.weekday(), start="07:30", end="11:40", service="general")],
        )
        store.put("giao-phong", "SVC", "general", service.model_dump_json())
        store.put("giao-phong", "PRAC", "bs-lan", doctor.model_dump_json())
        store.put("giao-phong", "SCHED", "bs-lan", week.model_dump_json())
        citizens = services.get(citizen_repository)
        now = services.clock()
        people = []
        for n in range(CLIENTS):
            citizen = Citizen(
                id=uuid.uuid4().hex,
                commune_id="giao-phong",
                phone=f"+8491{n:07d}",
                full_name=f"Người bệnh {n}",
                created_at=now,
                updated_at=now,
                created_by="bench",
            )
            citizens.create_many([citizen])
            people.append(
                Principal(
                    subject_id=citizen.id,
                    kind="citizen",
                    roles=frozenset({Role.CITIZEN}),
                    commune_id="giao-phong",
                    display_name=citizen.full_name or "",
                    session_id="bench",
                    expires_at=datetime(2030, 1, 1, tzinfo=UTC),
                )
            )
        bookings = services.get(booking_service)
        places = sum(s.capacity for s in bookings.slots("giao-phong", DAY, 1))
        attempts_ms: list[float] = []
        conflicts = 0

        def client(principal: Principal) -> bool:
            nonlocal conflicts
            rng = random.Random(principal.subject_id)
            while True:
                free = [s for s in bookings.slots("giao-phong", DAY, 1) if s.free > 0]
                if not free:
                    return False
                # most people want the earliest slots: a crowd on the first free ones
                pick = free[min(int(rng.expovariate(0.5)), len(free) - 1)]
                started = time.perf_counter()
                try:
                    bookings.book(principal, NewBooking(slot_id=pick.id))
                    attempts_ms.append((time.perf_counter() - started) * 1000)
                    return True
                except ConflictError:
                    attempts_ms.append((time.perf_counter() - started) * 1000)
                    conflicts += 1

        started = time.perf_counter()
        with CallCounter() as counter, ThreadPoolExecutor(max_workers=WORKERS) as pool:
            outcomes = list(pool.map(client, people))
        elapsed = time.perf_counter() - started
        made = bookings.day("giao-phong", DAY)
        per_slot: dict[str, int] = {}
        for b in made:
            per_slot[b.slot_id] = per_slot.get(b.slot_id, 0) + 1
        over = sum(max(0, n - service.capacity) for n in per_slot.values())
        numbers = [b.queue_number for b in made]
        # Calls of one booking alone, outside the race (no retries): what a citizen's booking costs
        with CallCounter() as single:
            single_principal = people[0].model_copy(update={"subject_id": uuid.uuid4().hex})
            citizens.create_many(
                [
                    Citizen(
                        id=single_principal.subject_id,
                        commune_id="giao-phong",
                        phone="+84919999999",
                        created_at=now,
                        updated_at=now,
                        created_by="bench",
                    )
                ]
            )
            week2 = week.model_copy(
                update={
                    "rules": [
                        *week.rules,
                        WeeklyRule(weekday=DAY.weekday(), start="13:30", end="13:40", service="general"),
                    ]
                }
            )
            store.put("giao-phong", "SCHED", "bs-lan", week2.model_dump_json())
            before = single.dynamodb()
            bookings.book(single_principal, NewBooking(slot_id="202612011330.bs-lan.general"))
            one_booking_calls = single.dynamodb() - before
        return {
            "clients": CLIENTS,
            "workers": WORKERS,
            "places": places,
            "booked": sum(outcomes),
            "double_booked": over + (len(numbers) - len(set(numbers))),
            "queue_numbers_consecutive": sorted(numbers) == list(range(1, len(numbers) + 1)),
            "refused_attempts": conflicts,
            "p50_ms": _percentile(attempts_ms, 0.50),
            "p99_ms": _percentile(attempts_ms, 0.99),
            "elapsed_s": round(elapsed, 1),
            "dynamodb_calls_per_booking": one_booking_calls,
            "dynamodb_calls_in_race_per_place": round(counter.dynamodb() / max(1, sum(outcomes)), 1),
            "met": sum(outcomes) == places == 50 and over == 0 and len(numbers) == len(set(numbers)),
        }
