"""``smartcommune broadcast --text "…" --priority emergency --target all [--wait]`` against the running local stack.

Drafts as the culture officer (``gp.culture``), approves as the chairman (``gp.admin``) — two people, as the rule
requires — and with ``--wait`` prints the delivery report as JSON once every targeted speaker has answered or the
deadline has passed. The lead wires :func:`broadcast_command` into ``cli.py`` (arguments: see :func:`add_arguments`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

DEMO_PASSWORD = "GiaoPhong#2025-demo"  # noqa: S105 - the published demo password of the local stack


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text", required=True, help="nội dung bản tin / the bulletin's text (Vietnamese)")
    parser.add_argument("--headline", default=None, help="tiêu đề / headline (default: the text's start)")
    parser.add_argument("--priority", choices=("normal", "priority", "emergency"), default="normal")
    parser.add_argument("--target", default="all", help="'all', or hamlet ids separated by commas")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--wait", action="store_true", help="print the delivery report when complete")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait at most")
    parser.add_argument("--editor", default="gp.culture")
    parser.add_argument("--approver", default="gp.admin")


class ApiError(RuntimeError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


def _call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310 - local stack URL
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw = response.read()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        raise ApiError(exc.code, parsed) from exc


def _login(base: str, username: str) -> str:
    return str(_call(base, "POST", "/auth/staff/login", {"username": username, "password": DEMO_PASSWORD})["token"])


def _target(value: str) -> dict[str, Any]:
    if value.strip().lower() in ("all", "*", ""):
        return {"scope": "commune"}
    return {"scope": "hamlets", "hamlets": [h.strip() for h in value.split(",") if h.strip()]}


def run_broadcast(base: str, args: argparse.Namespace) -> dict[str, Any]:
    """Draft, approve (a second person) and optionally wait; returns what is printed."""
    editor = _login(base, args.editor)
    approver = _login(base, args.approver)
    headline = args.headline or (args.text[:80] + ("…" if len(args.text) > 80 else ""))
    draft = _call(
        base,
        "POST",
        "/bulletins",
        {
            "headline": headline,
            "text": args.text,
            "priority": args.priority,
            "target": _target(args.target),
            "repeat": args.repeat,
            "category": "Safety" if args.priority == "emergency" else "Other",
        },
        editor,
    )
    approved = _call(base, "POST", f"/bulletins/{draft['id']}/approve", {"version": draft["version"]}, approver)
    result: dict[str, Any] = {"bulletin_id": approved["id"], "status": approved["status"]}
    if not args.wait:
        return result
    deadline = time.monotonic() + args.timeout
    report: Any = None
    while time.monotonic() < deadline:
        try:
            report = _call(base, "GET", f"/bulletins/{draft['id']}/delivery", token=editor)
        except ApiError as exc:
            if exc.status != 404:
                raise
        if report is not None and report.get("complete"):
            break
        time.sleep(0.25)
    return report if report is not None else {**result, "report": None, "message_en": "no delivery report yet"}


def broadcast_command(args: argparse.Namespace) -> int:
    """Entry point of ``smartcommune broadcast``; exit 0 on success (with ``--wait``: every speaker answered)."""
    from smartcommune_local.stack_config import StackConfig, read_stack_file

    stack = read_stack_file(StackConfig.from_env().data_dir)
    if stack is None:
        print("Stack cục bộ chưa chạy (make up). / The local stack is not running (make up).", file=sys.stderr)
        return 2
    try:
        output = run_broadcast(str(stack["api_url"]), args)
    except ApiError as exc:
        print(json.dumps(exc.body, ensure_ascii=False), file=sys.stderr)
        return 1
    print(json.dumps(output, ensure_ascii=False, indent=2))
    if args.wait:
        return 0 if output.get("complete") else 3
    return 0
