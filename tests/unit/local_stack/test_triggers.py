"""Local triggers: schedule expressions as EventBridge reads them, and SQS batches as Lambda delivers them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from smartcommune_local.schedules import Schedule, ScheduleError
from smartcommune_local.template import load_template
from smartcommune_local.triggers import (
    SqsSource,
    Triggers,
    Worker,
    functions_of,
    scheduled_event,
    sqs_event,
)

T0 = datetime(2025, 3, 14, 10, 7, 30, tzinfo=UTC)  # a Friday


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # the nightly audit verification: 19:00 UTC is 02:00 in Hà Nội
        ("cron(0 19 * * ? *)", T0, at(2025, 3, 14, 19, 0)),
        ("cron(0 19 * * ? *)", at(2025, 3, 14, 19, 0), at(2025, 3, 15, 19, 0)),
        ("cron(0/15 * * * ? *)", T0, at(2025, 3, 14, 10, 15)),
        ("cron(0 8 ? * MON-FRI *)", T0, at(2025, 3, 17, 8, 0)),  # Friday 10:07 → Monday 08:00
        ("cron(0 8 ? * 2 *)", T0, at(2025, 3, 17, 8, 0)),  # 2 = Monday in AWS numbering
        ("cron(30 1 1 * ? *)", T0, at(2025, 4, 1, 1, 30)),
        ("cron(0 0 L * ? *)", T0, at(2025, 3, 31, 0, 0)),
        ("cron(0 0 L 2 ? *)", T0, at(2026, 2, 28, 0, 0)),
        ("cron(0 9 ? * 6#2 *)", T0, at(2025, 4, 11, 9, 0)),  # second Friday of April
        ("cron(0 9 ? * 6L *)", T0, at(2025, 3, 28, 9, 0)),  # last Friday of March
        ("cron(0 9 15W * ? *)", T0, at(2025, 4, 15, 9, 0)),  # 15/03/2025 is a Saturday: the 14th already passed
        ("cron(0 9 1W 6 ? *)", T0, at(2025, 6, 2, 9, 0)),  # 01/06/2025 is a Sunday → Monday the 2nd
        ("cron(0 12 1 JAN ? 2027)", T0, at(2027, 1, 1, 12, 0)),
    ],
)
def test_cron_fires_when_eventbridge_would(expression, after, expected):
    assert Schedule.parse(expression).next_after(after) == expected


def test_rate_counts_from_when_the_rule_started():
    # Given a rule started at T0
    schedule = Schedule.parse("rate(5 minutes)")
    # Then it fires every five minutes from T0, never at T0 itself
    assert schedule.next_after(T0, T0) == T0 + timedelta(minutes=5)
    assert schedule.next_after(T0 + timedelta(minutes=7), T0) == T0 + timedelta(minutes=10)
    assert Schedule.parse("rate(1 day)").next_after(T0, T0) == T0 + timedelta(days=1)


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(5 weeks)",
        "cron(0 19 * * *)",  # five fields: Unix cron, not AWS
        "cron(0 19 * * * *)",  # both day fields set
        "cron(0 19 ? * ? *)",  # neither set
        "cron(61 19 * * ? *)",
        "cron(0 8 ? * FUNDAY *)",
        "every day",
    ],
)
def test_expressions_eventbridge_refuses_are_refused(expression):
    with pytest.raises(ScheduleError):
        Schedule.parse(expression)


def test_the_template_s_schedules_all_parse():
    for fn in functions_of(load_template()):
        for event in fn.events.values():
            if event["Type"] == "Schedule":
                Schedule.parse(event["Properties"]["Schedule"])


def test_functions_are_found_with_their_handler_file_and_events():
    functions = {fn.logical_id: fn for fn in functions_of(load_template())}
    sms = functions["SmsSenderFunction"]
    assert sms.handler_path.parts[-3:] == ("functions", "sms_sender", "handler.py")
    assert sms.handler_name == "lambda_handler"
    assert sms.events["Queue"]["Type"] == "SQS"
    assert functions["AuditVerifierFunction"].timeout_s == 300


def test_scheduled_event_has_eventbridge_s_shape():
    event = scheduled_event("AuditVerifierFunction-Nightly", at(2025, 3, 14, 19, 0), "ap-southeast-1")
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2025-03-14T19:00:00Z"
    assert event["resources"] == ["arn:aws:events:ap-southeast-1:123456789012:rule/AuditVerifierFunction-Nightly"]


MESSAGES = [
    {
        "MessageId": f"m{i}",
        "ReceiptHandle": f"r{i}",
        "Body": f'{{"n": {i}}}',
        "MD5OfBody": "x",
        "Attributes": {"ApproximateReceiveCount": "1"},
        "MessageAttributes": {"kind": {"StringValue": "otp", "DataType": "String"}},
    }
    for i in range(3)
]


def test_sqs_event_has_lambda_s_shape():
    event = sqs_event(MESSAGES[:1], "arn:aws:sqs:ap-southeast-1:123456789012:q", "ap-southeast-1")
    (record,) = event["Records"]
    assert record["messageId"] == "m0"
    assert record["receiptHandle"] == "r0"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":q")
    assert record["messageAttributes"]["kind"]["stringValue"] == "otp"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"


class FakeSqs:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:
        self.deleted += [e["ReceiptHandle"] for e in Entries]


class FakeFunction:
    logical_id = "Fn"

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.events_seen: list[dict[str, Any]] = []

    def load(self) -> Any:
        def call(event: dict[str, Any], context: Any) -> Any:
            self.events_seen.append(event)
            assert context.get_remaining_time_in_millis() > 0
            return self.handler(event)

        return call

    def context(self, region: str) -> Any:
        from smartcommune_local.triggers import LambdaContext

        return LambdaContext("Fn", 15, 512, region)


def deliver(handler: Any, partial: bool = True) -> tuple[FakeSqs, Worker]:
    triggers = Triggers.__new__(Triggers)
    triggers.sqs = FakeSqs()
    triggers.region = "ap-southeast-1"
    worker = Worker("Fn.Queue")
    source = SqsSource(FakeFunction(handler), "url", "arn", partial=partial)  # type: ignore[arg-type]
    triggers.deliver_sqs(worker, source, MESSAGES)
    return triggers.sqs, worker


def test_a_batch_that_succeeds_is_deleted():
    sqs, worker = deliver(lambda event: {"batchItemFailures": []})
    assert sqs.deleted == ["r0", "r1", "r2"]
    assert worker.errors == 0


def test_reported_failures_stay_on_the_queue():
    sqs, worker = deliver(lambda event: {"batchItemFailures": [{"itemIdentifier": "m1"}]})
    assert sqs.deleted == ["r0", "r2"]
    assert worker.errors == 1


def test_failures_are_ignored_when_the_function_does_not_report_them():
    sqs, _ = deliver(lambda event: {"batchItemFailures": [{"itemIdentifier": "m1"}]}, partial=False)
    assert sqs.deleted == ["r0", "r1", "r2"]


def test_a_handler_that_raises_leaves_the_whole_batch_for_a_retry():
    def boom(event: dict[str, Any]) -> None:
        raise RuntimeError("SNS is down")

    sqs, worker = deliver(boom)
    assert sqs.deleted == []
    assert worker.errors == 1


def test_handlers_load_from_their_file_without_touching_sys_path(tmp_path: Path):
    import sys

    # Given a function whose code is only a file in its CodeUri
    code = tmp_path / "functions" / "echo"
    code.mkdir(parents=True)
    (code / "handler.py").write_text("def lambda_handler(event, context):\n    return {'seen': event['n']}\n")
    template = {
        "Resources": {
            "EchoFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "functions/echo/", "Handler": "handler.lambda_handler"},
            }
        }
    }
    path_before = list(sys.path)
    # When it is loaded and called
    (fn,) = functions_of(template, tmp_path)
    result = fn.load()({"n": 7}, fn.context("ap-southeast-1"))
    # Then it ran, and sys.path is as it was
    assert result == {"seen": 7}
    assert sys.path == path_before
