"""AWS IoT topic rules played locally: the template's ``AWS::IoT::TopicRule`` resources on the local Mosquitto.

For every topic rule whose action is a Lambda function of ``template.yaml``, the emulator subscribes to the
rule's topic filter (as the platform's broker user) and invokes the same handler function with the event IoT
Core would build from the rule's SQL. The SQL understood is the subset the template uses::

    SELECT *, topic(N) AS name, timestamp() AS name FROM 'topic/filter'

How the lead wires it into ``make up`` (after moto, the table and demo data exist, before the API serves)::

    from smartcommune_local.iot_rules import start_local_iot

    iot = start_local_iot(resources, settings, data_dir, services=services)   # broker + rules + 40 speakers
    env["SMARTCOMMUNE_MQTT_PORT"] = str(iot.port)   # if the API/fan-out run in this process, pass settings
    ...
    iot.stop()                                       # on shutdown (stops speakers, rules, then mosquitto)

``settings`` must have ``fanout_transport="mqtt"`` and the ``mqtt_*`` fields the fan-out uses: pass
``settings.model_copy(update={"mqtt_port": port} | platform_tls_settings(data_dir))`` (``smartcommune_local.pki``)
or set ``SMARTCOMMUNE_MQTT_PORT`` / ``SMARTCOMMUNE_MQTT_CERT_PATH`` ... before building services: every platform
client connects with the platform's certificate, issued here by the local CA under ``<data_dir>/pki``.
``iot.health()`` returns the parts' status for the stack's health probe.

A rule whose action is an SQS queue (the speaker acks: ``DeviceAckRule`` -> ``DeviceAcksQueue``) puts the same
document on the local queue instead, as JSON; the queue's function is then fed by ``triggers`` in batches.

IoT Core's shadow service is played too (``smartcommune_local.shadow_service.LocalShadowService``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smartcommune_local.iot_sqs import QueueSender
from smartcommune_local.template import REPO_ROOT
from smartcommune_local.triggers import FunctionSpec, Handler, functions_of

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.devices.storage.mqtt import MqttClient
    from smartcommune_local.broker import BrokerHandle
    from smartcommune_local.shadow_service import LocalShadowService
    from smartcommune_local.speakers import SpeakerFleet
    from smartcommune_local.template import LocalResources
    from smartcommune_local.triggers import Triggers

log = logging.getLogger("smartcommune_local.iot_rules")

_SQL = re.compile(
    r"^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+'(?P<topic>[^']+)'\s*(?:WHERE\s+(?P<where>.+))?$", re.I | re.S
)
_TOPIC_FN = re.compile(r"^topic\((\d+)\)\s+AS\s+(\w+)$", re.I)
_TIMESTAMP_FN = re.compile(r"^timestamp\(\)\s+AS\s+(\w+)$", re.I)


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT filter matching (``+`` one level, ``#`` the rest)."""
    f_parts, t_parts = topic_filter.split("/"), topic.split("/")
    for i, part in enumerate(f_parts):
        if part == "#":
            return True
        if i >= len(t_parts) or (part != "+" and part != t_parts[i]):
            return False
    return len(f_parts) == len(t_parts)


@dataclass
class RuleSql:
    topic_filter: str
    select_all: bool
    topic_fields: dict[str, int]
    timestamp_fields: list[str]

    @classmethod
    def parse(cls, sql: str) -> RuleSql:
        match = _SQL.match(sql)
        if not match or match.group("where"):
            raise ValueError(f"unsupported IoT SQL (no WHERE, only *, topic(n), timestamp()): {sql!r}")
        select_all = False
        topics: dict[str, int] = {}
        stamps: list[str] = []
        for raw in match.group("select").split(","):
            item = raw.strip()
            if item == "*":
                select_all = True
            elif m := _TOPIC_FN.match(item):
                topics[m.group(2)] = int(m.group(1))
            elif m := _TIMESTAMP_FN.match(item):
                stamps.append(m.group(1))
            else:
                raise ValueError(f"unsupported IoT SQL select item: {item!r}")
        return cls(match.group("topic"), select_all, topics, stamps)

    def event(self, topic: str, payload: bytes) -> dict[str, Any]:
        """The event IoT Core hands the Lambda action for one message."""
        event: dict[str, Any] = {}
        if self.select_all:
            document = json.loads(payload)
            if not isinstance(document, dict):
                raise ValueError("payload is not a JSON object")
            event.update(document)
        parts = topic.split("/")
        for name, index in self.topic_fields.items():
            event[name] = parts[index - 1] if 0 < index <= len(parts) else None
        now_ms = int(time.time() * 1000)
        for name in self.timestamp_fields:
            event[name] = now_ms
        return event


@dataclass
class LocalRule:
    name: str
    sql: RuleSql
    function: FunctionSpec
    handler: Handler


def rules_of(template: dict[str, Any], root: Path = REPO_ROOT) -> list[tuple[str, RuleSql, str]]:
    """(rule logical id, parsed SQL, target function logical id) for each enabled topic rule with a Lambda action."""
    return [(name, sql, target) for name, sql, kind, target in _actions(template) if kind == "Lambda"]


