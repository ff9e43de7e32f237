"""The SQS action of IoT topic rules, played locally: documents put on a local queue in batches."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger("smartcommune_local.iot_rules")


class QueueSender:
    """The SQS action's sends, ten to a ``SendMessageBatch`` call from one thread (IoT Core sends each message on
    its own; batching here keeps 24,000 province-run acks from being 24,000 calls to the local moto server)."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self._buffer: list[tuple[str, str]] = []
        self._cv = threading.Condition()
        self._stopped = False
        self.sent = 0
        self.errors = 0
        self._thread = threading.Thread(target=self._run, name="iot-rule-sqs", daemon=True)
        self._thread.start()

    def put(self, queue_url: str, body: str) -> None:
        with self._cv:
            self._buffer.append((queue_url, body))
            self._cv.notify()

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify()
        self._thread.join(10)

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._buffer and not self._stopped:
                    self._cv.wait()
                if not self._buffer and self._stopped:
                    return
                pending, self._buffer = self._buffer, []
            by_queue: dict[str, list[str]] = {}
            for url, body in pending:
                by_queue.setdefault(url, []).append(body)
            for url, bodies in by_queue.items():
                for start in range(0, len(bodies), 10):
                    self._send(url, bodies[start : start + 10])

    def _send(self, url: str, bodies: list[str]) -> None:
        entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)]
        for _attempt in range(5):
            try:
                failed = self._sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed", [])
            except Exception:
                log.exception("SQS action: sending %d messages failed; trying again", len(entries))
                time.sleep(0.5)
                continue
            entries = [e for e in entries if e["Id"] in {f["Id"] for f in failed}]
            self.sent += len(bodies) - len(entries)
            if not entries:
                return
        self.errors += len(entries)
        log.error("SQS action: %d messages could not be queued", len(entries))
