"""Benchmark ``broadcast``: an emergency command from the send call to every speaker's ``started`` ack.

Real MQTT (mosquitto on a free port), real awscrt speaker agents in this process (one connection each, the same
code as ``devices/speaker``), the platform's ``DeviceFanout`` on moto. Two sizes: the 40 demo speakers (with the
IoT-rule emulator writing delivery state, and the time to a complete delivery report) and 2,000 simulated
speakers (same agents; acks are timed at a platform subscriber, the rule emulator is off because moto in this
process would compete with the agents for the GIL). ``raw_mqtt_ms`` is the same fan-out as a bare QoS 1
publish to as many bare awscrt subscribers, in the same run: publish start to last message received.

``SMARTCOMMUNE_BENCH_BROADCAST_SIZES=40,2000`` (default) picks the sizes.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import benchmark

COMMUNE = "giao-phong"
AUDIO = b"ID3" + bytes(range(256)) * 64
AUDIO_SHA = hashlib.sha256(AUDIO).hexdigest()


def _things(prefix: str, n: int) -> list[str]:
    if prefix == "gp" and n <= 40:
        from smartcommune_local.devices_demo import demo_things

        return demo_things(COMMUNE)[:n]
    return [f"{prefix}{i // 100:02d}-spk-{i % 100 // 4:02d}{'abcd'[i % 4]}" for i in range(n)]


class _Audio(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(AUDIO)))
        self.end_headers()
        self.wfile.write(AUDIO)

    def log_message(self, *args: Any) -> None:
        pass


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))], 1)


def _run(size: int, base_dir: Path) -> dict[str, Any]:  # noqa: PLR0915 (one measured scenario, top to bottom)
    import boto3
    from moto import mock_aws

    from smartcommune.core import table
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.devices.contracts import ACK_TOPIC_FILTER, CommandAck, GeoPoint, Speaker, cmd_topic
    from smartcommune.devices.storage.fanout import DeviceFanout
    from smartcommune.devices.storage.mqtt import MqttClient
    from smartcommune.devices.storage.publishers import MqttPublisher
    from smartcommune_local.broker import free_port, start_broker
    from smartcommune_local.devices_demo import seed_devices
    from smartcommune_local.iot_rules import load_queue_rules
    from smartcommune_local.pki import LocalPki, pki_dir, platform_tls_settings
    from smartcommune_local.speakers import start_speakers
    from smartcommune_local.template import create_resources
    from smartcommune_local.triggers import functions_of, sqs_event

    data_dir = base_dir / f"run-{size}"
    with mock_aws():
        resources = create_resources(boto3.Session(region_name="ap-southeast-1"), endpoint_url=None)
        env = resources.environment() | {"SMARTCOMMUNE_STAGE": "test"}
        settings = Settings.from_env(env).model_copy(
            update={"mqtt_port": free_port(), "fanout_transport": "mqtt"} | platform_tls_settings(data_dir)
        )
        table.bind(settings)
        services = Services(settings)
        demo = size == 40
        things = _things("gp" if demo else "sim", size)
        raw_things = _things("raw", size)
        if demo:
            seed_devices(services)
        registry = {
            t: Speaker(
                thing=t, commune_id=COMMUNE, cluster_id="sim", hamlet_id="sim", location=GeoPoint(lat=20, lon=106)
            )
            for t in things
        }
        pki = LocalPki(pki_dir(data_dir))  # mutual TLS: one certificate per speaker (EC P-256), the platform's
        t_pki = time.perf_counter()
        platform_tls = pki.client(settings.mqtt_username)
        device_tls = {t: pki.device(t) for t in things + raw_things}
        pki_s = time.perf_counter() - t_pki
        communes = dict.fromkeys(things + raw_things, COMMUNE)  # each speaker only on its commune's topics
        broker = start_broker(data_dir, settings.mqtt_port, pki, device_communes=communes, max_queued_messages=10000)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Audio)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        audio_url = f"http://127.0.0.1:{server.server_address[1]}/a.mp3"
        fleet = None
        raw_clients: list[MqttClient] = []
        try:
            queue_rules = {r.sql.topic_filter: r for r in load_queue_rules(resources)} if demo else {}
            t0 = time.perf_counter()
            fleet = start_speakers(settings, data_dir, things=things, heartbeat_s=3600, play_ms=100)
            connect_s = time.perf_counter() - t0
            # the platform's view of acks: receive time of each speaker's "started"
            started_at: dict[str, float] = {}
            all_started = threading.Event()

            ack_messages: list[tuple[str, bytes]] = []

            def on_ack(topic: str, payload: bytes) -> None:
                ack_messages.append((topic, payload))
                ack = CommandAck.model_validate_json(payload)
                if ack.state == "started" and ack.thing not in started_at:
                    started_at[ack.thing] = time.perf_counter()
                    if len(started_at) == size:
                        all_started.set()

            watcher = MqttClient(
                "127.0.0.1",
                settings.mqtt_port,
                "bench-acks",
                tls=platform_tls,
                clean_session=True,
                on_message=on_ack,
            )
            watcher.connect()
            watcher.subscribe(ACK_TOPIC_FILTER)
            publisher = MqttPublisher(settings, "bench-fanout")
            fanout = DeviceFanout(settings, services.clock, publisher)
            # warm the publisher connection and the audio cache (a real speaker prefetches scheduled audio)
            publisher.publish_many([])
            fleet.runtime.audio.get(audio_url, AUDIO_SHA)

            fanout.registry(COMMUNE).registry()
            sent = time.perf_counter()
            batch = fanout.send(
                COMMUNE,
                "bench-emergency",
                things,
                audio_url,
                AUDIO_SHA,
                "emergency",
                100,
                1,
                registry=None if demo else registry,
            )
            send_return_ms = (time.perf_counter() - sent) * 1000
            all_started.wait(60)
            latencies = [(t - sent) * 1000 for t in started_at.values()]
            starts = [p.started_at for a in fleet.agents.values() for p in a.plays if p.command_id == batch.command_id]
            spread = (max(starts) - min(starts)).total_seconds() * 1000 if starts else None
            lead_ms = (batch.start_at - batch.sent_at).total_seconds() * 1000
            report_ms = None
            complete = None
            if demo:
                # The IoT-rule handler writes delivery state (moto, in this process). It runs after the timed
                # part: in AWS it runs in Lambda, here it would compete with the agents for the GIL.
                time.sleep(0.3)  # the "finished" acks (play_ms=100)
                ack_rule = queue_rules[ACK_TOPIC_FILTER]  # IoT rule -> DeviceAcksQueue -> batches of 100
                (acks_fn,) = [f for f in functions_of(resources.template) if f.logical_id == "DeviceAcksFunction"]
                handler = acks_fn.load()
                acks_fn._module.use_services(services)  # type: ignore[union-attr]
                handled = time.perf_counter()
                bodies = [
                    {
                        "MessageId": str(i),
                        "ReceiptHandle": str(i),
                        "Body": json.dumps(ack_rule.sql.event(topic, payload)),
                    }
                    for i, (topic, payload) in enumerate(list(ack_messages))
                ]
                for start in range(0, len(bodies), 100):
                    event = sqs_event(bodies[start : start + 100], "arn:aws:sqs:ap-southeast-1:1:q", "ap-southeast-1")
                    handler(event, acks_fn.context("ap-southeast-1"))
                report_ms = round((time.perf_counter() - handled) * 1000 / max(1, len(ack_messages)), 2)
                complete = fanout.report(COMMUNE, "bench-emergency").complete

            # bare MQTT: the same number of QoS 1 messages to as many bare subscribers
            received: dict[str, float] = {}
            raw_done = threading.Event()

            def raw_handler(topic: str, payload: bytes) -> None:
                received[topic] = time.perf_counter()
                if len(received) == size:
                    raw_done.set()

            def connect_raw(thing: str) -> MqttClient:
                c = MqttClient(
                    "127.0.0.1",
                    settings.mqtt_port,
                    thing,
                    tls=device_tls[thing],
                    clean_session=True,
                    on_message=raw_handler,
                )
                c.connect()
                c.subscribe(cmd_topic(COMMUNE, thing))
                return c

            with ThreadPoolExecutor(16) as pool:
                raw_clients = list(pool.map(connect_raw, raw_things))
            payload = b"x" * 600
            raw_start = time.perf_counter()
            publisher.publish_many([(cmd_topic(COMMUNE, t), payload) for t in raw_things])
            raw_done.wait(30)
            raw_ms = (max(received.values()) - raw_start) * 1000 if received else None
            publisher.close()
            watcher.disconnect()
            return {
                "speakers": size,
                "acked": len(started_at),
                "p50_ms": _pct(latencies, 0.5) if latencies else None,
                "p95_ms": _pct(latencies, 0.95) if latencies else None,
                "max_ms": round(max(latencies), 1) if latencies else None,
                "start_spread_ms": round(spread, 1) if spread is not None else None,
                "raw_mqtt_ms": round(raw_ms, 1) if raw_ms is not None else None,
                "start_lead_ms": round(lead_ms, 1),
                "late_start_ms_max": round(max((s - batch.start_at).total_seconds() * 1000 for s in starts), 1)
                if starts
                else None,
                "send_call_ms": round(send_return_ms, 1),
                "ack_handler_ms_per_ack": report_ms,
                "report_complete": complete,
                "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
                "agents_connect_s": round(connect_s, 2),
                "certificates_s": round(pki_s, 2),
                "mode": "awsiotsdk mutual-TLS agent per speaker, one process",
            }
        finally:
            for c in raw_clients:
                c.disconnect()
            if fleet is not None:
                fleet.stop()
            broker.stop()
            server.shutdown()


@benchmark("broadcast")
def broadcast() -> dict[str, Any]:
    sizes = [int(s) for s in os.environ.get("SMARTCOMMUNE_BENCH_BROADCAST_SIZES", "40,2000").split(",") if s]
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp:
        runs = [_run(size, Path(tmp)) for size in sizes]
    top = next((r for r in runs if r["speakers"] == 40), runs[0])
    return {
        **top,
        "runs": runs,
        "note": (
            "latency = send call to the platform receiving each speaker's 'started' ack; it includes the start "
            "lead (start_at - send), chosen so every speaker has the command before it plays. raw_mqtt_ms = bare "
            "QoS 1 publish of the same number of messages to bare subscribers (publish to last receipt)."
        ),
    }
