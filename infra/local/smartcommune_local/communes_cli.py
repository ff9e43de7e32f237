"""``smartcommune communes merge`` and ``smartcommune communes replay-2025``: commune mergers on the local stack.

``merge`` runs one merger (or resumes it, or rolls it back with ``--rollback``) and prints its JSON summary;
``reprovision`` then moves the new commune's speakers onto its own topics and key (``reprovision_cli``).
``replay-2025`` replays the 2025 reorganisation on the demo data, which keeps the plan's 2023 names: from
1/7/2025 Giao Phong is part of Xã Giao Ninh and Bạch Long part of Xã Giao Bình, both in Ninh Bình province
(Nghị quyết 1674/NQ-UBTVQH15; Nghị quyết 202/2025/QH15); after each merger it re-provisions the speakers and
prints that step's summary too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import TYPE_CHECKING

from smartcommune_local.audit_cli import stack_environment

if TYPE_CHECKING:
    from smartcommune.communes.contracts import MergeRequest, MergeSummary
    from smartcommune.core.services import Services

REORGANISATION_2025: tuple[dict[str, object], ...] = (
    {
        "new_id": "giao-ninh",
        "name": "Xã Giao Ninh",
        "unit": "14212@2025-07-01",
        "old_ids": ["giao-phong"],
    },
    {
        "new_id": "giao-binh",
        "name": "Xã Giao Bình",
        "unit": "14194@2025-07-01",
        "old_ids": ["bach-long"],
    },
)
"""The demo's communes in the 2025 reorganisation (the others merged with them hold no demo data)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="communes_command", required=True, metavar="ACTION")
    merge = sub.add_parser("merge", help="sáp nhập xã / merge communes into a new (or an existing) one")
    merge.add_argument("--new-id", required=True, metavar="ID", help="mã xã mới, ví dụ giao-binh")
    merge.add_argument("--name", required=True, metavar="NAME", help="tên xã mới, ví dụ 'Xã Giao Bình'")
    merge.add_argument("--province", required=True, metavar="PROVINCE_ID", help="mã tỉnh, ví dụ ninh-binh")
    merge.add_argument("--province-name", default="", metavar="NAME", help="tên tỉnh, ví dụ 'Tỉnh Ninh Bình'")
    merge.add_argument("--effective", required=True, metavar="YYYY-MM-DD", help="ngày có hiệu lực")
    merge.add_argument("--unit", default=None, metavar="REF", help="mã đơn vị hành chính, ví dụ 14194@2025-07-01")
    merge.add_argument("--rollback", action="store_true", help="hủy cuộc sáp nhập dở dang / undo an unfinished one")
    merge.add_argument("old_ids", nargs="+", metavar="OLD_ID", help="các xã được sáp nhập")
    merge.set_defaults(handler=merge_command)
    hamlets = sub.add_parser("merge-hamlets", help="sáp nhập xóm trong một xã / merge hamlets of one commune")
    hamlets.add_argument("--commune", required=True, metavar="ID")
    hamlets.add_argument("--into", required=True, metavar="HAMLET_ID", help="mã xóm sau sáp nhập (mới hoặc một xóm cũ)")
    hamlets.add_argument("--name", required=True, metavar="NAME", help="tên xóm sau sáp nhập, ví dụ 'Xóm Đông Thành'")
    hamlets.add_argument("--effective", required=True, metavar="YYYY-MM-DD")
    hamlets.add_argument("--resolution", default=None, metavar="TEXT", help="nghị quyết / the resolution")
    hamlets.add_argument("old_ids", nargs="+", metavar="OLD_HAMLET_ID")
    hamlets.set_defaults(handler=merge_hamlets_command)
    backfill = sub.add_parser(
        "backfill-tenants",
        help="một lần cho bảng cũ: gắn TENANT cho mọi bản ghi / once for an older table: give every record TENANT",
    )
    backfill.set_defaults(handler=backfill_command)
    replay = sub.add_parser("replay-2025", help="dữ liệu mẫu: sáp nhập năm 2025 / demo: replay the 2025 mergers")
    replay.set_defaults(handler=replay_command)
    from smartcommune_local.reprovision_cli import add_arguments as add_reprovision

    add_reprovision(sub)


def _services() -> Services:
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.core.wiring import bound_table

    services = Services(Settings.from_env(stack_environment()))
    services.get(bound_table)
    return services


def run_merge(services: Services, request: MergeRequest, *, rollback: bool = False) -> MergeSummary:
    from smartcommune.composition import commune_merger

    merger = commune_merger(services)
    return merger.rollback(request.new_id) if rollback else merger.merge(request)


def merge_command(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from smartcommune.communes.contracts import MergeRequest
    from smartcommune.core.errors import SmartCommuneError

    try:
        request = MergeRequest(
            new_id=args.new_id,
            name=args.name,
            province_id=args.province,
            province=args.province_name,
            effective=dt.date.fromisoformat(args.effective),
            old_ids=args.old_ids,
            unit=args.unit,
        )
        summary = run_merge(_services(), request, rollback=args.rollback)
    except (ValidationError, ValueError) as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        return 2
    except SmartCommuneError as exc:
        print(json.dumps({"error": exc.message, "error_en": exc.message_en}, ensure_ascii=False))
        return 1
    print(summary.model_dump_json())
    return 0 if summary.lost == 0 else 1


def replay_command(_args: argparse.Namespace) -> int:
    from smartcommune.communes.contracts import MergeRequest
    from smartcommune_local.reprovision_cli import close, local_services, run_reprovision

    services = local_services(_services())
    worst = 0
    try:
        for step in REORGANISATION_2025:
            request = MergeRequest.model_validate(
                {**step, "province_id": "ninh-binh", "province": "Tỉnh Ninh Bình", "effective": "2025-07-01"}
            )
            summary = run_merge(services, request)
            print(summary.model_dump_json(), flush=True)
            worst = max(worst, 1 if summary.lost else 0)
            if summary.state == "done":  # the speakers follow: onto the new commune's topics and key
                moved = run_reprovision(services, request.new_id, wait_s=30.0)
                print(moved.model_dump_json(), flush=True)
                worst = max(worst, 1 if moved.failed else 0)
    finally:
        close(services)
    return worst


def merge_hamlets_command(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from smartcommune.communes.contracts import HamletMergeRequest
    from smartcommune.composition import hamlet_merger
    from smartcommune.core.errors import SmartCommuneError

    try:
        request = HamletMergeRequest(
            commune_id=args.commune,
            into_id=args.into,
            name=args.name,
            effective=dt.date.fromisoformat(args.effective),
            old_ids=args.old_ids,
            resolution=args.resolution,
        )
        summary = hamlet_merger(_services()).merge(request)
    except (ValidationError, ValueError) as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        return 2
    except SmartCommuneError as exc:
        print(json.dumps({"error": exc.message, "error_en": exc.message_en}, ensure_ascii=False))
        return 1
    print(summary.model_dump_json())
    return 0


def backfill_command(_args: argparse.Namespace) -> int:
    from smartcommune.communes.wiring import tenant_mover

    print(json.dumps({"updated": _services().get(tenant_mover).backfill()}))
    return 0


def merged_away(services: Services, commune_id: str) -> bool:
    """Whether a demo commune was merged into another (``communes replay-2025``): nothing is seeded under it again."""
    from smartcommune.communes.wiring import commune_repository

    profile = services.get(commune_repository).profile(commune_id)
    return profile is not None and profile.merged_into is not None
