"""Play commands sent in a commune and each speaker's answers: the command record and the delivery rows.

Its own room because it is the state machine's storage (create, ack, resend bookkeeping, close), read by the
fan-out (``devices.storage.fanout``) and written by the ack handler, and never about the speakers themselves.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from pynamodb.exceptions import PutError, TransactWriteError

from smartcommune.core.errors import NotFoundError
from smartcommune.core.table import MainTable, commune_pk, transaction
from smartcommune.devices.contracts import CommandAck, PlayCommand, ReprovisionPlan
from smartcommune.devices.logic import DeliveryRow, apply_ack
from smartcommune.devices.storage.items import CommandItem, DeliveryItem, command_pk

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

log = logging.getLogger(__name__)


class LiveState(Protocol):
    """The speakers' live state (``DeviceRepository``): last command, its state, playing."""

    def add_command_state(self, tx: TransactWrite, thing: str, command_id: str, state: str, at: datetime) -> None: ...

    def record_command_state(self, thing: str, command_id: str, state: str, at: datetime) -> None: ...


# 50 speakers per transaction: their delivery row and their live state are two of DynamoDB's 100 actions
_TX_SPEAKERS = 50


@dataclass
class CommandRecord:
    command: PlayCommand | ReprovisionPlan
    targets: list[str]
    attempts: dict[str, int]
    sent_at: datetime
    last_sent_at: datetime

    @property
    def kind(self) -> str:
        return "reprovision" if isinstance(self.command, ReprovisionPlan) else "play"


def _record_of(item: CommandItem) -> CommandRecord:
    command: PlayCommand | ReprovisionPlan
    if item.command_kind == "reprovision":
        command = ReprovisionPlan.model_validate_json(item.command_json)
    else:
        command = PlayCommand.model_validate_json(item.command_json)
    return CommandRecord(
        command=command,
        targets=[str(t) for t in item.targets],
        attempts={k: int(v) for k, v in json.loads(item.attempts_json).items()},
        sent_at=item.sent_at,
        last_sent_at=item.last_sent_at,
    )


def _row_of(item: DeliveryItem, attempts: int) -> DeliveryRow:
    return DeliveryRow(
        thing=item.thing,
        state=item.state,  # type: ignore[arg-type]
        attempts=attempts,
        acked_at=item.acked_at,
        started_at=item.started_at,
        finished_at=item.finished_at,
        detail=item.detail,
    )


