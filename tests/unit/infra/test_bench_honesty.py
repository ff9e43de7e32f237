"""The benchmarks report what happened, not what they meant to do: ``feedback_load`` against small fake APIs (one
that keeps its idempotency promise, one that checks a key and then inserts, one that drops requests), and the cold
start's first request refusing to time anything but an authenticated answer."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.feedback import Person, kind_of, run_load

ROOT = Path(__file__).resolve().parents[3]
PEOPLE = [Person(f"citizen-{n}", f"token-{n}", "xom-1") for n in range(4)]
SUBMISSIONS = 40  # 10 per client: one raced, one retried after its answer (kind_of)


class FakeFeedbackApi(ThreadingHTTPServer):
    """``POST /feedback`` over keep-alive HTTP/1.1, storing items per citizen (the bench reads them back).

    ``atomic``: the key is checked and the item stored under one lock (what the real service's transaction does);
    otherwise checked, then stored a moment later — two requests with one key that arrive together both store.
    ``fail_every``: every n-th request is answered 503 before anything is stored.
    """

    daemon_threads = True

    def __init__(self, *, atomic: bool, fail_every: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.atomic, self.fail_every = atomic, fail_every
        self.lock = threading.Lock()
        self.items: dict[str, list[SimpleNamespace]] = {p.citizen_id: [] for p in PEOPLE}
        self.replies: dict[tuple[str, str], bytes] = {}
        self.requests = self.failures = 0

    def submit(self, token: str, key: str, body: dict[str, Any]) -> tuple[int, bytes]:
        with self.lock:
            self.requests += 1
            if self.fail_every and self.requests % self.fail_every == 0:
                self.failures += 1
                return 503, b'{"message": "busy"}'
            if self.atomic:
                return 201, self._store_once(token, key, body)
            known = self.replies.get((token, key))
        if known is not None:
            return 201, known
        time.sleep(0.2)  # between the check and the write: where a non-atomic store lets a twin in
        with self.lock:
            return 201, self._store(token, key, body)

    def _store_once(self, token: str, key: str, body: dict[str, Any]) -> bytes:
        known = self.replies.get((token, key))
        return known if known is not None else self._store(token, key, body)

    def _store(self, token: str, key: str, body: dict[str, Any]) -> bytes:
        item = SimpleNamespace(id=uuid.uuid4().hex, title=body["title"])
        self.items[token.replace("token-", "citizen-")].append(item)
        self.replies[(token, key)] = reply = json.dumps({"id": item.id, "title": item.title}).encode()
        return reply


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeFeedbackApi

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = self.headers["Authorization"].removeprefix("Bearer ")
        status, reply = self.server.submit(token, self.headers["Idempotency-Key"], body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: Any) -> None:
        pass


def _load(server: FakeFeedbackApi) -> dict[str, Any]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        return run_load(server.server_address[1], PEOPLE, lambda cid: list(server.items[cid]), SUBMISSIONS)
    finally:
        server.shutdown()
        server.server_close()


RACES, RETRIES = (
    len(PEOPLE) * [kind_of(n) for n in range(SUBMISSIONS // len(PEOPLE))].count(k) for k in ("race", "retry")
)


def test_an_api_that_keeps_its_idempotency_promise_passes_every_race_and_retry():
    # Given an API that checks the key and stores under one lock
    result = _load(FakeFeedbackApi(atomic=True))
    # Then every submission is stored once, and every race and retry got the same 201 twice
    assert result["submitted"] == result["stored"] == result["distinct"] == SUBMISSIONS
    assert (result["duplicates"], result["lost"]) == (0, 0)
    assert result["races"]["run"] == result["races"]["both_201_same_body"] == result["races"]["one_stored_item"]
    assert result["races"]["run"] == RACES > 0
    assert result["retries_after_answer"] == {"run": RETRIES, "both_201_same_body": RETRIES, "one_stored_item": RETRIES}
    # And the retries are the requests that went out again with a key already sent
    assert result["retries_sent"] == RACES + RETRIES
    assert result["requests"] == SUBMISSIONS + RACES + RETRIES
    assert result["idempotency_held"] is True


def test_an_api_that_checks_the_key_then_inserts_is_caught_by_the_races():
    # Given an API whose idempotency is a look-up followed by a write (a retry that waits for the answer passes)
    result = _load(FakeFeedbackApi(atomic=False))
    # Then the double taps store twice and answer with two different items, and the run says so
    assert result["duplicates"] >= 1
    assert result["races"]["one_stored_item"] < result["races"]["run"]
    assert result["races"]["both_201_same_body"] < result["races"]["run"]
    assert result["stored"] > result["distinct"] == SUBMISSIONS
    assert result["idempotency_held"] is False
    # While the retries sent after their answer still look fine: only the race shows the fault
    assert result["retries_after_answer"]["one_stored_item"] == RETRIES


def test_requests_resent_after_a_failure_are_counted_as_sent():
    # Given an API that answers every 7th request 503 (nothing stored)
    server = FakeFeedbackApi(atomic=True, fail_every=7)
    result = _load(server)
    # Then each 503 was resent with its key, counted among the retries, and nothing was lost or stored twice
    assert server.failures > 0
    assert result["status_counts"]["503"] == result["resent_after_failure"] == server.failures
    assert result["retries_sent"] == RACES + RETRIES + server.failures
    assert result["requests"] == SUBMISSIONS + RACES + RETRIES + server.failures
    assert result["idempotency_held"] is True


_FIRST_REQUEST = """
import json, sys
from bench.coldstart import first_request_runs, signed_in_on_moto
with signed_in_on_moto() as (env, token, citizen_id):
    good = first_request_runs(env, token, citizen_id, runs=1)
    try:
        first_request_runs(env, token[:-4] + "AAAA", citizen_id, runs=1)
        refused = None
    except RuntimeError as exc:
        refused = str(exc)
print(json.dumps({"good": good, "refused": refused}))
"""


def test_the_cold_start_times_only_a_first_request_answered_with_the_citizens_own_account():
    # Given a moto server with one signed-in citizen (in a process of its own: it binds the table to its endpoint)
    run = subprocess.run(
        [sys.executable, "-c", _FIRST_REQUEST], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    result = json.loads(run.stdout.splitlines()[-1])
    # Then the fresh process's first GET /me was answered 200 with that citizen's account, import included
    (good,) = result["good"]
    assert (good["status"], good["second_status"]) == (200, 200)
    assert good["ms"] >= good["import_ms"] > 0
    # And a run whose token is refused (a cheaper 401 path) is not reported as a first request
    assert result["refused"] is not None
    assert "401" in result["refused"]
