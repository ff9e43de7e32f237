"""Benchmark ``broadcast_province``: one emergency to every speaker of a province, from the send call to a complete
delivery report.

One deployment serves a province: 200 communes x 40 speakers = 8,000 speakers (``SMARTCOMMUNE_BENCH_PROVINCE``,
``COMMUNESxSPEAKERSxPROCESSES``, default ``200x40x4``). Every part is a real one, each in its own process so that
no part's work is measured as another's:

- **moto server** (DynamoDB, SQS), its own process, with the local stack's moto patches;
- **mosquitto** with mutual TLS, one certificate per speaker, ACL binding each speaker to its commune;
- **speaker agents** (``devices/speaker``, awsiotsdk mTLS, one connection each) spread over several processes;
- **ingestion**, its own process: the ack topic rule played as IoT Core does (MQTT -> ``DeviceAcksQueue``), and
  ``devices_acks`` fed by the SQS event source in batches of 100, as in AWS;
- **the platform's send**, in this process: ``DeviceFanout.send_to_communes`` (each commune's registry read, its
  command signed, recorded and published; one start time for the whole province).

Reported: ``p95_ms`` (send call -> the rule receiving each speaker's ``started`` ack; target <= 3,000; it includes
the start lead), ``start_spread_ms`` (latest - earliest actual start over all speakers; target <= 100),
``report_complete_ms`` (send call -> every commune's delivery report complete, read back from DynamoDB).
All of it shares the machine's cores: on a 2-core machine 8,000 agents' TLS, JSON and timers compete with the
broker, moto and ingestion, which a real province (one CPU per speaker, DynamoDB, IoT Core) would not.
"""

from __future__ import annotations

import hashlib
import http.server
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import benchmark

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings
    from smartcommune_local.template import LocalResources

SIZE_VARIABLE = "SMARTCOMMUNE_BENCH_PROVINCE"
REGION = "ap-southeast-1"
AUDIO = b"ID3" + bytes(range(256)) * 64
AUDIO_SHA = hashlib.sha256(AUDIO).hexdigest()
TARGETS = {"p95_ms": 3000, "start_spread_ms": 100}
BULLETIN = "province-emergency"


def commune_of(index: int) -> str:
    return f"tinh-xa-{index:03d}"


def things_of(index: int, speakers: int) -> list[str]:
    """``x007-spk-01a`` ... (the thing-name pattern: 2 digits and a letter after ``-spk-``)."""
    return [f"x{index:03d}-spk-{k // 4 + 1:02d}{'abcd'[k % 4]}" for k in range(speakers)]


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))], 1)


# ------------------------------------------------------------------ child processes


def _moto_main(port: int) -> None:
    from moto.server import ThreadedMotoServer

    from smartcommune_local.moto_patches import patch_moto_dynamodb

    patch_moto_dynamodb()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    threading.Event().wait()  # until terminated


def _agents_main(conn: Connection, settings: Settings, data_dir: str, pairs: list[tuple[str, str]], audio: str) -> None:
    from devices.speaker.agent import SpeakerAgent
    from devices.speaker.runtime import AgentRuntime
    from smartcommune_local.pki import LocalPki, pki_dir
    from smartcommune_local.speakers import agent_config

    runtime = AgentRuntime()
    pki = LocalPki(pki_dir(data_dir))
    agents = [
        SpeakerAgent(
            agent_config(settings, thing, commune, Path(data_dir), pki=pki, heartbeat_s=3600, play_ms=100), runtime
        )
        for thing, commune in pairs
    ]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda a: a.start(30), agents))
    runtime.audio.get(audio, AUDIO_SHA)  # a speaker keeps the alert audio it was sent ahead (prefetch)
    conn.send(("ready", time.perf_counter() - started))
    wanted = set(conn.recv())  # the command ids to report on
    starts = {a.config.thing: p.started_at.timestamp() for a in agents for p in a.plays if p.command_id in wanted}
    conn.send(starts)
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda a: a.stop(), agents))
    runtime.close()


