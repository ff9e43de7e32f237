"""Which function a local log line comes from.

In AWS every function is its own process, so the Lambda context keys Powertools puts on the shared logger
(``function_name``, ``function_arn``, ``function_request_id``…) can only be that function's. The local stack plays
every function in one process, on threads: the keys one invocation set stayed on the logger and labelled whatever
logged next — a refused ``POST /auth/otp`` (the API) read ``BroadcastSchedulerFunction``, the scheduler that had run
a minute before. Here each thread records the function it is running (:func:`running`, around every trigger's
invocation), and a filter on the service logger's handler writes that function's keys onto each line it prints;
a thread running none is the API's (``APIHandler``, the function Chalice packages), and a trigger's keys are
dropped from its lines.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

API_FUNCTION = "APIHandler"
_current = threading.local()


@contextmanager
def running(context: Any) -> Iterator[None]:
    """Label this thread's log lines with the function of ``context`` (a Lambda context) while the body runs."""
    previous = getattr(_current, "context", None)
    _current.context = context
    try:
        yield
    finally:
        _current.context = previous


def current_function() -> str:
    context = getattr(_current, "context", None)
    return str(context.function_name) if context is not None else API_FUNCTION


class FunctionLabel(logging.Filter):
    """Puts the running thread's function (and only its Lambda context) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = getattr(_current, "context", None)
        record.function_name = current_function()
        record.function_arn = getattr(context, "invoked_function_arn", None)
        record.function_request_id = getattr(context, "aws_request_id", None)
        record.function_memory_size = getattr(context, "memory_limit_in_mb", None)
        if context is None:
            record.cold_start = None  # the API's lines carry no trigger's cold start either
        return True


def install() -> None:
    """Add the filter to the handler the service logger prints through (once)."""
    from smartcommune.core.observability import logger

    handler = logger.registered_handler
    if not any(isinstance(f, FunctionLabel) for f in handler.filters):
        handler.addFilter(FunctionLabel())
