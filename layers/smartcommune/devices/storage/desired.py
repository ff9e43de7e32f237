"""A person changes a loudspeaker's desired settings: the registry and the audit entry in one transaction, then
the device shadow (which the speaker follows).

Its own room because it is the one change staff make to the fabric by hand, so it ties the registry, the audit
journal and the shadow together; everything else in ``devices.storage`` is written by the platform itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from smartcommune.devices.logic import settings_audit
from smartcommune.devices.storage.registry import DeviceRepository

if TYPE_CHECKING:
    from smartcommune.audit.logic import AuditJournal
    from smartcommune.core.principal import Principal
    from smartcommune.devices.contracts import SpeakerSettingsUpdate, SpeakerState
    from smartcommune.devices.storage.shadows import ShadowStore


class SpeakerSettings:
    """``PUT /devices/speakers/{thing}/settings``: audited, in the caller's commune only."""

    def __init__(
        self,
        *,
        journal: AuditJournal,
        shadows: ShadowStore,
        clock: Callable[[], datetime],
        offline_after_s: int = 90,
    ) -> None:
        self._journal = journal
        self._shadows = shadows
        self._clock = clock
        self._offline_after_s = offline_after_s

    def change(
        self, caller: Principal, thing: str, change: SpeakerSettingsUpdate, request_id: str | None = None
    ) -> SpeakerState:
        """Set the speaker's desired volumes (404 for a speaker of another commune); nothing given, nothing done."""
        repo = DeviceRepository(caller.commune_id, self._offline_after_s)
        before = repo.state(thing, self._clock())
        desired = change.model_dump(exclude_none=True)
        if desired:
            audit = settings_audit(caller, before, change, request_id)
            repo.set_desired(before, change.volume, change.emergency_volume, journal=self._journal, audit=audit)
            self._shadows.desire(before.namespace, thing, desired)  # the topics the speaker listens on
        return repo.state(thing, self._clock())