def _ingest_main(conn: Connection, settings: Settings, resources: LocalResources) -> None:
    import boto3

    from smartcommune.core import table
    from smartcommune.core.aws import client
    from smartcommune.core.services import Services
    from smartcommune_local.iot_rules import RuleEngine, load_queue_rules
    from smartcommune_local.triggers import Triggers

    table.bind(settings)
    services = Services(settings)
    received: dict[str, float] = {}
    engine = RuleEngine([], settings, queue_rules=load_queue_rules(resources), sqs=client("sqs", settings))
    forward = engine._on_message

    def on_message(topic: str, payload: bytes) -> None:
        if b'"state":"started"' in payload:  # the moment IoT Core's rule would see this speaker's start
            received.setdefault(topic.split("/")[3], time.time())
        forward(topic, payload)

    engine._on_message = on_message  # type: ignore[method-assign]
    engine.start()
    triggers = Triggers(
        resources, boto3.Session(region_name=REGION), settings.aws_endpoint_url, only={"DeviceAcksFunction"}
    )
    triggers.services = services
    triggers.start()
    conn.send("ready")
    while conn.recv() != "collect":
        sender = engine._sender
        conn.send({"queued": sender.sent if sender else 0, "batches": sum(w.invocations for w in triggers.workers)})
    sender = engine._sender
    conn.send(
        {
            "received": received,
            "queued": sender.sent if sender else 0,
            "batches": sum(w.invocations for w in triggers.workers),
            "batch_errors": sum(w.errors for w in triggers.workers),
        }
    )
    triggers.stop()
    engine.stop()


# ------------------------------------------------------------------ the run


class _Audio(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(AUDIO)))
        self.end_headers()
        self.wfile.write(AUDIO)

    def log_message(self, *args: Any) -> None:
        pass