class DeliveryStore:
    """Commands sent in one commune and each speaker's answers."""

    def __init__(self, commune_id: str) -> None:
        self.commune_id = commune_id
        self._cache: dict[str, CommandRecord] = {}

    def create(self, command: PlayCommand, targets: list[str], sent_at: datetime) -> None:
        c = command
        CommandItem(
            command_pk(self.commune_id, c.command_id),
            "META",
            command_id=c.command_id,
            commune_id=self.commune_id,
            bulletin_id=c.bulletin_id,
            priority=c.priority,
            command_json=c.to_json().decode("utf-8"),
            targets=targets,
            attempts_json=json.dumps(dict.fromkeys(targets, 1)),
            start_at=c.start_at,
            expires_on=c.expires_at,
            sent_at=sent_at,
            last_sent_at=sent_at,
            gsi1pk=commune_pk(self.commune_id, "BULLETIN", c.bulletin_id),
            gsi1sk=f"CMD#{sent_at.isoformat()}#{c.command_id}",
            gsi2pk=commune_pk(self.commune_id, "OPENCMD"),
            gsi2sk=c.expires_at.isoformat(),
        ).save()

    def create_reprovision(self, plan: ReprovisionPlan, targets: list[str], sent_at: datetime) -> None:
        """Record a re-provisioning run: open (``OPENCMD``) like a play command, so retries and acks treat it alike."""
        CommandItem(
            command_pk(self.commune_id, plan.command_id),
            "META",
            command_kind="reprovision",
            command_id=plan.command_id,
            commune_id=self.commune_id,
            bulletin_id="reprovision",
            priority="priority",
            command_json=plan.to_json().decode("utf-8"),
            targets=targets,
            attempts_json=json.dumps(dict.fromkeys(targets, 1)),
            start_at=plan.start_at,
            expires_on=plan.expires_at,
            sent_at=sent_at,
            last_sent_at=sent_at,
            gsi1pk=commune_pk(self.commune_id, "REPROVISION"),
            gsi1sk=f"CMD#{sent_at.isoformat()}#{plan.command_id}",
            gsi2pk=commune_pk(self.commune_id, "OPENCMD"),
            gsi2sk=plan.expires_at.isoformat(),
        ).save(condition=CommandItem.pk.does_not_exist())

    def command(self, command_id: str) -> CommandRecord:
        cached = self._cache.get(command_id)
        if cached is not None:
            return cached
        try:
            record = _record_of(CommandItem.get(command_pk(self.commune_id, command_id), "META"))
        except CommandItem.DoesNotExist as exc:
            raise NotFoundError("Không tìm thấy lệnh phát.", message_en="Play command not found.") from exc
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[command_id] = record
        return record

    def latest_for_bulletin(self, bulletin_id: str) -> str | None:
        for item in CommandItem.gsi1.query(
            commune_pk(self.commune_id, "BULLETIN", bulletin_id), scan_index_forward=False, limit=1
        ):
            return str(getattr(item, "command_id"))  # noqa: B009
        return None

    def load(self, command_id: str) -> tuple[CommandRecord, dict[str, DeliveryRow]]:
        """The command (fresh, not cached) and every delivery row, in one query."""
        record: CommandRecord | None = None
        items: list[DeliveryItem] = []
        for item in MainTable.query(command_pk(self.commune_id, command_id)):
            if isinstance(item, CommandItem):
                record = _record_of(item)
            elif isinstance(item, DeliveryItem):
                items.append(item)
        if record is None:
            raise NotFoundError("Không tìm thấy lệnh phát.", message_en="Play command not found.")
        rows = {i.thing: _row_of(i, record.attempts.get(i.thing, 1)) for i in items}
        return record, rows

    def apply_ack(self, ack: CommandAck, received_at: datetime) -> DeliveryRow | None:
        """Record one ack (state only moves forward); None when the command or target is unknown."""
        try:
            record = self.command(ack.command_id)
        except NotFoundError:
            return None
        if ack.thing not in record.targets:
            return None
        pk = command_pk(self.commune_id, ack.command_id)
        for _ in range(8):
            try:
                item = DeliveryItem.get(pk, f"T#{ack.thing}", consistent_read=True)
            except DeliveryItem.DoesNotExist:
                item = DeliveryItem(pk, f"T#{ack.thing}", thing=ack.thing, command_id=ack.command_id, state="sent")
            row = _row_of(item, record.attempts.get(ack.thing, 1))
            if not apply_ack(row, ack.state, ack.at, received_at, ack.detail):
                return row
            _copy_row(row, item)
            try:
                item.save()  # VersionAttribute: conditional on the version read (or on absence)
                return row
            except PutError:
                continue  # another ack for this speaker won the race: read again
        return None

    def apply_acks(self, acks: Sequence[tuple[CommandAck, datetime]], live_state: LiveState | None = None) -> int:
        """Record a batch of acks (one commune): per 100 speakers one read and per 50 one transaction.

        Acks are applied in the order the speakers took them (``at``), each speaker's state only moving forward,
        so a batch redelivered, duplicated or out of order leaves the same rows. A transaction is conditioned on
        each row's version: when a concurrent batch wrote one of its rows first, its acks are applied one by one
        (``apply_ack`` reads again). Returns how many delivery rows changed.
        """
        by_command: dict[str, list[tuple[CommandAck, datetime]]] = {}
        for ack, received_at in acks:
            by_command.setdefault(ack.command_id, []).append((ack, received_at))
        return sum(self._apply_command_acks(cid, group, live_state) for cid, group in by_command.items())

    def _apply_command_acks(
        self, command_id: str, acks: list[tuple[CommandAck, datetime]], live_state: LiveState | None
    ) -> int:
        try:
            record = self.command(command_id)
        except NotFoundError:
            return 0  # a command of another stage or long deleted: nothing to report on
        targets = set(record.targets)
        group = [(a, r) for a, r in acks if a.thing in targets]
        pk = command_pk(self.commune_id, command_id)
        things = sorted({a.thing for a, _ in group})
        items: dict[str, DeliveryItem] = {}
        for start in range(0, len(things), 100):
            keys = [(pk, f"T#{t}") for t in things[start : start + 100]]
            items.update({i.thing: i for i in DeliveryItem.batch_get(keys, consistent_read=True)})
        dirty: dict[str, datetime] = {}  # thing -> when its latest applied ack was received
        for ack, received_at in sorted(group, key=lambda pair: pair[0].at):
            item = items.get(ack.thing) or DeliveryItem(
                pk, f"T#{ack.thing}", thing=ack.thing, command_id=command_id, state="sent"
            )
            items[ack.thing] = item
            row = _row_of(item, record.attempts.get(ack.thing, 1))
            if apply_ack(row, ack.state, ack.at, received_at, ack.detail):
                _copy_row(row, item)
                dirty[ack.thing] = received_at
        names = sorted(dirty)
        for start in range(0, len(names), _TX_SPEAKERS):
            chunk = names[start : start + _TX_SPEAKERS]
            try:
                with transaction() as tx:
                    for thing in chunk:
                        tx.save(items[thing])
                        if live_state is not None:
                            live_state.add_command_state(tx, thing, command_id, items[thing].state, dirty[thing])
            except TransactWriteError:
                log.info("ack batch met a concurrent write; applying %d speakers' acks one by one", len(chunk))
                self._apply_one_by_one([(a, r) for a, r in group if a.thing in set(chunk)], live_state)
        return len(names)

    def _apply_one_by_one(self, acks: list[tuple[CommandAck, datetime]], live_state: LiveState | None) -> None:
        for ack, received_at in acks:
            row = self.apply_ack(ack, received_at)
            if live_state is not None and row is not None:
                live_state.record_command_state(ack.thing, ack.command_id, row.state, received_at)

    def record_attempts(self, command_id: str, things: list[str], at: datetime) -> None:
        item = CommandItem.get(command_pk(self.commune_id, command_id), "META")
        attempts = json.loads(item.attempts_json)
        for thing in things:
            attempts[thing] = int(attempts.get(thing, 0)) + 1
        item.update(actions=[CommandItem.attempts_json.set(json.dumps(attempts)), CommandItem.last_sent_at.set(at)])
        self._cache.pop(command_id, None)

    def open_commands(self, now: datetime) -> list[str]:
        """Commands that still have speakers to hear from (expired ones are closed by the caller)."""
        return [str(getattr(i, "command_id")) for i in CommandItem.gsi2.query(commune_pk(self.commune_id, "OPENCMD"))]  # noqa: B009

    def close(self, command_id: str) -> None:
        CommandItem(command_pk(self.commune_id, command_id), "META").update(
            actions=[CommandItem.gsi2pk.remove(), CommandItem.gsi2sk.remove()]
        )


def _copy_row(row: DeliveryRow, item: DeliveryItem) -> None:
    item.state = row.state
    item.acked_at = row.acked_at
    item.started_at = row.started_at
    item.finished_at = row.finished_at
    item.detail = row.detail
