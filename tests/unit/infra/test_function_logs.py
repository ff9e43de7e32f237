"""The local stack plays every function in one process: each log line must still name the function that ran."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

from smartcommune.core.observability import logger
from smartcommune_local.function_logs import install
from smartcommune_local.triggers import FunctionSpec

HANDLER = """
from smartcommune.core.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    logger.info("scheduled run")
    return {"ok": True}
"""


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_an_api_line_after_a_scheduled_run_names_the_api_not_the_scheduler(tmp_path: Path) -> None:
    # Given the local stack's labelling, and the scheduler function (Powertools' Lambda context) run on its thread
    install()
    handler = logger.registered_handler
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        (tmp_path / "handler.py").write_text(HANDLER, encoding="utf-8")
        spec = FunctionSpec("BroadcastSchedulerFunction", tmp_path / "handler.py", "lambda_handler", 60, 256, {})
        run = threading.Thread(target=lambda: spec.load()({}, spec.context("ap-southeast-1")))
        run.start()
        run.join()
        # When the API then refuses a sign-in code request on another thread
        api = threading.Thread(target=lambda: logger.warning("POST /auth/otp refused", extra={"status": 429}))
        api.start()
        api.join()
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    scheduler, refused = lines(stream)
    # Then the scheduler's line names the scheduler, with its context
    assert scheduler["function_name"] == "BroadcastSchedulerFunction"
    assert str(scheduler["function_arn"]).endswith(":function:BroadcastSchedulerFunction")
    # And the API's line names the API, with none of the scheduler's Lambda context
    assert refused["message"] == "POST /auth/otp refused"
    assert refused["function_name"] == "APIHandler"
    assert "function_arn" not in refused and "function_request_id" not in refused and "cold_start" not in refused
