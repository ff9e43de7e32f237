"""``DeviceFanout``: the bulletins' ``Fanout`` port, composed of the registry, the deliveries and a publisher.

Sign, record, publish at once; report a command's deliveries; resend to speakers that have not answered. The
only module that ties the others of ``devices.storage`` together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from smartcommune.core.errors import InvalidInputError, NotFoundError
from smartcommune.devices.contracts import (
    CommandAck,
    DeliveryBatch,
    DeliveryReport,
    PlayCommand,
    Priority,
    ReprovisionPlan,
    Speaker,
    cmd_topic,
    commune_command_key,
    sign_command,
    utc_ms,
)
from smartcommune.devices.logic import (
    FINAL_STATES,
    DeliveryRow,
    RetryPolicy,
    build_command,
    choose_expires_at,
    choose_start_at,
    delivery_report,
    plan_targets,
)
from smartcommune.devices.logic.reprovision import REPROVISION_RETRY
from smartcommune.devices.storage.deliveries import DeliveryStore
from smartcommune.devices.storage.registry import DeviceRepository
from smartcommune.devices.storage.reprovisioning import flip_acked, publish_reprovision

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings
    from smartcommune.devices.storage.publishers import CommandPublisher

Clock = Callable[[], datetime]


@dataclass
class DeviceFanout:
    """Implements the bulletins' ``Fanout`` port: sign, record, publish at once; acks arrive asynchronously."""

    settings: Settings
    clock: Clock
    publisher: CommandPublisher
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    _stores: dict[str, DeliveryStore] = field(default_factory=dict)

    def registry(self, commune_id: str) -> DeviceRepository:
        return DeviceRepository(commune_id, self.settings.speaker_offline_after_s)

    def deliveries(self, commune_id: str) -> DeliveryStore:
        if commune_id not in self._stores:
            self._stores[commune_id] = DeliveryStore(commune_id)
        return self._stores[commune_id]

    def key(self, commune_id: str) -> bytes:
        return commune_command_key(self.settings.secret("command_key"), commune_id)  # Secrets Manager in AWS

    def send(  # noqa: PLR0917 (the contract's positional signature)
        self,
        commune_id: str,
        bulletin_id: str,
        targets: list[str],
        audio_url: str,
        audio_sha256: str,
        priority: Priority,
        volume: int,
        repeat: int,
        start_in_ms: int | None = None,
        *,
        expires_in_s: int | None = None,
        registry: dict[str, Speaker] | None = None,
        start_at: datetime | None = None,
    ) -> DeliveryBatch:
        """Sign one command for every target, record it, and publish it to each target's topic at once.

        ``start_at`` is a start shared with other communes' commands (``send_to_communes``); by default the
        start is chosen for this commune's targets."""
        if registry is None:
            registry = self.registry(commune_id).registry()
        known, unknown = plan_targets(targets, registry)
        if unknown:
            raise InvalidInputError(
                f"Loa không có trong danh bạ: {', '.join(unknown[:5])}",
                message_en=f"Unknown speakers: {', '.join(unknown[:5])}",
            )
        if not known:
            raise InvalidInputError("Chưa chọn loa nào.", message_en="No speaker targeted.")
        self.publisher.ready()  # the start lead is for delivery, not for opening the connection
        now = self.clock()
        start_at = utc_ms(start_at) if start_at is not None else choose_start_at(now, priority, len(known), start_in_ms)
        command = build_command(
            key=self.key(commune_id),
            commune_id=commune_id,
            bulletin_id=bulletin_id,
            audio_url=audio_url,
            audio_sha256=audio_sha256,
            priority=priority,
            volume=volume,
            repeat=repeat,
            start_at=start_at,
            expires_at=choose_expires_at(start_at, priority, expires_in_s),
        )
        self.deliveries(commune_id).create(command, known, now)
        self.publish(command, known, registry)
        return DeliveryBatch(
            command_id=command.command_id,
            bulletin_id=bulletin_id,
            commune_id=commune_id,
            priority=priority,
            targets=known,
            start_at=command.start_at,
            expires_at=command.expires_at,
            sent_at=now,
        )

    def send_to_communes(  # noqa: PLR0917 (send's signature, for many communes)
        self,
        targets: Mapping[str, list[str]],
        bulletin_id: str,
        audio_url: str,
        audio_sha256: str,
        priority: Priority,
        volume: int,
        repeat: int,
        *,
        registries: Mapping[str, dict[str, Speaker]] | None = None,
        workers: int = 16,
    ) -> list[DeliveryBatch]:
        """One alert to many communes' speakers (a province-wide emergency), all starting at the same moment.

        Every commune's registry is read first (side by side), then the start is chosen once for every target of
        every commune (lead plus publishing time for the whole fleet), so the reads do not eat the lead; then each
        commune gets its own command, signed with its own key, recorded and published side by side (a commune's
        speakers accept only their commune's commands).
        """
        pool_size = max(1, min(workers, len(targets)))
        with ThreadPoolExecutor(max_workers=pool_size) as pool:
            if registries is None:
                read = {c: pool.submit(self._registry_of, c) for c in targets}
                registries = {c: f.result() for c, f in read.items()}
            self.publisher.ready()
            start_at = choose_start_at(self.clock(), priority, sum(len(t) for t in targets.values()))
            futures = [
                pool.submit(
                    self.send,
                    commune_id,
                    bulletin_id,
                    things,
                    audio_url,
                    audio_sha256,
                    priority,
                    volume,
                    repeat,
                    registry=registries.get(commune_id),
                    start_at=start_at,
                )
                for commune_id, things in targets.items()
            ]
            return [f.result() for f in futures]

    def _registry_of(self, commune_id: str) -> dict[str, Speaker]:
        return self.registry(commune_id).registry()

    def publish(self, command: PlayCommand, things: list[str], registry: Mapping[str, Speaker] | None = None) -> None:
        """Publish ``command`` to each thing's topic; a speaker still provisioned under a merged commune gets it
        on that commune's topic, signed with that commune's key (same command id, so its ack counts here)."""
        payloads = {command.commune_id: command.to_json()}
        messages: list[tuple[str, bytes]] = []
        for thing in things:
            speaker = registry.get(thing) if registry is not None else None
            namespace = speaker.namespace if speaker is not None else command.commune_id
            if namespace not in payloads:
                variant = command.model_copy(update={"commune_id": namespace, "signature": None})
                payloads[namespace] = sign_command(variant, self.key(namespace)).to_json()
            messages.append((cmd_topic(namespace, thing), payloads[namespace]))
        self.publisher.publish_many(messages)

    def report(self, commune_id: str, bulletin_id: str, command_id: str | None = None) -> DeliveryReport:
        store = self.deliveries(commune_id)
        command_id = command_id or store.latest_for_bulletin(bulletin_id)
        if command_id is None:
            raise NotFoundError("Bản tin chưa được phát tới loa nào.", message_en="Bulletin not sent to any speaker.")
        record, rows = store.load(command_id)
        if not isinstance(record.command, PlayCommand) or record.command.bulletin_id != bulletin_id:
            raise NotFoundError("Không tìm thấy lệnh phát.", message_en="Play command not found.")
        for thing in record.targets:
            rows.setdefault(thing, DeliveryRow(thing=thing, attempts=record.attempts.get(thing, 1)))
        return delivery_report(
            commune_id=commune_id,
            bulletin_id=bulletin_id,
            command_id=command_id,
            start_at=record.command.start_at,
            expires_at=record.command.expires_at,
            targets=record.targets,
            rows=rows,
            registry=self.registry(commune_id).registry(),
            now=self.clock(),
        )

    def switch_reprovisioned(self, commune_id: str, acks: list[tuple[CommandAck, datetime]]) -> list[str]:
        """After acks are recorded: speakers whose re-provisioning ack is in move onto the new topics."""
        return flip_acked(self.deliveries(commune_id), commune_id, acks)

    def retry_pending(self, commune_id: str, *, force: bool = False) -> dict[str, list[str]]:
        """Resend open commands (same command id) to speakers that have not answered; close finished/expired ones.

        A re-provisioning run is retried the same way, on its own (slower, week-long) policy, each speaker on the
        topic it is still on. ``force`` ignores the backoff (tests, or an operator's "resend now"). Returns command
        id -> things resent.
        """
        store = self.deliveries(commune_id)
        now = self.clock()
        resent: dict[str, list[str]] = {}
        for command_id in store.open_commands(now):
            record, rows = store.load(command_id)
            if now >= record.command.expires_at:
                store.close(command_id)
                continue
            policy = REPROVISION_RETRY if record.kind == "reprovision" else self.retry_policy
            missing = []
            for thing in record.targets:
                row = rows.get(thing)
                state = row.state if row else "sent"
                attempts = record.attempts.get(thing, 1)
                if (
                    force
                    and policy.resendable(
                        state=state, attempts=attempts, start_at=record.command.start_at, now=now, grace_s=0
                    )
                ) or policy.due(
                    state=state,
                    attempts=attempts,
                    last_sent_at=record.last_sent_at,
                    expires_at=record.command.expires_at,
                    now=now,
                    start_at=record.command.start_at,
                ):
                    missing.append(thing)
            if all((rows.get(t) and rows[t].state in FINAL_STATES) for t in record.targets):
                store.close(command_id)
                continue
            if missing and isinstance(record.command, ReprovisionPlan):
                missing = publish_reprovision(self.publisher, self.key, commune_id, record.command, missing)
            elif missing and isinstance(record.command, PlayCommand):
                self.publish(record.command, missing, self.registry(commune_id).registry())
            if missing:
                store.record_attempts(command_id, missing, now)
                resent[command_id] = missing
        return resent