def _wait_http(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 (loopback)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _run(communes: int, speakers: int, processes: int, data_dir: Path) -> dict[str, Any]:  # noqa: PLR0912, PLR0915 (one measured scenario)
    import boto3

    from smartcommune.core import table
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.devices.contracts import GeoPoint, Speaker
    from smartcommune.devices.storage.fanout import DeviceFanout
    from smartcommune.devices.storage.publishers import MqttPublisher
    from smartcommune.devices.storage.registry import DeviceRepository
    from smartcommune_local.broker import free_port, start_broker
    from smartcommune_local.pki import LocalPki, pki_dir, platform_tls_settings
    from smartcommune_local.template import create_resources

    ctx = multiprocessing.get_context("spawn")
    moto_port = free_port()
    moto_url = f"http://127.0.0.1:{moto_port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        os.environ.setdefault(name, value)
    moto = ctx.Process(target=_moto_main, args=(moto_port,), daemon=True)
    moto.start()
    children: list[Any] = [moto]
    broker = None
    server = None
    try:
        _wait_http(moto_url + "/moto-api/")
        resources = create_resources(boto3.Session(region_name=REGION), endpoint_url=moto_url)
        env = resources.environment() | {"SMARTCOMMUNE_STAGE": "test", "SMARTCOMMUNE_AWS_ENDPOINT_URL": moto_url}
        settings = Settings.from_env(env).model_copy(
            update={"mqtt_port": free_port(), "fanout_transport": "mqtt", "aws_endpoint_url": moto_url}
            | platform_tls_settings(data_dir)
        )
        table.bind(settings)
        services = Services(settings)
        fleet = {commune_of(i): things_of(i, speakers) for i in range(1, communes + 1)}
        seeded = time.perf_counter()
        here = GeoPoint(lat=20, lon=106)
        for commune, things in fleet.items():
            DeviceRepository(commune).put_speakers(
                Speaker(thing=t, commune_id=commune, cluster_id="c1", hamlet_id="h1", location=here) for t in things
            )
        seed_s = time.perf_counter() - seeded
        pki = LocalPki(pki_dir(data_dir))
        t_pki = time.perf_counter()
        pki.client(settings.mqtt_username)
        device_communes = {t: c for c, things in fleet.items() for t in things}
        for thing in device_communes:
            pki.device(thing)
        pki_s = time.perf_counter() - t_pki
        broker = start_broker(
            data_dir,
            settings.mqtt_port,
            pki,
            device_communes=device_communes,
            platform_username=settings.mqtt_username,
            max_queued_messages=20000,
        )
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Audio)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        audio_url = f"http://127.0.0.1:{server.server_address[1]}/alert.mp3"

        ingest_conn, ingest_child = ctx.Pipe()
        ingest = ctx.Process(target=_ingest_main, args=(ingest_child, settings, resources), daemon=True)
        ingest.start()
        children.append(ingest)
        pairs = sorted(device_communes.items())
        agent_conns: list[Connection] = []
        t_connect = time.perf_counter()
        for k in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=_agents_main, args=(child, settings, str(data_dir), pairs[k::processes], audio_url), daemon=True
            )
            proc.start()
            children.append(proc)
            agent_conns.append(parent)
        assert ingest_conn.recv() == "ready"
        connect_s = [conn.recv()[1] for conn in agent_conns]
        connected_s = time.perf_counter() - t_connect
        time.sleep(2)  # let the connect-time traffic (shadow gets, heartbeats) settle

        publisher = MqttPublisher(settings, "bench-province-fanout")
        publisher.publish_many([])  # the platform's broker connection is warm in a running deployment
        fanout = DeviceFanout(settings, services.clock, publisher)
        sent_wall = time.time()
        sent = time.perf_counter()
        batches = fanout.send_to_communes(fleet, BULLETIN, audio_url, AUDIO_SHA, "emergency", 100, 1)
        send_call_ms = (time.perf_counter() - sent) * 1000
        start_at = min(b.start_at for b in batches)

        # wait until every speaker's acks are through the queue, then read every commune's report back
        report_ms: float | None = None
        complete: set[str] = set()
        deadline = time.perf_counter() + 240
        expected = 3 * communes * speakers  # received, started, finished
        while time.perf_counter() < deadline and report_ms is None:
            time.sleep(0.5)
            ingest_conn.send("progress")
            progress = ingest_conn.recv()
            if progress["queued"] < expected:
                continue
            attrs = boto3.client("sqs", region_name=REGION, endpoint_url=moto_url).get_queue_attributes(
                QueueUrl=resources.refs["DeviceAcksQueue"],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            if int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"]):
                continue
            for commune in sorted(set(fleet) - complete):
                if fanout.report(commune, BULLETIN).complete:
                    complete.add(commune)
            if len(complete) == communes:
                report_ms = (time.perf_counter() - sent) * 1000
        command_ids = [b.command_id for b in batches]
        for conn in agent_conns:
            conn.send(command_ids)
        starts: dict[str, float] = {}
        for conn in agent_conns:
            starts.update(conn.recv())
        ingest_conn.send("collect")
        ingested = ingest_conn.recv()
        publisher.close()
        latencies = [(t - sent_wall) * 1000 for t in ingested["received"].values()]
        spread = (max(starts.values()) - min(starts.values())) * 1000 if starts else None
        late = max(starts.values()) - start_at.timestamp() if starts else None
        result = {
            "speakers": communes * speakers,
            "communes": communes,
            "agent_processes": processes,
            "acked": len(ingested["received"]),
            "played": len(starts),
            "p50_ms": _pct(latencies, 0.5),
            "p95_ms": _pct(latencies, 0.95),
            "max_ms": round(max(latencies), 1) if latencies else None,
            "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
            "start_spread_ms": round(spread, 1) if spread is not None else None,
            "late_start_ms_max": round(late * 1000, 1) if late is not None else None,
            "start_lead_ms": round((start_at - datetime.fromtimestamp(sent_wall, UTC)).total_seconds() * 1000, 1),
            "send_call_ms": round(send_call_ms, 1),
            "report_complete_ms": round(report_ms, 1) if report_ms is not None else None,
            "reports_complete": len(complete),
            "acks_queued": ingested["queued"],
            "ack_batches": ingested["batches"],
            "ack_batch_errors": ingested["batch_errors"],
            "agents_connect_s": round(connected_s, 1),
            "agents_connect_s_per_process": [round(s, 1) for s in connect_s],
            "certificates_s": round(pki_s, 1),
            "registry_seed_s": round(seed_s, 1),
            "cpus": os.cpu_count(),
        }
        result["targets"] = TARGETS
        result["met"] = {k: result[k] is not None and result[k] <= v for k, v in TARGETS.items()}
        return result
    finally:
        for child in reversed(children):
            child.terminate()
            child.join(10)
        if broker is not None:
            broker.stop()
        if server is not None:
            server.shutdown()


@benchmark("broadcast_province")
def broadcast_province() -> dict[str, Any]:
    communes, speakers, processes = (int(x) for x in os.environ.get(SIZE_VARIABLE, "200x40x4").split("x"))
    with tempfile.TemporaryDirectory(prefix="bench-province-") as tmp:
        result = _run(communes, speakers, processes, Path(tmp))
    return result | {
        "note": (
            "latency = send call to the ack rule receiving each speaker's 'started' (includes the start lead, one "
            "start for the whole province); report_complete_ms = send call to every commune's delivery report "
            "complete in DynamoDB, through IoT rule -> SQS -> devices_acks batches of 100. moto, mosquitto, "
            "ingestion and the agent processes share this machine's cores."
        )
    }
