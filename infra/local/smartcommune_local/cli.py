"""``smartcommune``: the developer's command line (``make up`` runs ``smartcommune up``).

Subcommands: ``up`` (the local stack), ``reset`` (wipe its saved data), ``outbox [--follow]`` (the SMS the local
stack "sent"), ``audit verify [--commune ID]``, ``fees invoices --open --limit N`` and ``fees pay REF``,
``report export --latest [--pdf] --out FILE`` and ``report verify FILE``, ``openapi``, ``package``. Each returns
the process exit code.
Heavy modules are imported by the subcommand that needs them, so ``smartcommune --help`` stays instant.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Command = Callable[[argparse.Namespace], int]


def _up(args: argparse.Namespace) -> int:
    from smartcommune_local.stack import run_up

    return run_up()


def _reset(args: argparse.Namespace) -> int:
    from smartcommune_local.persistence import wipe
    from smartcommune_local.stack_config import StackConfig, read_stack_file

    config = StackConfig.from_env()
    running = read_stack_file(config.data_dir)
    if running is not None:
        print(
            f"Stack đang chạy (pid {running['pid']}): hãy dừng nó trước (Ctrl-C). / "
            f"The stack is running (pid {running['pid']}): stop it first (Ctrl-C).",
            file=sys.stderr,
        )
        return 1
    removed = wipe(config.data_dir)
    (config.data_dir / "stack.json").unlink(missing_ok=True)
    if removed:
        print(f"Đã xóa dữ liệu cục bộ / local data wiped: {', '.join(str(p) for p in removed)}")
    else:
        print(f"Không có dữ liệu để xóa / nothing to wipe in {config.data_dir}")
    return 0


def format_outbox_line(line: str) -> str:
    """One outbox record (JSON) as a readable line: time (Vietnam), recipient, text."""
    try:
        record: dict[str, Any] = json.loads(line)
    except ValueError:
        return line.rstrip("\n")
    when = str(record.get("sent_at") or record.get("time") or record.get("timestamp") or "")
    try:
        from datetime import datetime

        from smartcommune.core.contracts import VN_TZ

        when = datetime.fromisoformat(when.replace("Z", "+00:00")).astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S")
    except ValueError:
        pass
    to = record.get("to") or record.get("phone") or record.get("phone_number") or ""
    text = record.get("text") or record.get("message") or record.get("body") or ""
    return f"{when}  {to}  {text}"


def _outbox(args: argparse.Namespace) -> int:
    from smartcommune_local.stack_config import StackConfig

    path: Path = StackConfig.from_env().outbox_path
    if not path.exists() and not args.follow:
        print(f"Hộp thư SMS trống / the SMS outbox is empty ({path})")
        return 0
    position = 0
    try:
        while True:
            if path.exists():
                with path.open(encoding="utf-8") as fh:
                    fh.seek(position)
                    while line := fh.readline():
                        if not line.endswith("\n"):
                            break  # a record still being written: read it whole next time
                        position += len(line.encode("utf-8"))
                        if line.strip():
                            print(format_outbox_line(line), flush=True)
            if not args.follow:
                return 0
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0


def _audit(args: argparse.Namespace) -> int:
    from smartcommune_local.audit_cli import verify_command

    return int(verify_command(args))


def _openapi(args: argparse.Namespace) -> int:
    from smartcommune_local.packaging import openapi_command

    return int(openapi_command(args))


def _package(args: argparse.Namespace) -> int:
    from smartcommune_local.packaging import package_command

    return int(package_command(args))


def _broadcast(args: argparse.Namespace) -> int:
    from smartcommune_local.cli_broadcast import broadcast_command

    return int(broadcast_command(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smartcommune",
        description="SmartCommune — công cụ phát triển / developer tools (local stack, data, packaging).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = sub.add_parser(
        "up",
        help="chạy toàn bộ hệ thống trên máy / run the whole platform locally",
        description="Ports: PORT (API, 8000), WEB_PORT (edge, 8080), SMARTCOMMUNE_MOTO_PORT (4566); data: DATA_DIR.",
    )
    up.set_defaults(handler=_up)

    reset = sub.add_parser("reset", help="xóa dữ liệu cục bộ (không xóa mã) / wipe local data (not the code)")
    reset.set_defaults(handler=_reset)

    outbox = sub.add_parser("outbox", help="xem SMS đã 'gửi' cục bộ (mã OTP) / show the local SMS outbox")
    outbox.add_argument("--follow", "-f", action="store_true", help="chờ tin mới / keep printing new messages")
    outbox.set_defaults(handler=_outbox)

    audit = sub.add_parser("audit", help="nhật ký kiểm toán / audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = audit_sub.add_parser("verify", help="kiểm tra chuỗi băm / verify the hash chains")
    verify.add_argument("--commune", metavar="ID", help="chỉ một xã / only this commune")
    verify.set_defaults(handler=_audit)

    broadcast = sub.add_parser("broadcast", help="soạn, duyệt và phát một bản tin / draft, approve and send a bulletin")
    from smartcommune_local.cli_broadcast import add_arguments

    add_arguments(broadcast)
    broadcast.set_defaults(handler=_broadcast)

    communes = sub.add_parser("communes", help="xã: sáp nhập / communes: mergers")
    from smartcommune_local.communes_cli import add_arguments as add_communes_arguments

    add_communes_arguments(communes)

    fees = sub.add_parser("fees", help="phí, hóa đơn, thanh toán / fees, invoices, payments")
    from smartcommune_local.cli_fees import add_arguments as add_fee_arguments

    add_fee_arguments(fees)

    report = sub.add_parser("report", help="báo cáo có chữ ký / signed reports: export, verify")
    from smartcommune_local.cli_reports import add_arguments as add_report_arguments

    add_report_arguments(report)

    openapi = sub.add_parser("openapi", help="in tài liệu OpenAPI / print the OpenAPI document")
    openapi.set_defaults(handler=_openapi)

    package = sub.add_parser("package", help="đóng gói để triển khai / build the deployable package")
    package.set_defaults(handler=_package)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Command = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
