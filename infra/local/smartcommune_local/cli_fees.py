"""``smartcommune fees …`` against the running local stack's data.

``fees invoices --open --limit N`` prints N open invoices, one JSON object per line:
``{"invoice_id", "household_id", "amount_vnd", "vietqr"}`` (``vietqr``: exactly what the QR code encodes).
``fees pay REFERENCE [--amount N] [--duplicate] [--forged]`` plays the bank: a signed callback to the running API.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="fees_command", required=True, metavar="ACTION")
    invoices = sub.add_parser("invoices", help="hóa đơn / invoices (JSON lines)")
    invoices.add_argument("--open", action="store_true", help="chỉ hóa đơn chưa trả / open invoices only")
    invoices.add_argument("--limit", type=int, default=10, metavar="N")
    invoices.add_argument("--commune", default="giao-phong", metavar="ID")
    invoices.set_defaults(handler=invoices_command)
    pay = sub.add_parser("pay", help="giả lập ngân hàng báo đã nhận tiền / simulate the bank's payment callback")
    pay.add_argument("reference", help="mã hóa đơn / the invoice reference (HP…)")
    pay.add_argument("--amount", type=int, default=None, help="số tiền (mặc định: số còn nợ) / default: the balance")
    pay.add_argument("--duplicate", action="store_true", help="gửi hai lần / send it twice")
    pay.add_argument("--forged", action="store_true", help="ký sai khóa / sign with a wrong key")
    pay.add_argument("--commune", default="giao-phong", metavar="ID")
    pay.set_defaults(handler=pay_command)


def _services() -> Services:
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.core.wiring import bound_table
    from smartcommune_local.audit_cli import stack_environment

    services = Services(Settings.from_env(stack_environment()))
    services.get(bound_table)
    return services


def invoices_command(args: argparse.Namespace) -> int:
    from smartcommune.fees.wiring import fee_service

    if not args.open:
        print("Chỉ hỗ trợ --open / only --open is supported", file=sys.stderr)
        return 2
    if args.limit < 1:
        print("--limit phải từ 1 / must be at least 1", file=sys.stderr)
        return 2
    service = _services().get(fee_service)
    for invoice, payload in service.open_invoices(args.commune, args.limit):
        line = {
            "invoice_id": invoice.reference,
            "household_id": invoice.household_id,
            "amount_vnd": invoice.balance_vnd,
            "vietqr": payload,
        }
        print(json.dumps(line, ensure_ascii=False))
    return 0


def pay_command(args: argparse.Namespace) -> int:
    from smartcommune.fees.wiring import fee_repository
    from smartcommune_local.payment_simulator import ProviderSimulator, http_sender
    from smartcommune_local.stack_config import StackConfig, read_stack_file

    config = StackConfig.from_env()
    running = read_stack_file(config.data_dir)
    if running is None:
        print("Stack chưa chạy (make up) / the local stack is not running (make up)", file=sys.stderr)
        return 1
    services = _services()
    invoice = services.get(fee_repository).get_invoice(args.commune, args.reference.upper())
    amount = args.amount if args.amount is not None else (invoice.balance_vnd if invoice else 0)
    if amount <= 0:
        print("Không rõ số tiền: hóa đơn không có hoặc đã trả / no amount: unknown or paid invoice", file=sys.stderr)
        return 2
    api = str(running["api_url"])
    simulator = ProviderSimulator(args.commune, services.settings.payment_key, http_sender(api))
    delivery = simulator.forged(args.reference, amount) if args.forged else simulator.pay(args.reference, amount)
    print(json.dumps({"status": delivery.status, "answer": delivery.answer}, ensure_ascii=False))
    if args.duplicate and not args.forged:
        again = simulator.duplicate(delivery)
        print(json.dumps({"status": again.status, "answer": again.answer}, ensure_ascii=False))
    return 0 if delivery.status == 200 or args.forged else 1
