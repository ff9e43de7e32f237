"""The event sources declared in ``template.yaml``, played locally against the same handler functions.

For every ``AWS::Serverless::Function`` the template's ``Events`` are read: an ``SQS`` event gets a poller
thread that builds the event Lambda would deliver, a ``Schedule`` event gets an entry in one scheduler thread
(``rate(...)`` and AWS's six-field ``cron(...)``, in UTC) that sends EventBridge's "Scheduled Event". A source
type the local stack does not play yet is logged and skipped, so later issues add kinds here in one place.
"""

from __future__ import annotations

import calendar
import importlib.util
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from smartcommune_local.template import REPO_ROOT

if TYPE_CHECKING:
    from smartcommune_local.template import LocalResources

log = logging.getLogger("smartcommune_local.triggers")

ACCOUNT_ID = "123456789012"
Handler = Callable[[dict[str, Any], Any], Any]

# --------------------------------------------------------------------------- schedule expressions

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, start=1)}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}  # AWS numbers Sunday 1
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_RATE_UNIT = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(ValueError):
    """A schedule expression EventBridge would refuse."""


def _upper(token: str) -> str:
    return token.strip().upper()


def _value(token: str, names: dict[str, int]) -> int:
    token = _upper(token)
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ScheduleError(f"not a number: {token}")
    return int(token)


def _field(spec: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """``*``, ``5``, ``1-5``, ``MON-FRI``, ``0/15``, ``10-50/10`` and lists of these."""
    names = names or {}
    out: set[int] = set()
    for item in spec.split(","):
        part, step = item, 1
        if "/" in item:
            part, step_text = item.split("/", 1)
            step = int(step_text)
            if step <= 0:
                raise ScheduleError("step must be positive")
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step != 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleError(f"{part} is out of {low}-{high}")
        out.update(range(start, end + 1, step))
    return out


@dataclass(frozen=True)
class Cron:
    """An AWS cron expression: minutes hours day-of-month month day-of-week year (UTC)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    dom: str
    months: frozenset[int]
    dow: str
    years: frozenset[int] | None

    @classmethod
    def parse(cls, text: str) -> Cron:
        parts = text.split()
        if len(parts) != 6:
            raise ScheduleError("cron needs six fields: minutes hours day-of-month month day-of-week year")
        minutes, hours, dom, month, dow, year = parts
        if (dom == "?") == (dow == "?"):
            raise ScheduleError("exactly one of day-of-month and day-of-week must be '?'")
        cron = cls(
            frozenset(_field(minutes, 0, 59)),
            frozenset(_field(hours, 0, 23)),
            _upper(dom),
            frozenset(_field(month, 1, 12, _MONTHS)),
            _upper(dow),
            None if year == "*" else frozenset(_field(year, 1970, 2199)),
        )
        cron._day_matches(datetime(2024, 1, 1).date())  # refuse malformed day fields now, not at fire time
        return cron

    def _day_matches(self, day: Any) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        if self.dow == "?":
            return _dom_matches(self.dom, day, last)
        return _dow_matches(self.dow, day, last)

    def next_after(self, moment: datetime) -> datetime:
        """The first firing time strictly after ``moment`` (aware, UTC)."""
        start = (moment.astimezone(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = start.date()
        for _ in range(366 * 30):
            if (self.years is None or day.year in self.years) and day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        raise ScheduleError("the expression never fires")


def _dom_matches(spec: str, day: Any, last: int) -> bool:
    if spec == "*":
        return True
    if spec == "L":
        return day.day == last
    if spec.endswith("W"):  # the weekday nearest to the given day, within the month
        target = min(int(spec[:-1]), last)
        weekday = calendar.weekday(day.year, day.month, target)  # Monday 0
        if weekday == 5:
            target = target - 1 if target > 1 else target + 2
        elif weekday == 6:
            target = target + 1 if target < last else target - 2
        return day.day == target
    return day.day in _field(spec, 1, 31)


def _dow_matches(spec: str, day: Any, last: int) -> bool:
    aws_dow = (day.weekday() + 1) % 7 + 1  # Monday 0 → 2, Sunday 6 → 1
    if "#" in spec:  # the n-th such weekday of the month
        weekday, nth = spec.split("#", 1)
        return aws_dow == _value(weekday, _DAYS) and (day.day - 1) // 7 + 1 == int(nth)
    if spec.endswith("L") and spec != "L":  # the last such weekday of the month
        return aws_dow == _value(spec[:-1], _DAYS) and day.day + 7 > last
    if spec == "L":
        return aws_dow == 7
    return aws_dow in _field(spec, 1, 7, _DAYS)


@dataclass(frozen=True)
class Schedule:
    """A parsed ``rate(...)`` or ``cron(...)`` expression."""

    expression: str
    interval: timedelta | None = None
    cron: Cron | None = None

    @classmethod
    def parse(cls, expression: str) -> Schedule:
        text = expression.strip()
        rate = _RATE.match(text)
        if rate:
            amount, unit = int(rate.group(1)), rate.group(2).rstrip("s")
            if amount <= 0 or (amount == 1) != (not rate.group(2).endswith("s")):
                raise ScheduleError("rate needs a positive amount, singular unit for 1 and plural otherwise")
            return cls(text, interval=timedelta(seconds=amount * _RATE_UNIT[unit]))
        if text.startswith("cron(") and text.endswith(")"):
            return cls(text, cron=Cron.parse(text[5:-1]))
        raise ScheduleError(f"not a schedule expression: {expression}")

    def next_after(self, moment: datetime, started: datetime | None = None) -> datetime:
        """The next firing after ``moment``; a rate counts from ``started`` (the rule's creation)."""
        if self.cron is not None:
            return self.cron.next_after(moment)
        assert self.interval is not None
        origin = started or moment
        periods = int((moment - origin) / self.interval) + 1
        return origin + periods * self.interval


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
        return handler

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
    batch: int = 10
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
    ) -> None:
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
            if not fn.events:
                continue
            if not fn.handler_path.is_file():
                log.warning("%s: %s does not exist yet; its events are not wired", fn.logical_id, fn.handler_path)
                self.skipped.append(fn.logical_id)
                continue
            for event_name, event in fn.events.items():
                kind, props = event.get("Type"), event.get("Properties", {})
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
            batch=min(int(props.get("BatchSize", 10)), 10),
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
                received = self.sqs.receive_message(
                    QueueUrl=source.queue_url,
                    MaxNumberOfMessages=source.batch,
                    WaitTimeSeconds=self.poll_wait_s,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            except Exception:  # the server is going away on shutdown, or a transient error
                if self.stop_event.wait(1):
                    return
                log.exception("%s: receiving from %s failed", worker.name, source.queue_url)
                continue
            if received:
                self.deliver_sqs(worker, source, received)

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
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=source.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
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