def queue_rules_of(template: dict[str, Any]) -> list[tuple[str, RuleSql, str]]:
    """(rule logical id, parsed SQL, target queue logical id) for each enabled topic rule with an SQS action."""
    return [(name, sql, target) for name, sql, kind, target in _actions(template) if kind == "Sqs"]


def _actions(template: dict[str, Any]) -> list[tuple[str, RuleSql, str, str]]:
    out: list[tuple[str, RuleSql, str, str]] = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::IoT::TopicRule":
            continue
        payload = resource["Properties"]["TopicRulePayload"]
        if payload.get("RuleDisabled"):
            continue
        for action in payload.get("Actions", []):
            arn = action.get("Lambda", {}).get("FunctionArn")
            if isinstance(arn, dict) and "Fn::GetAtt" in arn:
                target = arn["Fn::GetAtt"]
                function_id = target[0] if isinstance(target, list) else target.split(".")[0]
                out.append((logical_id, RuleSql.parse(payload["Sql"]), "Lambda", function_id))
            queue = action.get("Sqs", {}).get("QueueUrl")
            if isinstance(queue, dict) and "Ref" in queue:
                out.append((logical_id, RuleSql.parse(payload["Sql"]), "Sqs", str(queue["Ref"])))
    return out


@dataclass
class QueueRule:
    """A topic rule whose action puts the selected document on an SQS queue (``UseBase64: false``)."""

    name: str
    sql: RuleSql
    queue_url: str


class RuleEngine:
    """Subscribes to every rule's topic filter and invokes its handler (a small pool keeps MQTT threads free)."""

    def __init__(
        self,
        rules: list[LocalRule],
        settings: Settings,
        workers: int = 4,
        *,
        queue_rules: list[QueueRule] | None = None,
        sqs: Any = None,
    ) -> None:
        self.rules = rules
        self.queue_rules = queue_rules or []
        self._sender = QueueSender(sqs) if self.queue_rules else None
        self.settings = settings
        self.invocations = 0
        self.errors = 0
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="iot-rule")
        self._client: MqttClient | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        from smartcommune.devices.storage.mqtt import MqttClient, platform_tls

        s = self.settings
        self._client = MqttClient(
            s.mqtt_host,
            s.mqtt_port,
            "platform-iot-rules",
            tls=platform_tls(s),
            clean_session=False,  # acks published while the emulator restarts are queued for it
            on_message=self._on_message,
        )
        # A minute, not the client's 10 s: at start the broker also shakes hands with every simulated speaker,
        # sensor and camera (mutual TLS), and on a loaded 2-core machine the platform can wait behind them.
        self._client.connect(timeout_s=60.0)
        filters = {r.sql.topic_filter for r in self.rules} | {r.sql.topic_filter for r in self.queue_rules}
        for topic_filter in sorted(filters):
            self._client.subscribe(topic_filter, 1)

    def stop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client = None
        self._pool.shutdown(wait=True, cancel_futures=False)
        if self._sender is not None:
            self._sender.stop()

    def alive(self) -> bool:
        return self._client is not None and self._client.connected.is_set()

    def _on_message(self, topic: str, payload: bytes) -> None:
        for rule in self.rules:
            if topic_matches(rule.sql.topic_filter, topic):
                self._pool.submit(self._invoke, rule, topic, payload)
        for queue_rule in self.queue_rules:
            if self._sender is not None and topic_matches(queue_rule.sql.topic_filter, topic):
                try:
                    body = json.dumps(queue_rule.sql.event(topic, payload), separators=(",", ":"))
                except ValueError:
                    with self._lock:
                        self.errors += 1
                    continue  # IoT Core drops a payload its SQL cannot read
                self._sender.put(queue_rule.queue_url, body)

    def _invoke(self, rule: LocalRule, topic: str, payload: bytes) -> None:
        try:
            event = rule.sql.event(topic, payload)
            rule.handler(event, rule.function.context(self.settings.aws_region))
        except Exception:
            with self._lock:
                self.errors += 1
            log.exception("rule %s on %s failed", rule.name, topic)
        finally:
            with self._lock:
                self.invocations += 1


def load_rules(template: dict[str, Any], services: Services | None = None, root: Path = REPO_ROOT) -> list[LocalRule]:
    """The template's topic rules with their handlers loaded as Lambda would (``use_services`` when given)."""
    functions = {f.logical_id: f for f in functions_of(template, root)}
    out: list[LocalRule] = []
    for name, sql, function_id in rules_of(template, root):
        spec = functions[function_id]
        handler = spec.load()
        if services is not None and spec._module is not None and hasattr(spec._module, "use_services"):
            spec._module.use_services(services)
        out.append(LocalRule(name, sql, spec, handler))
    return out


def load_queue_rules(resources: LocalResources) -> list[QueueRule]:
    """The template's topic rules with an SQS action, bound to the local queues."""
    return [QueueRule(name, sql, resources.refs[queue]) for name, sql, queue in queue_rules_of(resources.template)]


