"""The event sources declared in ``template.yaml``, played locally against the same handler functions.

For every ``AWS::Serverless::Function`` the template's ``Events`` are read: an ``SQS`` event gets a poller
thread that builds the event Lambda would deliver, a ``Schedule`` event gets an entry in one scheduler thread
(``rate(...)`` and AWS's six-field ``cron(...)``, in UTC) that sends EventBridge's "Scheduled Event". A source
type the local stack does not play yet is logged and skipped, so later issues add kinds here in one place.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from smartcommune_local.function_logs import running
from smartcommune_local.schedules import Schedule
from smartcommune_local.template import REPO_ROOT

if TYPE_CHECKING:
    from smartcommune_local.template import LocalResources

log = logging.getLogger("smartcommune_local.triggers")

ACCOUNT_ID = "123456789012"
Handler = Callable[[dict[str, Any], Any], Any]

# --------------------------------------------------------------------------- handlers and events


class LambdaContext:
    """The few attributes handlers (and Powertools) read from Lambda's context object."""

    def __init__(self, function_name: str, timeout_s: int, memory_mb: int, region: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class FunctionSpec:
    """One function of the template, as much as running it locally needs."""

    logical_id: str
    handler_path: Path
    handler_name: str
    timeout_s: int
    memory_mb: int
    events: dict[str, dict[str, Any]]
    _module: ModuleType | None = field(default=None, repr=False)

    def load(self) -> Handler:
        """Import ``<CodeUri>/<module>.py`` by its path (the code Lambda would run), once."""
        if self._module is None:
            module_name = f"smartcommune_fn_{self.logical_id}"
            spec = importlib.util.spec_from_file_location(module_name, self.handler_path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {self.handler_path}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._module = module
        handler: Handler = getattr(self._module, self.handler_name)

        def labelled(event: dict[str, Any], context: Any) -> Any:
            # Its log lines name this function, not whichever ran last in this process (function_logs).
            with running(context):
                return handler(event, context)

        return labelled

    def context(self, region: str) -> LambdaContext:
        return LambdaContext(self.logical_id, self.timeout_s, self.memory_mb, region)


def functions_of(template: dict[str, Any], root: Path = REPO_ROOT) -> list[FunctionSpec]:
    """Every ``AWS::Serverless::Function`` with its handler file and events (Globals applied)."""
    globals_ = template.get("Globals", {}).get("Function", {})
    out: list[FunctionSpec] = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        handler = props.get("Handler", globals_.get("Handler", "handler.lambda_handler"))
        module, _, attr = handler.rpartition(".")
        out.append(
            FunctionSpec(
                logical_id=logical_id,
                handler_path=root / props.get("CodeUri", "") / (module.replace(".", "/") + ".py"),
                handler_name=attr,
                timeout_s=int(props.get("Timeout", globals_.get("Timeout", 3))),
                memory_mb=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
                events=props.get("Events", {}) or {},
            )
        )
    return out


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping delivers for a batch of received messages."""
    records = []
    for message in messages:
        attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType", "String"),
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        }
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message.get("Body", ""),
                "attributes": dict(message.get("Attributes") or {}),
                "messageAttributes": attributes,
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def scheduled_event(rule_name: str, moment: datetime, region: str) -> dict[str, Any]:
    """EventBridge's "Scheduled Event" for a rule firing at ``moment``."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


def failed_message_ids(response: Any) -> set[str] | None:
    """The ids a handler reported in ``batchItemFailures``; ``None`` when it reported nothing usable."""
    if not isinstance(response, dict) or "batchItemFailures" not in response:
        return None
    failures = response["batchItemFailures"] or []
    return {str(f.get("itemIdentifier")) for f in failures if isinstance(f, dict)}


# --------------------------------------------------------------------------- workers


@dataclass(frozen=True)
class SqsSource:
    """An SQS event source mapping: which queue feeds which function, and how."""

    fn: FunctionSpec
    queue_url: str
    queue_arn: str
    batch: int = 10  # BatchSize: up to 10,000 in Lambda; SQS hands out 10 per receive, so it takes several
    window_s: float = 0.0  # MaximumBatchingWindowInSeconds: how long to gather a batch after its first message
    partial: bool = False  # FunctionResponseTypes: [ReportBatchItemFailures]


@dataclass
class Worker:
    """A running event source; ``alive`` feeds the local health check."""

    name: str
    thread: threading.Thread | None = None
    invocations: int = 0
    errors: int = 0

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


class Triggers:
    """Starts one thread per SQS event source and one scheduler for every schedule; stops them together."""

    def __init__(
        self,
        resources: LocalResources,
        session: Any,
        endpoint_url: str | None,
        root: Path = REPO_ROOT,
        poll_wait_s: int = 1,
        *,
        only: set[str] | None = None,
        services: Any = None,
    ) -> None:
        # only: the functions (logical ids) whose events to play; services: handed to each handler module's
        # ``use_services`` (tests and benches that run moto in their own process)
        self.only = only
        self.services = services
        self.resources = resources
        self.region = session.region_name or "ap-southeast-1"
        self.sqs = session.client("sqs", endpoint_url=endpoint_url)
        self.root = root
        self.poll_wait_s = poll_wait_s
        self.stop_event = threading.Event()
        self.workers: list[Worker] = []
        self.skipped: list[str] = []
        self._schedules: list[tuple[str, FunctionSpec, Schedule]] = []

    def start(self) -> None:
        for fn in functions_of(self.resources.template, self.root):
            if not fn.events or (self.only is not None and fn.logical_id not in self.only):
                continue
            if not fn.handler_path.is_file():
                log.warning("%s: %s does not exist yet; its events are not wired", fn.logical_id, fn.handler_path)
                self.skipped.append(fn.logical_id)
                continue
            for event_name, event in fn.events.items():
                kind, props = event.get("Type"), event.get("Properties", {})
                if self.services is not None:
                    fn.load()
                    use_services = getattr(fn._module, "use_services", None)
                    if use_services is not None:
                        use_services(self.services)
                if kind == "SQS":
                    self._start_sqs(fn, event_name, props)
                elif kind == "Schedule":
                    rule = f"{fn.logical_id}-{event_name}"
                    self._schedules.append((rule, fn, Schedule.parse(props["Schedule"])))
                else:
                    log.warning("%s.%s: event type %s is not played locally yet", fn.logical_id, event_name, kind)
        if self._schedules:
            thread = threading.Thread(target=self._run_schedules, name="schedules", daemon=True)
            self.workers.append(Worker("schedules", thread))
            thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self.stop_event.set()
        for worker in self.workers:
            if worker.thread is not None:
                worker.thread.join(timeout_s)

    def all_alive(self) -> bool:
        return all(w.alive for w in self.workers)

    # -- SQS

    def _start_sqs(self, fn: FunctionSpec, event_name: str, props: dict[str, Any]) -> None:
        queue_ref = props["Queue"]
        logical_queue = queue_ref["Fn::GetAtt"][0] if "Fn::GetAtt" in queue_ref else queue_ref.get("Ref")
        source = SqsSource(
            fn=fn,
            queue_url=self.resources.refs[logical_queue],
            queue_arn=self.resources.arns[logical_queue],
            batch=int(props.get("BatchSize", 10)),
            window_s=float(props.get("MaximumBatchingWindowInSeconds", 0)),
            partial="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        )
        name = f"{fn.logical_id}.{event_name}"
        worker = Worker(name)
        worker.thread = threading.Thread(target=self._poll, args=(worker, source), name=name, daemon=True)
        self.workers.append(worker)
        worker.thread.start()

    def _poll(self, worker: Worker, source: SqsSource) -> None:
        while not self.stop_event.is_set():
            try:
                received = self._receive(source, self.poll_wait_s, source.batch)
                # Lambda's batching window: keep gathering until the batch is full or the window has passed
                deadline = time.monotonic() + source.window_s
                while received and len(received) < source.batch and time.monotonic() < deadline:
                    more = self._receive(source, 0, source.batch - len(received))
                    if not more:
                        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
                    received.extend(more)
            except Exception:  # the server is going away on shutdown, or a transient error
                if self.stop_event.wait(1):
                    return
                log.exception("%s: receiving from %s failed", worker.name, source.queue_url)
                continue
            if received:
                self.deliver_sqs(worker, source, received)

    def _receive(self, source: SqsSource, wait_s: int, wanted: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=min(10, wanted),
            WaitTimeSeconds=wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def deliver_sqs(self, worker: Worker, source: SqsSource, messages: list[dict[str, Any]]) -> None:
        """Invoke the handler with one batch; delete what succeeded, leave the rest to be retried."""
        worker.invocations += 1
        fn = source.fn
        try:
            response = fn.load()(sqs_event(messages, source.queue_arn, self.region), fn.context(self.region))
        except Exception:
            worker.errors += 1
            log.exception("%s: the handler failed; the batch will be retried after the visibility timeout", worker.name)
            return
        failed = failed_message_ids(response) if source.partial else None
        done = [m for m in messages if failed is None or m["MessageId"] not in failed]
        if failed:
            worker.errors += 1
            log.warning("%s: %d of %d messages failed and will be retried", worker.name, len(failed), len(messages))
        for start in range(0, len(done), 10):  # DeleteMessageBatch takes ten at a time
            self.sqs.delete_message_batch(
                QueueUrl=source.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
                ],
            )

    # -- schedules

    def _run_schedules(self) -> None:
        started = datetime.now(UTC)
        due = {rule: schedule.next_after(started, started) for rule, _, schedule in self._schedules}
        worker = next(w for w in self.workers if w.name == "schedules")
        while not self.stop_event.is_set():
            now = datetime.now(UTC)
            for rule, fn, schedule in self._schedules:
                if due[rule] <= now:
                    self.fire(worker, rule, fn, due[rule])
                    due[rule] = schedule.next_after(now, started)
            wait = min((d - datetime.now(UTC)).total_seconds() for d in due.values())
            self.stop_event.wait(max(0.05, min(wait, 30.0)))

    def fire(self, worker: Worker, rule: str, fn: FunctionSpec, moment: datetime) -> Any:
        """Invoke a scheduled function as EventBridge would."""
        worker.invocations += 1
        log.info("%s: scheduled run at %s", rule, moment.isoformat())
        try:
            return fn.load()(scheduled_event(rule, moment, self.region), fn.context(self.region))
        except Exception:
            worker.errors += 1
            log.exception("%s: the scheduled handler failed", rule)
            return None


def load_event(path: Path) -> dict[str, Any]:
    """A sample event from ``events/`` (tests and manual invocation)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
