"""The running local stack for end-to-end tests: ``smartcommune up`` in a subprocess, on free ports.

Fixture ``local_stack`` (session-scoped) yields a :class:`LocalStackHandle`; its interface is stable, browser
tests build on it:

``api_url``   the API served directly by Chalice's local server, e.g. ``http://127.0.0.1:41234``
``web_url``   the local edge (CloudFront's part): pages at ``/citizen/``, ``/admin/``, ``/dashboard/``, and the
              API same-origin under ``/api/…``
``moto_url``  the AWS endpoint (moto server) the stack uses
``data_dir``  this session's DATA_DIR (a temporary folder): snapshot, SMS outbox, ``stack.json``, ``stack.log``
``outbox()``  every SMS the stack "sent" so far, oldest first: dicts with ``phone``, ``text``, ``purpose``,
              ``sent_at``
``wait_for_sms(phone, after=0, timeout_s=10, purpose=None)``  the first SMS to ``phone`` (of ``purpose``) after
              the first ``after``
``restart()`` stop (SIGINT, final snapshot) and start again on the same ports and DATA_DIR
``cli(*args, timeout_s=60)`` run ``smartcommune <args>`` against this DATA_DIR; returns ``subprocess.CompletedProcess``
``get(url)`` / ``post(url, json_body, token=None)``  small JSON HTTP helpers returning ``(status, headers, body)``

Demo logins are those of ``smartcommune_local.demo_data`` (``DEMO_PASSWORD``, ``demo_staff``,
``all_demo_citizens``). The stack is stopped with SIGINT at the end of the session.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 120  # a first start seeds the demo data; CI machines may be busy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(method: str, url: str, body: Any = None, token: str | None = None, headers: dict[str, str] | None = None):
    """``(status, headers, parsed JSON or text)`` without raising on 4xx/5xx and without following redirects."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - the local stack's URLs
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status, raw, response_headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as exc:
        status, raw, response_headers = exc.code, exc.read(), exc.headers
    text = raw.decode("utf-8", errors="replace")
    content_type = response_headers.get("Content-Type", "")
    parsed: Any = json.loads(text) if content_type.startswith("application/json") and text else text
    return status, response_headers, parsed


class LocalStackHandle:
    """A ``smartcommune up`` process and how to reach it (see the module docstring)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.api_port, self.web_port, self.moto_port = free_port(), free_port(), free_port()
        self.mqtt_port = free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        self.moto_url = f"http://127.0.0.1:{self.moto_port}"
        self.env = {
            **os.environ,
            "DATA_DIR": str(data_dir),
            "PORT": str(self.api_port),
            "WEB_PORT": str(self.web_port),
            "SMARTCOMMUNE_MOTO_PORT": str(self.moto_port),
            "SMARTCOMMUNE_MQTT_PORT": str(self.mqtt_port),
            "PYTHONUNBUFFERED": "1",
            # Every citizen of the suite signs in from 127.0.0.1: dozens of people behind one address, more than
            # the per-address hourly limits allow a real one (those limits are tested in tests/integration/identity).
            "SMARTCOMMUNE_OTP_MAX_SENDS_PER_CLIENT_PER_HOUR": "500",
            "SMARTCOMMUNE_OTP_MAX_VERIFIES_PER_CLIENT_PER_HOUR": "1000",
        }
        self.env.pop("AWS_ENDPOINT_URL", None)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}-stack.log"
        self.ready_after_s: float | None = None

    # -- lifecycle

    def start(self) -> None:
        started = time.monotonic()
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "smartcommune_local.cli", "up"],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = started + READY_TIMEOUT_S
        last: Any = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"smartcommune up exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _, body = http("GET", f"{self.api_url}/health")
                last = body
                if status == 200 and isinstance(body, dict) and body.get("status") == "ok":
                    self.ready_after_s = time.monotonic() - started
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the local stack was not healthy within {READY_TIMEOUT_S} s ({last}):\n{self.log_tail()}")

    def stop(self) -> int | None:
        """SIGINT, as Ctrl-C would; the stack takes its final snapshot before exiting."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()

    def output(self, wait_s: float = 15.0) -> str:
        """Everything ``smartcommune up`` printed, once its ready banner is out (it follows the health check)."""
        deadline = time.monotonic() + wait_s
        text = ""
        while time.monotonic() < deadline:
            text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
            if "Ctrl-C" in text:
                break
            time.sleep(0.2)
        return text

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    # -- helpers

    def cli(self, *args: str, timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "smartcommune_local.cli", *args],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )

    def outbox(self) -> list[dict[str, Any]]:
        path = self.data_dir / "outbox" / "sms.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def wait_for_sms(
        self, phone: str, after: int = 0, timeout_s: float = 10, purpose: str | None = None
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for message in self.outbox()[after:]:
                if message.get("phone") == phone and purpose in (None, message.get("purpose")):
                    return message
            time.sleep(0.1)
        raise AssertionError(f"no SMS to {phone[:5]}… within {timeout_s} s")

    def get(self, url: str, token: str | None = None, headers: dict[str, str] | None = None):
        return http("GET", url, token=token, headers=headers)

    def post(self, url: str, json_body: Any = None, token: str | None = None):
        return http("POST", url, body=json_body if json_body is not None else {}, token=token)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackHandle]:
    """``smartcommune up`` with a temporary DATA_DIR and free ports, healthy before the first test uses it."""
    handle = LocalStackHandle(tmp_path_factory.mktemp("stack") / "data")
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()
