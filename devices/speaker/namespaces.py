"""The topic namespaces a speaker listens on, and their command keys (pure: no clock, no I/O).

A speaker is provisioned under one commune (``sc/<commune>/speakers/<thing>/...``, that commune's command key).
After a merger the platform moves it (a :class:`~smartcommune.devices.contracts.ReprovisionCommand`): the new
namespace becomes *current* — where its heartbeats go and what it reports — and the old one is kept as *previous*
until the command's ``keep_old_until``, so commands already on their way on the old topics still play. Each is
accepted with its own key; a command id is played once whichever topic brought it (the agent's ``seen`` list).

The state is part of the agent's state file (``to_dict`` / ``from_dict``), written atomically: a speaker that
restarts after switching comes back on its new topics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Namespace:
    commune_id: str
    key: bytes
    until: datetime | None = None  # a previous namespace is dropped then; the current one has none


@dataclass
class Namespaces:
    current: Namespace
    previous: list[Namespace] = field(default_factory=list)

    def active(self, now: datetime) -> list[Namespace]:
        """The current namespace, then the previous ones still kept."""
        return [self.current, *(p for p in self.previous if p.until is None or now < p.until)]

    def key_for(self, commune_id: str, now: datetime) -> bytes | None:
        """The command key of ``commune_id`` if the speaker still listens there, else None."""
        return next((n.key for n in self.active(now) if n.commune_id == commune_id), None)

    def switch(self, commune_id: str, key: bytes, keep_old_until: datetime) -> None:
        """Make ``commune_id`` current; the namespace it was on is kept until ``keep_old_until``."""
        if commune_id == self.current.commune_id:
            return
        kept = [p for p in self.previous if p.commune_id not in (commune_id, self.current.commune_id)]
        self.previous = [*kept, Namespace(self.current.commune_id, self.current.key, keep_old_until)]
        self.current = Namespace(commune_id, key)

    def expire(self, now: datetime) -> list[Namespace]:
        """Drop the previous namespaces past their time; returns them (the agent unsubscribes their topics)."""
        gone = [p for p in self.previous if p.until is not None and now >= p.until]
        self.previous = [p for p in self.previous if p not in gone]
        return gone

    def to_dict(self) -> dict[str, Any]:
        return {
            "commune_id": self.current.commune_id,
            "command_key": self.current.key.hex(),
            "previous": [
                {"commune_id": p.commune_id, "command_key": p.key.hex(), "until": p.until and p.until.isoformat()}
                for p in self.previous
            ],
        }

    @classmethod
    def from_dict(cls, data: Any, default: Namespace) -> Namespaces:
        """The stored namespaces, or ``default`` (the provisioned ones) when there are none or they do not parse."""
        if not isinstance(data, dict) or not data.get("commune_id"):
            return cls(default)
        try:
            previous = [
                Namespace(
                    str(p["commune_id"]),
                    bytes.fromhex(p["command_key"]),
                    datetime.fromisoformat(p["until"]) if p.get("until") else None,
                )
                for p in data.get("previous") or []
            ]
            return cls(Namespace(str(data["commune_id"]), bytes.fromhex(data["command_key"])), previous)
        except (KeyError, TypeError, ValueError):
            return cls(default)
