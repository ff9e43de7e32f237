"""``smartcommune province client …``: the province API's clients (against the running stack's table, or the
deployment's when run with its environment).

``create --province ID [--label TEXT] [--iam-arn ARN]`` prints ``Province API keys: ACCESS_KEY_ID SECRET`` once (the
secret is kept only encrypted); ``rotate ACCESS_KEY_ID`` issues a new pair and revokes the old one; ``revoke
ACCESS_KEY_ID``; ``list --province ID`` (one JSON object per line, never a secret).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.province.contracts import IssuedClient


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="province_command", required=True, metavar="WHAT")
    client = sub.add_parser("client", help="khóa truy cập của hệ thống tỉnh / the province's API clients")
    actions = client.add_subparsers(dest="client_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="tạo khóa mới / create a client and its keys")
    create.add_argument("--province", required=True, metavar="ID", help="mã tỉnh, vd. nam-dinh / province id")
    create.add_argument("--label", default="province system", help="tên hệ thống / what system uses it")
    create.add_argument("--iam-arn", default=None, metavar="ARN", help="AWS: the IAM role or user that signs")
    create.add_argument(
        "--may-reorganise",
        action="store_true",
        help="được ra lệnh sáp nhập xã (POST /province/v1/mergers) / may order commune mergers",
    )
    create.set_defaults(handler=create_command)
    rotate = actions.add_parser("rotate", help="cấp cặp khóa mới, thu hồi khóa cũ / new keys, the old revoked")
    rotate.add_argument("access_key_id")
    rotate.set_defaults(handler=rotate_command)
    revoke = actions.add_parser("revoke", help="thu hồi khóa / revoke a client")
    revoke.add_argument("access_key_id")
    revoke.set_defaults(handler=revoke_command)
    listing = actions.add_parser("list", help="liệt kê khóa của một tỉnh / list a province's clients")
    listing.add_argument("--province", required=True, metavar="ID")
    listing.set_defaults(handler=list_command)


def _services() -> Services:
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.core.wiring import bound_table
    from smartcommune_local.audit_cli import stack_environment

    services = Services(Settings.from_env(stack_environment()))
    services.get(bound_table)
    return services


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _issued(issued: IssuedClient) -> int:
    # Other tools read this line: keep it worded exactly (as ``make up`` prints the demo client's).
    print(f"Province API keys: {issued.client.access_key_id} {issued.secret_access_key}")
    print(
        f"  tỉnh / province: {issued.client.province_id} — khóa bí mật chỉ hiện một lần / the secret is shown once",
        file=sys.stderr,
    )
    return 0


def create_command(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from smartcommune.province.contracts import NewProvinceClient
    from smartcommune.province.wiring import province_clients

    try:
        request = NewProvinceClient(
            province_id=args.province, label=args.label, iam_arn=args.iam_arn, may_reorganise=args.may_reorganise
        )
    except ValidationError as exc:
        print(f"Tham số không hợp lệ / invalid arguments: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    return _issued(_services().get(province_clients).create(request, _operator()))


def rotate_command(args: argparse.Namespace) -> int:
    from smartcommune.core.errors import NotFoundError
    from smartcommune.province.wiring import province_clients

    try:
        issued = _services().get(province_clients).rotate(args.access_key_id, _operator())
    except NotFoundError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 1
    print(f"  đã thu hồi / revoked: {args.access_key_id}", file=sys.stderr)
    return _issued(issued)


def revoke_command(args: argparse.Namespace) -> int:
    from smartcommune.core.errors import NotFoundError
    from smartcommune.province.wiring import province_clients

    try:
        client = _services().get(province_clients).revoke(args.access_key_id)
    except NotFoundError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 1
    print(f"Đã thu hồi / revoked: {client.access_key_id} ({client.province_id})")
    return 0


def list_command(args: argparse.Namespace) -> int:
    from smartcommune.province.wiring import province_clients

    for client in _services().get(province_clients).list_for(args.province):
        print(client.model_dump_json())
    return 0