@dataclass
class LocalIot:
    """Everything ``start_local_iot`` started; ``stop()`` stops it in reverse order."""

    port: int
    broker: BrokerHandle
    engine: RuleEngine
    shadows: LocalShadowService
    fleet: SpeakerFleet | None = None
    consumers: Triggers | None = None  # the rule queues' functions, when start_local_iot was asked to run them

    def health(self) -> dict[str, Any]:
        return {
            "broker": "ok" if self.broker.alive() else "down",
            "iot_rules": "ok" if self.engine.alive() and self.shadows.alive() else "down",
            "speakers_online": self.fleet.online() if self.fleet else 0,
        }

    def stop(self) -> None:
        if self.fleet is not None:
            self.fleet.stop()
        self.shadows.stop()
        self.engine.stop()
        if self.consumers is not None:
            self.consumers.stop()
        self.broker.stop()


def start_local_iot(
    resources: LocalResources,
    settings: Settings,
    data_dir: str | Path,
    *,
    services: Services | None = None,
    port: int | None = None,
    start_speakers: bool = True,
    commune_ids: tuple[str, ...] = ("giao-phong",),
    consume_queues: bool = False,
    sensor_communes: dict[str, str] | None = None,
    speaker_bindings: Mapping[str, Sequence[str]] | None = None,
) -> LocalIot:
    """Start mosquitto (mutual TLS, ACL by certificate CN), the IoT-rule emulator, the shadow service, the speakers.

    ``settings.mqtt_port`` is used unless ``port`` is given. The local CA under ``<data_dir>/pki`` issues (once)
    the broker's certificate, the platform's (CN = ``settings.mqtt_username``) and one per demo thing of
    ``commune_ids`` (CN = thing name). ``consume_queues`` also feeds the rule queues' functions (the acks'
    batches), for a caller without the stack's ``Triggers`` (tests, benches). ``sensor_communes`` (water sensor
    id -> commune) gets each water sensor a device certificate and its one topic in the broker's ACL.
    ``speaker_bindings`` (thing -> communes, from the registry: ``devices.wiring.speaker_topic_bindings``) binds
    speakers re-provisioned after a merger to the communes they use now, instead of the one they were made under.
    """
    from smartcommune_local.broker import start_broker
    from smartcommune_local.devices_demo import demo_things
    from smartcommune_local.pki import LocalPki, pki_dir, platform_tls_settings

    port = port or settings.mqtt_port
    tls = platform_tls_settings(data_dir, settings.mqtt_username)
    settings = settings.model_copy(update={"mqtt_port": port, "fanout_transport": "mqtt"} | tls)
    communes: dict[str, str | Sequence[str]] = {t: c for c in commune_ids for t in demo_things(c)}
    communes.update(speaker_bindings or {})  # the broker binds each thing to its commune(s)
    from smartcommune_local.cameras_demo import demo_cameras

    communes.update({cam.thing: c for c in commune_ids for cam in demo_cameras(c)})  # and each camera
    pki = LocalPki(pki_dir(data_dir))
    pki.client(settings.mqtt_username)
    for thing in [*communes, *(sensor_communes or {})]:
        pki.device(thing)
    broker = start_broker(
        Path(data_dir),
        port,
        pki,
        device_communes=communes,
        sensor_communes=sensor_communes,
        platform_username=settings.mqtt_username,
    )
    from smartcommune.core.aws import client

    engine = RuleEngine(
        load_rules(resources.template, services),
        settings,
        queue_rules=load_queue_rules(resources),
        sqs=client("sqs", settings),
    )
    from smartcommune_local.shadow_service import LocalShadowService

    shadows = LocalShadowService(settings)
    consumers = None
    try:
        engine.start()
        shadows.start()
        if consume_queues:
            consumers = _queue_consumers(resources, settings, services)
        fleet = None
        if start_speakers:
            from smartcommune_local.speakers import start_speakers as _start_speakers

            fleet = _start_speakers(settings, Path(data_dir), commune_ids=commune_ids)
    except Exception:
        shadows.stop()
        engine.stop()
        if consumers is not None:
            consumers.stop()
        broker.stop()
        raise
    return LocalIot(port=port, broker=broker, engine=engine, shadows=shadows, fleet=fleet, consumers=consumers)


def _queue_consumers(resources: LocalResources, settings: Settings, services: Services | None) -> Triggers:
    import boto3

    from smartcommune_local.triggers import Triggers

    queues = {queue for _, _, queue in queue_rules_of(resources.template)}
    fed = set()
    for fn in functions_of(resources.template):
        for event in fn.events.values():
            queue = (event.get("Properties") or {}).get("Queue") or {}
            if event.get("Type") == "SQS" and queue.get("Fn::GetAtt", [None])[0] in queues:
                fed.add(fn.logical_id)
    session = boto3.Session(region_name=settings.aws_region)
    triggers = Triggers(resources, session, settings.aws_endpoint_url, only=fed, services=services)
    triggers.start()
    return triggers
