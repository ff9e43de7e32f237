"""The speaker's side of re-provisioning: move onto a new commune's topics and key without a gap in service.

A :class:`~smartcommune.devices.contracts.ReprovisionCommand` arrives on one of the speaker's ``cmd`` topics. The
speaker checks it with the key of the namespace it names (the one it is sent under), that it is for this thing,
and that it has not expired; acks ``received``; opens the sealed key (HKDF from that key and the thing name, then
AES-GCM: ``smartcommune.devices.logic.reprovision``); then, following the switch-over rule ``new-first``:

1. subscribes to the new namespace's topics, keeping the old ones (IoT Core may refuse the new ones for a few
   minutes after the platform allowed them — policies are cached — so a refusal is retried every 30 s while the
   command is valid, and the platform's own retries ask again);
2. stores the new namespace and key in its state file (atomic, flushed), the old one kept until ``keep_old_until``;
3. acks ``finished`` on the topic the command came on: only then does the platform flip its registry.

The command is idempotent: once switched, a repeat (a retry whose ack was lost) is answered ``finished`` again,
then ``duplicate``. A command that fails a check is answered ``failed`` and changes nothing: the speaker stays on
its old topics and keeps playing.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from pydantic import ValidationError

from smartcommune.devices.contracts import SWITCH_NEW_FIRST, ReprovisionCommand, verify_command
from smartcommune.devices.logic.reprovision import SealError, open_sealed_key
from smartcommune.devices.storage.mqtt import MqttError

if TYPE_CHECKING:
    from devices.speaker.agent import SpeakerAgent

log = logging.getLogger("devices.speaker")

SUBSCRIBE_RETRY_S = 30.0
SUBSCRIBE_ATTEMPTS = 20


class Reprovisioner:
    """One speaker's handling of re-provisioning commands."""

    def __init__(self, agent: SpeakerAgent) -> None:
        self._agent = agent
        self._lock = threading.Lock()  # one switch at a time, whichever delivery brought the command
        self.switched: list[str] = []  # command ids switched on (tests read it)

    def handle(self, payload: bytes, reply: str) -> None:
        agent = self._agent
        now = agent.runtime.clock()
        try:
            command = ReprovisionCommand.model_validate_json(payload)
        except ValidationError:
            agent.ack("unknown", "failed", now, "invalid command / lệnh không hợp lệ", namespace=reply)
            return
        key = agent.namespaces.key_for(command.commune_id, now)
        fail = None
        if key is None:
            fail = "wrong commune / sai xã"
        elif not verify_command(command, key):
            fail = "bad signature / chữ ký không hợp lệ"
        elif command.thing != agent.config.thing:
            fail = "not for this speaker / không phải loa này"
        elif command.switch != SWITCH_NEW_FIRST:
            fail = "unknown switch-over rule / quy tắc chuyển không hỗ trợ"
        if fail is not None or key is None:
            agent.ack(command.command_id, "failed", now, fail or "", namespace=reply)
            return
        if agent.namespaces.current.commune_id == command.new_commune_id:
            agent.ack(command.command_id, "finished", now, "switched / đã chuyển", namespace=reply)
            agent.ack(command.command_id, "duplicate", now, "already handled / đã xử lý", namespace=reply)
            return
        if now >= command.expires_at:
            detail = "expired before delivery / hết hạn trước khi nhận"
            agent.ack(command.command_id, "expired", now, detail, namespace=reply)
            return
        agent.ack(command.command_id, "received", now, namespace=reply)
        # not on the MQTT client's thread: subscribing waits for the broker's answer
        agent.runtime.fetch_pool.submit(self._switch, command, key, reply, 1)

    def _switch(self, command: ReprovisionCommand, old_key: bytes, reply: str, attempt: int) -> None:
        agent = self._agent
        try:
            new_key = open_sealed_key(old_key, command)
        except SealError:
            detail = "sealed key does not open / không mở được khóa"
            agent.ack(command.command_id, "failed", agent.runtime.clock(), detail, namespace=reply)
            return
        with self._lock:
            if agent.namespaces.current.commune_id != command.new_commune_id:
                client = agent.client
                try:
                    if client is None:
                        raise MqttError("offline")
                    agent.subscribe_namespace(client, command.new_commune_id)  # 1. the new topics first
                except MqttError as exc:
                    self._again(command, old_key, reply, attempt, exc)
                    return
                agent.namespaces.switch(command.new_commune_id, new_key, command.keep_old_until)
                agent.save_state()  # 2. durably, before the ack
                self.switched.append(command.command_id)
        agent.ack(command.command_id, "finished", agent.runtime.clock(), "switched / đã chuyển", namespace=reply)
        agent.expire_namespaces()  # schedules the old topics' end
        agent.send_heartbeat()  # from now on under the new commune
        agent.request_shadow()
        log.info("%s: now on %s's topics", agent.config.thing, command.new_commune_id)

    def _again(self, command: ReprovisionCommand, old_key: bytes, reply: str, attempt: int, exc: Exception) -> None:
        agent = self._agent
        when = agent.runtime.clock.timestamp() + SUBSCRIBE_RETRY_S
        if attempt >= SUBSCRIBE_ATTEMPTS or when >= command.expires_at.timestamp():
            log.warning("%s: new topics still refused, waiting for the platform's retry: %s", agent.config.thing, exc)
            return
        log.info("%s: new topics refused (%s), trying again in %.0f s", agent.config.thing, exc, SUBSCRIBE_RETRY_S)

        def again() -> None:
            agent.runtime.fetch_pool.submit(self._switch, command, old_key, reply, attempt + 1)

        agent.runtime.scheduler.at(when, again)
