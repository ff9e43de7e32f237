"""``smartcommune communes reprovision NEW_ID``: after a merger, move the commune's speakers onto its own topics.

Runs against the running stack (``<DATA_DIR>/stack.json``): it lets each speaker use the new commune's topics too
(the things' attributes in the IoT registry, and the local broker's ACL, reloaded), sends each a signed
re-provisioning command on the topics it is on (the new key sealed for it), then waits for their acks — the
stack's ack handler flips each speaker in the registry as its ack comes in — and prints one JSON line::

    {"commune_id": "giao-ninh", "speakers": 40, "already": 0, "reprovisioned": 40, "pending": 0, "failed": 0, …}

Run it again to resend to speakers still pending (same command id) or start over for failed ones; the stack's
``devices_retry`` keeps resending to pending ones for a week. ``--drop-old`` later stops allowing the topics the
speakers left (for those switched more than an hour ago: play commands sent just before the switch have expired).
``communes replay-2025`` runs this step after each of its mergers.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.devices.contracts import ReprovisionSummary
    from smartcommune.devices.storage.publishers import CommandPublisher
    from smartcommune.devices.storage.reprovisioning import ThingPolicy


def add_arguments(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "reprovision",
        help="chuyển loa sang chủ đề và khóa của xã mới / move speakers onto the new commune's topics and key",
    )
    parser.add_argument("commune", metavar="NEW_ID", help="mã xã mới, ví dụ giao-ninh")
    parser.add_argument("--wait", type=float, default=30.0, metavar="S", help="chờ phản hồi tối đa S giây")
    parser.add_argument(
        "--drop-old", action="store_true", help="thu hồi chủ đề cũ / stop allowing the old topics (after the switch)"
    )
    parser.add_argument("--min-age", type=float, default=None, metavar="S", help=argparse.SUPPRESS)
    parser.set_defaults(handler=reprovision_command)


class _Both:
    """The IoT registry's thing attributes (as in AWS) and the local broker's ACL, bound alike."""

    def __init__(self, policies: Sequence[ThingPolicy]) -> None:
        self._policies = policies

    def bind(self, namespaces: Mapping[str, Sequence[str]]) -> set[str]:
        missing: set[str] = set()
        for policy in self._policies:
            missing |= policy.bind(namespaces)
        return missing


def local_thing_policy(services: Services, data_dir: Path) -> None:
    """Bind speakers in the moto IoT registry (as in AWS) and in the local broker's ACL under ``data_dir``."""
    from smartcommune.core.aws import client
    from smartcommune.devices.storage.reprovisioning import IotThingPolicy
    from smartcommune.devices.wiring import thing_policy
    from smartcommune_local.broker import BrokerAclPolicy

    both: ThingPolicy = _Both(
        [IotThingPolicy(client("iot", services.settings)), BrokerAclPolicy(Path(data_dir) / "mosquitto")]
    )
    services.override(thing_policy, both)


def local_services(services: Services) -> Services:
    """``services`` with this process's own broker connection and the broker's ACL among the policies."""
    from smartcommune.devices.storage.publishers import MqttPublisher
    from smartcommune.devices.wiring import command_publisher

    settings = services.settings
    if settings.fanout_transport == "mqtt":
        # A client id of its own: the stack's fan-out is connected as "platform-fanout" and would be taken over.
        publisher: CommandPublisher = MqttPublisher(settings, client_id=f"platform-reprovision-{os.getpid()}")
        services.override(command_publisher, publisher)
        local_thing_policy(services, Path(os.environ.get("DATA_DIR") or Path(__file__).resolve().parents[3] / ".local"))
    return services


def run_reprovision(services: Services, commune_id: str, wait_s: float) -> ReprovisionSummary:
    from smartcommune.devices.wiring import speaker_reprovisioning

    reprovisioning = services.get(speaker_reprovisioning)
    since = services.clock()
    started = reprovisioning.start(commune_id)
    return reprovisioning.wait(commune_id, started, since=since, timeout_s=wait_s)


def close(services: Services) -> None:
    from smartcommune.devices.wiring import command_publisher

    publisher = services.get(command_publisher)
    closer = getattr(publisher, "close", None)
    if closer is not None:
        closer()


def reprovision_command(args: argparse.Namespace) -> int:
    from smartcommune.core.errors import SmartCommuneError
    from smartcommune.devices.wiring import speaker_reprovisioning
    from smartcommune_local.communes_cli import _services

    services = local_services(_services())
    try:
        if args.drop_old:
            reprovisioning = services.get(speaker_reprovisioning)
            kw = {} if args.min_age is None else {"min_age_s": args.min_age}
            print(json.dumps({"commune_id": args.commune, **reprovisioning.drop_old(args.commune, **kw)}))
            return 0
        summary = run_reprovision(services, args.commune, args.wait)
    except SmartCommuneError as exc:
        print(json.dumps({"error": exc.message, "error_en": exc.message_en}, ensure_ascii=False))
        return 1
    finally:
        close(services)
    print(summary.model_dump_json())
    return 0 if summary.failed == 0 and summary.pending == 0 else 1
