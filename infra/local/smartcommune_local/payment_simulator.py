"""A local stand-in for the bank / payment provider: it sends the signed callbacks a real one would, and the ones a
careless or hostile one might (duplicates, out of order, forged, stale), so the whole payment path runs locally.

Used by the tests (with the Chalice test client or the service itself as ``send``), by ``make up``'s demo ledger,
by the benchmark, and by ``smartcommune fees pay`` against a running stack.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from smartcommune.fees.logic.payments import SIGNATURE_HEADER, TIMESTAMP_HEADER, commune_secret, sign

Send = Callable[[str, bytes, dict[str, str]], tuple[int, Any]]
"""``send(path, body, headers) -> (status, parsed answer)``: how a callback reaches the platform."""


FORGED_KEY = "not-the-commune-secret"  # what a forger signs with: any key but the commune's


def callback_path(commune_id: str) -> str:
    return f"/public/payments/{commune_id}/callback"


@dataclass
class Delivery:
    """One callback as sent, and what the platform answered."""

    transaction_id: str
    reference: str
    amount_vnd: int
    status: int
    answer: Any
    forged: bool = False


@dataclass
class ProviderSimulator:
    """Plays the provider for one commune. ``payment_key`` is the platform key (settings.payment_key)."""

    commune_id: str
    payment_key: str
    send: Send
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def secret(self) -> str:
        return commune_secret(self.payment_key, self.commune_id)

    def body(self, reference: str, amount_vnd: int, transaction_id: str, payer: str = "NGUYEN VAN AN") -> bytes:
        return json.dumps(
            {
                "transaction_id": transaction_id,
                "reference": f"{reference} thanh toan phi",
                "amount_vnd": amount_vnd,
                "paid_at": self.clock().isoformat(),
                "channel": "vietqr",
                "payer_name": payer,
            },
            separators=(",", ":"),
        ).encode()

    def deliver(
        self, body: bytes, *, secret: str | None = None, timestamp: int | None = None, forged: bool = False
    ) -> Delivery:
        stamp = int(self.clock().timestamp()) if timestamp is None else timestamp
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: sign(secret or self.secret, stamp, body),
        }
        status, answer = self.send(callback_path(self.commune_id), body, headers)
        data = json.loads(body)
        delivery = Delivery(data["transaction_id"], data["reference"], data["amount_vnd"], status, answer, forged)
        self.deliveries.append(delivery)
        return delivery

    # ------------------------------------------------------------ what a provider does

    def pay(self, reference: str, amount_vnd: int, transaction_id: str | None = None) -> Delivery:
        """A valid callback for a transfer of ``amount_vnd`` naming ``reference``."""
        tx = transaction_id or "SIM" + uuid.uuid4().hex[:20].upper()
        return self.deliver(self.body(reference, amount_vnd, tx))

    def duplicate(self, delivery: Delivery) -> Delivery:
        """The same notification again (providers retry until they see a 2xx)."""
        return self.deliver(self.body(delivery.reference.split()[0], delivery.amount_vnd, delivery.transaction_id))

    def forged(self, reference: str, amount_vnd: int) -> Delivery:
        """A callback signed with a key that is not the commune's."""
        body = self.body(reference, amount_vnd, "FORGED" + uuid.uuid4().hex[:16].upper())
        return self.deliver(body, secret=FORGED_KEY, forged=True)

    def tampered(self, reference: str, amount_vnd: int) -> Delivery:
        """A valid signature, then the amount changed in the body."""
        body = self.body(reference, amount_vnd, "TAMPER" + uuid.uuid4().hex[:16].upper())
        stamp = int(self.clock().timestamp())
        signature = sign(self.secret, stamp, body)
        changed = body.replace(f'"amount_vnd":{amount_vnd}'.encode(), f'"amount_vnd":{amount_vnd * 10}'.encode())
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: signature}
        status, answer = self.send(callback_path(self.commune_id), changed, headers)
        delivery = Delivery("tampered", reference, amount_vnd * 10, status, answer, True)
        self.deliveries.append(delivery)
        return delivery

    def stale(self, reference: str, amount_vnd: int, age_s: int = 3600) -> Delivery:
        """A correctly signed callback captured ``age_s`` ago and replayed now."""
        body = self.body(reference, amount_vnd, "STALE" + uuid.uuid4().hex[:16].upper())
        return self.deliver(body, timestamp=int(self.clock().timestamp()) - age_s, forged=True)

    def storm(
        self, invoices: list[tuple[str, int]], *, duplicates: float, forged: float, rng: random.Random
    ) -> list[Delivery]:
        """Pay every invoice once, repeat a share of the callbacks, add forged ones, and send it all shuffled."""
        plan: list[tuple[str, bytes, bool]] = []
        for reference, amount in invoices:
            body = self.body(reference, amount, "SIM" + uuid.UUID(int=rng.getrandbits(128)).hex[:20].upper())
            plan.append(("valid", body, False))
            if rng.random() < duplicates:
                plan.append(("valid", body, False))
            if rng.random() < forged:
                plan.append(("forged", self.body(reference, amount, "FORGED" + uuid.uuid4().hex[:12]), True))
        rng.shuffle(plan)
        out = []
        for kind, body, is_forged in plan:
            secret = FORGED_KEY if kind == "forged" else None
            out.append(self.deliver(body, secret=secret, forged=is_forged))
        return out


def http_sender(base_url: str) -> Send:
    """Send callbacks to a running API (the local stack)."""
    import urllib.error
    import urllib.request

    def send(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        request = urllib.request.Request(base_url + path, data=body, method="POST", headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local stack
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw)
            except ValueError:
                return exc.code, raw.decode(errors="replace")

    return send


def service_sender(service: Any) -> Send:
    """Send callbacks straight to a ``FeeService`` (demo seeding, benchmarks): the same verification runs."""
    from smartcommune.core.errors import SmartCommuneError

    def send(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        commune_id = path.split("/")[3]
        try:
            outcome = service.callback(commune_id, {k.lower(): v for k, v in headers.items()}, body)
        except SmartCommuneError as error:
            from smartcommune.core.api.dispatch import status_of

            return status_of(error), error.to_dict()
        return 200, outcome.model_dump(mode="json")

    return send
