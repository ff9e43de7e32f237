"""Citizens' SMS alert subscriptions in the main table: one item per citizen and a per-hamlet index of phones.

Its own room because subscriptions belong to citizens, not to any bulletin: the citizens' alert routes read and
replace them, and publication only asks for the phones of the hamlets a bulletin reaches (``logic.ports.AlertSms``).
Keys are listed in ``storage.bulletins``.
"""

from __future__ import annotations

import json
from typing import Protocol

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute

from smartcommune.broadcast.contracts import AlertSubscription
from smartcommune.core.table import MainTable, MergePolicy, commune_pk, transaction


class AlertSubscriptionItem(MainTable, discriminator="alert_subscription"):
    merge = MergePolicy.MOVE

    hamlets = UnicodeAttribute()  # JSON list
    enabled = BooleanAttribute()
    updated_at = UnicodeAttribute()


class HamletSubscriberItem(MainTable, discriminator="hamlet_subscriber"):
    merge = MergePolicy.MOVE

    phone = UnicodeAttribute()


class BatchSms(Protocol):
    """The SMS channel (``sms.wiring.sms_gateway``), sending one text to many phones."""

    def send_batch(self, phones: list[str], text: str, purpose: str) -> int: ...


class AlertSubscriptions:
    """Citizens' SMS alert subscriptions by hamlet, and the SMS queue (implements ``AlertSms``)."""

    def __init__(self, sms: BatchSms) -> None:
        self._sms = sms

    def get(self, commune_id: str, citizen_id: str) -> AlertSubscription:
        try:
            item = AlertSubscriptionItem.get(commune_pk(commune_id, "ALERTSUB", citizen_id), "SUB")
        except AlertSubscriptionItem.DoesNotExist:
            return AlertSubscription(hamlets=[], enabled=False)
        return AlertSubscription(hamlets=json.loads(item.hamlets), enabled=item.enabled, updated_at=item.updated_at)

    def put(self, commune_id: str, citizen_id: str, phone: str, change: AlertSubscription) -> AlertSubscription:
        """Replace a citizen's subscription and its per-hamlet index entries in one transaction."""
        before = self.get(commune_id, citizen_id)
        old = set(before.hamlets) if before.enabled else set()
        new = set(change.hamlets) if change.enabled else set()
        with transaction() as tx:
            tx.save(
                AlertSubscriptionItem(
                    commune_pk(commune_id, "ALERTSUB", citizen_id),
                    "SUB",
                    hamlets=json.dumps(change.hamlets),
                    enabled=change.enabled,
                    updated_at=change.updated_at.isoformat() if change.updated_at else "",
                )
            )
            for hamlet in old - new:
                tx.delete(HamletSubscriberItem(commune_pk(commune_id, "ALERTSUBS", hamlet), citizen_id))
            for hamlet in new - old:
                tx.save(HamletSubscriberItem(commune_pk(commune_id, "ALERTSUBS", hamlet), citizen_id, phone=phone))
        return change

    def subscribers(self, commune_id: str, hamlets: list[str]) -> list[str]:
        phones: dict[str, None] = {}
        for hamlet in hamlets:
            for item in HamletSubscriberItem.query(commune_pk(commune_id, "ALERTSUBS", hamlet)):
                phones[item.phone] = None
        return list(phones)

    def send_batch(self, phones: list[str], text: str, purpose: str) -> int:
        """Queue one SMS per phone through the SMS channel (in batches)."""
        return self._sms.send_batch(phones, text, purpose)
