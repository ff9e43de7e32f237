"""``feedback_load``: the local stack started in this process as ``smartcommune up`` starts it (free ports,
temporary DATA_DIR), 50 concurrent clients (threads, keep-alive HTTP/1.1) submitting 2,000 feedback items through
the API; then what is stored for those citizens is counted by Query.

Retries are what a phone on a slow link sends, and are counted as sent: 10% of submissions are raced (the original
and its retry with the same Idempotency-Key leave two connections at the same moment, released by a barrier: a
double tap), 5% are sent again after their answer, and any request that failed (reset, 5xx) is resent with its
key. Each race must be answered 201 twice with the same body and leave exactly one stored item.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from bench import benchmark

CLIENTS = 50
SUBMISSIONS = 2000
RACE_EVERY = 10  # 10%: the original and its retry sent at the same moment on two connections
RETRY_EVERY = 20  # 5%: sent again with the same key after the answer came (offset from the races)


def kind_of(n: int) -> str:
    """What a client does with its ``n``-th submission: ``race``, ``retry`` (after the answer) or ``single``.

    Not the first: the second connection of every client opens at its first race, not in the opening burst.
    """
    if n % RACE_EVERY == RACE_EVERY - 1:
        return "race"
    if n % RETRY_EVERY == RACE_EVERY // 2 - 1:
        return "retry"
    return "single"


TITLE_PREFIX = "Phản ánh thử tải "


# ---------------------------------------------------------------- load on the running local stack


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@benchmark("feedback_load")
def feedback_load() -> dict[str, Any]:
    """The local stack started in this process (as ``smartcommune up`` does) on free ports and a temporary DATA_DIR."""
    from smartcommune_local.moto_patches import patch_moto_dynamodb
    from smartcommune_local.stack import LocalStack
    from smartcommune_local.stack_config import StackConfig

    patch_moto_dynamodb()
    with tempfile.TemporaryDirectory(prefix="sc-bench-") as tmp:
        config = StackConfig(
            api_port=_free_port(), web_port=_free_port(), moto_port=_free_port(), data_dir=Path(tmp) / "data"
        )
        stack = LocalStack(config)
        started = time.monotonic()
        stack.start()
        try:
            return _load(stack, config.api_port, time.monotonic() - started)
        finally:
            stack.stop()


def _load(stack: Any, api_port: int, ready_s: float) -> dict[str, Any]:
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.feedback.wiring import feedback_repository
    from smartcommune.identity.wiring import identity_service
    from smartcommune_local.demo_data import all_demo_citizens

    services = stack.services
    citizens = services.get(citizen_repository)
    identity = services.get(identity_service)
    people = []
    for demo in all_demo_citizens()["giao-phong"][1 : CLIENTS + 1]:
        found = citizens.find_by_phone("giao-phong", demo.phone)
        assert found is not None, "the demo citizens were not seeded"
        people.append(Person(found.id, identity.start_session("giao-phong", found.id, "citizen").token, demo.hamlet_id))
    store = services.get(feedback_repository)

    def stored_for(citizen_id: str) -> list[Any]:
        cursor, out = None, []
        while True:
            items, cursor = store.mine("giao-phong", citizen_id, cursor, 50)
            out += items
            if not cursor:
                return out

    result = run_load(api_port, people, stored_for, SUBMISSIONS)
    return {
        **result,
        "stack_ready_s": round(ready_s, 1),
        "note": (
            "HTTP/1.1 keep-alive straight to the local API server (chalice local, a thread per connection) on moto "
            "server, all in one process (GIL shared with the client threads); moto's DynamoDB serialised with "
            "cheap transaction rollback (patch_moto_dynamodb), as one DynamoDB partition serialises conflicting "
            "writes. A race is an original and its retry released together by a barrier on two connections; "
            "in_flight_together counts those whose two requests overlapped on the wire. A client whose request "
            "failed (5xx, reset) resends it with the same key, as a phone would (resent_after_failure). The "
            "machine's 2 cores may be shared with other work: latencies and throughput are noisy."
        ),
    }


# ---------------------------------------------------------------- the clients (any server that speaks the API)


class Person(NamedTuple):
    citizen_id: str
    token: str
    hamlet_id: str | None


class Sent(NamedTuple):
    """One request as it went out and came back (status 0: reset or no answer)."""

    key: str
    sender: int  # which connection of its client: 0, or 1 for the twin of a race
    attempt: int  # 0: the request as the client meant it; 1..: resent after a failure
    status: int
    started: float
    ended: float


class _Sender:
    """One keep-alive connection of one client; every attempt goes to the shared log."""

    def __init__(self, port: int, token: str, log: list[Sent], lock: threading.Lock, number: int = 0) -> None:
        self._port, self._log, self._lock, self._number = port, log, lock, number
        self._headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self._connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self._port, timeout=120)

    def _record(self, sent: Sent) -> None:
        with self._lock:
            self._log.append(sent)

    def post(self, body: bytes, key: str, barrier: threading.Barrier | None = None) -> tuple[int, Any]:
        """Send until answered (a reset or a 5xx is sent again with the same key, as a phone would).

        With ``barrier``, the first attempt waits for its twin on the other connection and both leave together.
        """
        for attempt in range(6):
            started = time.perf_counter()
            try:
                if barrier is not None and attempt == 0:
                    if self._connection.sock is None:
                        self._connection.connect()  # connected before the barrier: both requests leave at once
                    with contextlib.suppress(threading.BrokenBarrierError):
                        barrier.wait(timeout=60)
                    started = time.perf_counter()
                self._connection.request(
                    "POST", "/feedback", body=body, headers={**self._headers, "Idempotency-Key": key}
                )
                response = self._connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                self._record(Sent(key, self._number, attempt, 0, started, time.perf_counter()))
                self._connection.close()
                self._connection = self._connect()
                continue
            self._record(Sent(key, self._number, attempt, response.status, started, time.perf_counter()))
            if response.will_close:
                self._connection.close()
                self._connection = self._connect()
            if response.status < 500:
                return response.status, json.loads(data) if data else None
        return 0, None

    def close(self) -> None:
        self._connection.close()


def _body(key: str, n: int, hamlet: str | None) -> bytes:
    return json.dumps(
        {
            "field_code": ("roads", "environment", "electricity", "security")[n % 4],
            "title": f"{TITLE_PREFIX}{key}",
            "description": "Nội dung phản ánh để đo tải hệ thống tiếp nhận của xã.",
            "hamlet_id": hamlet,
            "anonymous_public": False,
        }
    ).encode()


def _race(sender: _Sender, twin: _Sender, body: bytes, key: str) -> tuple[tuple[int, Any], ...]:
    """The original and its retry (same key) released together on two connections: both answers."""
    barrier = threading.Barrier(2)
    answered: list[tuple[int, Any]] = []
    other = threading.Thread(target=lambda: answered.append(twin.post(body, key, barrier)))
    other.start()
    first = sender.post(body, key, barrier)
    other.join()
    return (first, *answered)


class _Outcome(NamedTuple):
    key: str
    kind: str  # "single", "race", "retry"
    answers: tuple[tuple[int, Any], ...]


def run_load(
    api_port: int, people: list[Person], stored_for: Callable[[str], list[Any]], submissions: int
) -> dict[str, Any]:
    """Each person a client thread submitting ``submissions / len(people)`` items to ``POST /feedback``, with
    races and retries as the module says; then the stored items counted (``stored_for``: a citizen's items, each
    with ``.title`` and ``.id``). Every figure is counted from what was sent, answered and stored."""
    log: list[Sent] = []
    outcomes: list[_Outcome] = []
    lock = threading.Lock()
    per_client = submissions // len(people)
    before = {p.citizen_id: len(stored_for(p.citizen_id)) for p in people}

    def client(index: int, person: Person) -> None:
        sender = _Sender(api_port, person.token, log, lock)
        twin = _Sender(api_port, person.token, log, lock, 1)  # a second connection: the double tap's other request
        mine: list[_Outcome] = []
        for n in range(per_client):
            key = f"bench-{index:02d}-{n:04d}-{uuid.uuid4().hex[:8]}"
            body = _body(key, n, person.hamlet_id)
            kind = kind_of(n)
            if kind == "race":
                mine.append(_Outcome(key, "race", _race(sender, twin, body, key)))
            elif kind == "retry":
                first = sender.post(body, key)
                mine.append(_Outcome(key, "retry", (first, sender.post(body, key))))  # the answer was lost
            else:
                mine.append(_Outcome(key, "single", (sender.post(body, key),)))
        sender.close()
        twin.close()
        with lock:
            outcomes.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i, p)) for i, p in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started

    stored_ids: dict[str, list[str]] = {}  # the bench's key (in the title) -> ids of the items stored with it
    for person in people:
        items = stored_for(person.citizen_id)
        assert len(items) >= before[person.citizen_id]
        for item in items:
            if item.title.startswith(TITLE_PREFIX):
                stored_ids.setdefault(item.title.removeprefix(TITLE_PREFIX), []).append(item.id)
    return {"clients": len(people), **_tally(log, outcomes, stored_ids), "elapsed_s": round(elapsed, 1)}


def _tally(log: list[Sent], outcomes: list[_Outcome], stored_ids: dict[str, list[str]]) -> dict[str, Any]:
    """The run's figures, from what was sent (``log``), answered (``outcomes``) and stored (``stored_ids``)."""
    stored = Counter({key: len(ids) for key, ids in stored_ids.items()})
    sends: Counter[str] = Counter(s.key for s in log)
    by_key: dict[str, list[Sent]] = {}
    for s in log:
        by_key.setdefault(s.key, []).append(s)
    statuses = Counter(s.status for s in log)
    latencies = [(s.ended - s.started) * 1000 for s in log if s.status]

    def same_201(answers: tuple[tuple[int, Any], ...]) -> bool:
        return len(answers) == 2 and all(status == 201 for status, _ in answers) and answers[0][1] == answers[1][1]

    def overlapped(key: str) -> bool:
        """The two requests that were answered (one per connection) were in flight at the same time."""
        answered = [next((s for s in by_key[key] if s.sender == n and s.status), None) for n in (0, 1)]
        twins = [s for s in answered if s is not None]
        return len(twins) == 2 and max(s.started for s in twins) < min(s.ended for s in twins)

    races = [o for o in outcomes if o.kind == "race"]
    retries = [o for o in outcomes if o.kind == "retry"]
    # Every 201 names the item it stored: lost if that item is not there.
    answered_ids = [(o.key, reply.get("id")) for o in outcomes for status, reply in o.answers if status == 201]
    requests = len(log)
    elapsed_s = max(s.ended for s in log) - min(s.started for s in log) if log else 0.0
    return {
        "submitted": len(outcomes),
        "requests": requests,
        "retried_with_same_key": sum(1 for n in sends.values() if n > 1),
        "retries_sent": sum(n - 1 for n in sends.values()),
        "resent_after_failure": sum(1 for s in log if s.attempt > 0),
        "races": {
            "run": len(races),
            "in_flight_together": sum(1 for o in races if overlapped(o.key)),
            "both_201_same_body": sum(1 for o in races if same_201(o.answers)),
            "one_stored_item": sum(1 for o in races if stored[o.key] == 1),
        },
        "retries_after_answer": {
            "run": len(retries),
            "both_201_same_body": sum(1 for o in retries if same_201(o.answers)),
            "one_stored_item": sum(1 for o in retries if stored[o.key] == 1),
        },
        "status_counts": {str(k): v for k, v in sorted(statuses.items())},
        "stored": sum(stored.values()),
        "distinct": len(stored),
        "duplicates": sum(n - 1 for n in stored.values()),
        "lost": len({key for key, id_ in answered_ids if id_ not in stored_ids.get(key, [])}),
        "idempotency_held": (
            sum(stored.values()) == len(stored) == len(outcomes)
            and all(same_201(o.answers) and stored[o.key] == 1 for o in (*races, *retries))
        ),
        "p50_ms": round(_percentile(latencies, 0.50), 1) if latencies else None,
        "p99_ms": round(_percentile(latencies, 0.99), 1) if latencies else None,
        "throughput_per_s": round(requests / elapsed_s, 1) if elapsed_s else None,
    }
