"""``merge``: three communes of realistic size merged into one, in-process on moto, as Giao Bình was formed.

Each commune: ≈7,000 citizens (with their phone and CCCD look-ups), a year of feedback (≈100 a month, with the
citizens' and public copies, open markers and counters), 40 speakers in 20 clusters, staff and audit entries.
The merger's DynamoDB calls are counted by a hook on botocore (``bench.dynamodb_calls.CallCounter``), and every
record is counted before and after by a scan of the table (a benchmark may scan; the merger never does).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import benchmark

SIZE_VARIABLE = "SMARTCOMMUNE_BENCH_MERGE_SIZE"
"""``citizens x feedback x speakers`` per commune (default ``7000x1200x40``; the tests run a small one)."""

COMMUNES = (("giao-tan", "Xã Giao Tân", "gt"), ("giao-yen", "Xã Giao Yến", "gy"), ("bach-long", "Xã Bạch Long", "bl"))


def _commune(commune_id: str, name: str, prefix: str, households: int) -> Any:
    from smartcommune.communes.contracts import Commune, Hamlet

    return Commune(
        id=commune_id,
        name=name,
        district="Huyện Giao Thủy",
        province_id="nam-dinh",
        province="Tỉnh Nam Định",
        hamlets=[Hamlet(id=f"{prefix}-xom-{n}", name=f"Xóm {n} ({name[3:]})") for n in range(1, 6)],
        households=households,
    )


def _seed(services: Any, citizens: int, feedback: int, speakers: int) -> None:
    from smartcommune.citizens.contracts import NewCitizen
    from smartcommune.citizens.wiring import citizen_service
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core.contracts import Role
    from smartcommune.devices.contracts import GeoPoint, Speaker
    from smartcommune.devices.storage.registry import DeviceRepository
    from smartcommune.identity.wiring import identity_service
    from smartcommune_local.demo_data import demo_citizens
    from smartcommune_local.demo_feedback import seed_feedback

    taken: set[str] = set()
    for commune_id, name, prefix in COMMUNES:
        commune = _commune(commune_id, name, prefix, citizens // 4)
        services.get(commune_repository).put(commune)
        people = demo_citizens(commune, citizens, taken)
        services.get(citizen_service).import_citizens(
            commune_id,
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
        seed_feedback(services, commune, count=feedback, phones=[p.phone for p in people[:200]], days=365)
        for role in (Role.ADMIN, Role.OFFICE, Role.POLICE, Role.CULTURE, Role.INFRASTRUCTURE):
            services.get(identity_service).create_staff_account(
                commune_id, f"{prefix}-{role.value}", f"Cán bộ {role.value}", [role], "matkhau-thu-nghiem"
            )
        repo = DeviceRepository(commune_id)
        things = [f"{prefix}-spk-{n // 2 + 1:02d}{'ab'[n % 2]}" for n in range(speakers)]
        hamlets = commune.hamlets
        repo.put_speakers(
            Speaker(
                thing=thing,
                commune_id=commune_id,
                cluster_id=f"{prefix}-cl-{n // 2 + 1:02d}",
                hamlet_id=hamlets[n % len(hamlets)].id,
                location=GeoPoint(lat=20.25 + n * 0.001, lon=106.5 + n * 0.001),
                label=f"Loa {thing}",
            )
            for n, thing in enumerate(things)
        )
        for n in range(0, speakers, 2):
            repo.put_cluster(
                f"{prefix}-cl-{n // 2 + 1:02d}",
                hamlets[n % len(hamlets)].id,
                f"Cụm loa {n // 2 + 1:02d}",
                GeoPoint(lat=20.25, lon=106.5),
                things[n : n + 2],
            )


def _scan_counts(settings: Any) -> Counter[str]:
    import boto3

    table = boto3.resource("dynamodb", region_name=settings.aws_region).Table(settings.table_name)
    counts: Counter[str] = Counter()
    start = None
    while True:
        page = table.scan(**({"ExclusiveStartKey": start} if start else {}))
        for item in page["Items"]:
            counts[str(item.get("type"))] += 1
        start = page.get("LastEvaluatedKey")
        if not start:
            return counts


@benchmark("merge")
def merge() -> dict[str, Any]:
    citizens, feedback, speakers = (int(x) for x in os.environ.get(SIZE_VARIABLE, "7000x1200x40").split("x"))
    fake = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "ap-southeast-1"}
    os.environ.update(fake)  # moto only
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from moto import mock_aws

    from bench.dynamodb_calls import CallCounter

    with mock_aws(), tempfile.TemporaryDirectory() as tmp:
        from smartcommune.communes.contracts import MergeRequest
        from smartcommune.composition import commune_merger
        from smartcommune.core import table
        from smartcommune.core.services import Services
        from smartcommune.core.settings import Settings
        from smartcommune_local.moto_patches import patch_moto_dynamodb
        from smartcommune_local.template import create_resources

        patch_moto_dynamodb()
        resources = create_resources(boto3.Session(region_name="ap-southeast-1"), endpoint_url=None)
        env = resources.environment()
        env.update(
            SMARTCOMMUNE_STAGE="test",
            SMARTCOMMUNE_OUTBOX_PATH=str(Path(tmp) / "sms.jsonl"),
            SMARTCOMMUNE_STAFF_PASSWORD_SCRYPT_N=str(2**10),  # seeding only: the merger never hashes
        )
        settings = Settings.from_env(env)
        table.bind(settings)
        services = Services(settings)
        started = time.monotonic()
        _seed(services, citizens, feedback, speakers)
        seed_s = time.monotonic() - started
        before = _scan_counts(settings)
        request = MergeRequest(
            new_id="giao-binh",
            name="Xã Giao Bình",
            province_id="ninh-binh",
            province="Tỉnh Ninh Bình",
            effective=dt.date(2025, 7, 1),
            old_ids=[c[0] for c in COMMUNES],
            unit="14194@2025-07-01",
        )
        with CallCounter() as counter:
            started = time.monotonic()
            summary = services.get(commune_merger).merge(request)
            merge_s = time.monotonic() - started
        after = _scan_counts(settings)
        records_moved = sum(summary.moved.values())
        dropped = sum(summary.dropped.values())
        # Lost: fewer records of a type after than before, other than the short-lived ones a merger drops
        # (the merger adds its own: the run record and the audit entries naming the merger).
        lost = sum(max(0, n - after.get(kind, 0)) for kind, n in before.items()) - dropped
    return {
        "communes": len(COMMUNES),
        "citizens_per_commune": citizens,
        "feedback_per_commune": feedback,
        "speakers_per_commune": speakers,
        "records_before": sum(before.values()),
        "records_after": sum(after.values()),
        "records_moved": records_moved,
        "records_kept": sum(summary.kept.values()),
        "records_dropped": dropped,
        "conflicts": sum(summary.conflicts.values()),
        "merge_s": round(merge_s, 2),
        "seed_s": round(seed_s, 1),
        "lost": lost,
        "summary_lost": summary.lost,
        "dynamodb_calls": counter.dynamodb(),
        "dynamodb_calls_per_record": round(counter.dynamodb() / max(1, records_moved), 4),
        "calls_by_operation": {op: n for (svc, op), n in sorted(counter.calls.items()) if svc == "dynamodb"},
        "moved_by_type": summary.moved,
        "note": "in-process moto on 2 cores: merge_s is moto's speed, the call count is what DynamoDB would see",
    }
