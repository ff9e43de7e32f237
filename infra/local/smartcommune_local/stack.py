"""``smartcommune up``: the whole platform on 127.0.0.1, from the same template that deploys it.

Parts, in start order: moto (AWS stand-in, its writes tracked for snapshots) → tables, buckets and queues made
from ``template.yaml`` → the process environment a Lambda function gets, plus local overrides → data restored
from DATA_DIR → ``web/`` uploaded to the web bucket → demo data seeded where missing → trigger workers (SQS
pollers, schedules) → the API (the real Chalice app, Chalice's local server) → the edge (CloudFront's part).
``GET /health`` answers 200 once the API is up, which is last, so a 200 means every part is running.

Long because: the start and stop order of every part is one sequence, best read top to bottom in one class; each
step is a short method, and the configuration lives in ``stack_config.py``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from smartcommune_local.stack_config import StackConfig, demo_cache_dir, read_stack_file
from smartcommune_local.template import REPO_ROOT

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune_local.demo_data import SeedReport
    from smartcommune_local.edge import Edge
    from smartcommune_local.persistence import Persistence
    from smartcommune_local.template import LocalResources
    from smartcommune_local.triggers import Triggers

log = logging.getLogger("smartcommune_local")

REGION = "ap-southeast-1"
WEB_DIR = REPO_ROOT / "web"
SITES = ("citizen", "admin", "dashboard", "site")


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def load_app_module() -> ModuleType:
    """The repository's ``app.py`` (the Chalice app that deploys), imported by its path."""
    import importlib.util
    import sys
    import warnings

    # Chalice's local server cannot play API Gateway's AWS_IAM authoriser on the province routes and warns on every
    # request; the handler verifies those signatures itself (smartcommune.province).
    warnings.filterwarnings("ignore", "IAMAuthorizer is not a supported in local mode", UserWarning)
    if "app" in sys.modules and getattr(sys.modules["app"], "__file__", None) == str(REPO_ROOT / "app.py"):
        return sys.modules["app"]
    spec = importlib.util.spec_from_file_location("app", REPO_ROOT / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError("cannot load app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class LocalStack:
    """The running local stack; :meth:`start` brings every part up, :meth:`stop` takes a final snapshot."""

    config: StackConfig
    timings: dict[str, float] = field(default_factory=dict)
    resources: LocalResources | None = None
    function_env: dict[str, str] = field(default_factory=dict)  # what the functions see (written to stack.json)
    services: Services | None = None
    persistence: Persistence | None = None
    triggers: Triggers | None = None
    edge: Edge | None = None
    seed_report: SeedReport | None = None
    open311_key: str | None = None
    province_keys: tuple[str, str] | None = None
    iot: Any = None  # smartcommune_local.iot_rules.LocalIot
    water: Any = None  # smartcommune_local.water_demo.WaterFleet
    cameras: Any = None  # smartcommune_local.cameras.CameraFleet
    web_objects: int = 0
    restored: tuple[int, int] = (0, 0)
    _moto: Any = None
    _api: Any = None
    _api_thread: threading.Thread | None = None
    _stopped: bool = False

    # -- start

    def start(self) -> None:
        started = time.monotonic()
        config = self.config
        ports = (
            ("moto", config.moto_port),
            ("API", config.api_port),
            ("web", config.web_port),
            ("MQTT", config.mqtt_port),
        )
        for name, port in ports:
            if not _port_free(config.host, port):
                raise RuntimeError(
                    f"Cổng {port} ({name}) đang được dùng — có thể stack khác đang chạy. / "
                    f"Port {port} ({name}) is in use — is another stack running?"
                )
        config.data_dir.mkdir(parents=True, exist_ok=True)
        config.outbox_path.parent.mkdir(parents=True, exist_ok=True)
        from smartcommune_local.function_logs import install as label_function_logs

        label_function_logs()  # one process plays every function: each line names its own (function_logs)
        self._step("moto", self._start_moto)
        self._step("resources", self._create_resources)
        self._step("restore", self._restore)
        self._step("web upload", self._upload_web)
        self._step("demo data", self._seed)
        self._step("iot", self._start_iot)
        self._step("triggers", self._start_triggers)
        self._step("api", self._start_api)
        self._step("edge", self._start_edge)
        assert self.persistence is not None
        self.persistence.start_autosave(2.0)
        self._write_stack_file()
        self.timings["total"] = time.monotonic() - started

    def _step(self, name: str, action: Any) -> None:
        t0 = time.monotonic()
        action()
        self.timings[name] = time.monotonic() - t0
        log.info("%s: %.2f s", name, self.timings[name])

    def _start_moto(self) -> None:
        from smartcommune_local.moto_patches import patch_moto_dynamodb
        from smartcommune_local.persistence import tracking_moto_server

        patch_moto_dynamodb()  # concurrent requests must not lose conditional writes (see moto_patches)

        os.environ.update(
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto accepts anything; never real credentials
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
            AWS_ENDPOINT_URL=self.config.moto_url,
        )
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)
        self._moto = tracking_moto_server(self.config.host, self.config.moto_port, self._on_change)
        self._moto.start()

    def _on_change(self) -> None:
        if self.persistence is not None:
            self.persistence.mark_dirty()

    def _session(self) -> Any:
        import boto3

        return boto3.Session(region_name=REGION)

    def _create_resources(self) -> None:
        from smartcommune.core.settings import get_settings
        from smartcommune_local.pki import platform_tls_settings
        from smartcommune_local.template import create_resources

        resources = create_resources(self._session(), self.config.moto_url)
        env: dict[str, str] = {}
        for logical_id, resource in resources.template["Resources"].items():
            if resource.get("Type") == "AWS::Serverless::Function":
                env.update(resources.environment(logical_id))  # one process plays every function
        env.update(resources.environment())
        env.update(
            SMARTCOMMUNE_STAGE="local",
            SMARTCOMMUNE_SMS_TRANSPORT="outbox",
            SMARTCOMMUNE_OUTBOX_PATH=str(self.config.outbox_path),
            # A short coalescing window, so that a developer clicking through a feedback item sees its SMS soon.
            SMARTCOMMUNE_SMS_COALESCE_S="5",
            SMARTCOMMUNE_AWS_ENDPOINT_URL=self.config.moto_url,
            # Play commands go to the local Mosquitto (IoT Core's data plane in AWS).
            SMARTCOMMUNE_FANOUT_TRANSPORT="mqtt",
            SMARTCOMMUNE_MQTT_PORT=str(self.config.mqtt_port),
            # ...over mutual TLS with the platform's own certificate (issued by the local CA in _start_iot)
            **{f"SMARTCOMMUNE_{k.upper()}": v for k, v in platform_tls_settings(self.config.data_dir).items()},
            POWERTOOLS_TRACE_DISABLED="true",
            POWERTOOLS_METRICS_NAMESPACE="SmartCommuneLocal",
        )
        os.environ.update(env)
        get_settings.cache_clear()
        self.resources = resources
        self.function_env = env

    def _bucket(self, logical_id: str) -> str:
        assert self.resources is not None
        return self.resources.refs[logical_id]

    def _restore(self) -> None:
        from smartcommune_local.persistence import Persistence

        assert self.resources is not None
        by_type: dict[str, list[str]] = {}
        for logical_id, resource in self.resources.template["Resources"].items():
            by_type.setdefault(resource["Type"], []).append(logical_id)
        tables = [self.resources.refs[x] for x in by_type.get("AWS::DynamoDB::Table", [])]
        # The web bucket is rebuilt from web/ on every start: the code is the source of the pages.
        buckets = [self.resources.refs[x] for x in by_type.get("AWS::S3::Bucket", []) if x != "WebBucket"]
        self.persistence = Persistence(
            self.config.data_dir, self._session(), self.config.moto_url, tables, buckets, read_items=self._table_items
        )
        report = self.persistence.restore()
        self.restored = (report.items, report.objects)

    def _upload_web(self) -> None:
        from smartcommune_local.edge import upload_site
        from smartcommune_local.web_vendor import vendor_web

        if WEB_DIR.is_dir():
            vendor_web(WEB_DIR)  # the pages' npm libraries into web/vendor/ (npm ci only when the lockfile changed)
        s3 = self._session().client("s3", endpoint_url=self.config.moto_url)
        self.web_objects = upload_site(s3, self._bucket("WebBucket"), WEB_DIR) if WEB_DIR.is_dir() else 0

    def _seed(self) -> None:
        from smartcommune.core.services import Services
        from smartcommune_local import demo_data

        self.services = Services()
        cache = demo_cache_dir()
        fresh = self.restored == (0, 0)
        if fresh and (cache / "state" / "snapshot.json").is_file():
            # The demo data this code would seed, saved by an earlier first start: restoring it takes a second,
            # seeding through the services takes minutes on moto (it copies the table on every transaction).
            restored = self._persistence_for(cache).restore()
            log.info("demo data restored from %s (%d items)", cache, restored.items)
        try:
            self.seed_report = demo_data.seed(self.services)
            from smartcommune_local.open311_demo import ensure_demo_key

            self.open311_key = ensure_demo_key(self.services)  # idempotent, so a restored cache needs no re-seed
            from smartcommune_local.demo_reports import seed_reports

            seed_reports(self.services)  # idempotent; re-signs if the restored report's key is not this stack's
            from smartcommune_local.province_demo import ensure_demo_client

            self.province_keys = ensure_demo_client(self.services)
            if fresh and self.seed_report.communes_seeded and not self.seed_report.notes:
                import shutil

                for stale in cache.parent.glob("demo-*"):  # made by older code: never used again
                    shutil.rmtree(stale, ignore_errors=True)
                self._persistence_for(cache).snapshot()
        except Exception as exc:  # keep the stack usable; the next start tries again
            log.exception("demo data could not be seeded")
            self.seed_report = demo_data.SeedReport(notes=[f"demo data could not be seeded: {exc!r}"])

    def _start_iot(self) -> None:
        """The device fabric: speaker registry, Mosquitto with mutual TLS (a certificate per device), IoT rules and
        shadows, 40 speakers; and six water-quality sensors reporting once a minute."""
        from smartcommune_local.devices_demo import seed_devices
        from smartcommune_local.iot_rules import start_local_iot
        from smartcommune_local.water_demo import seed_water_sensors, sensor_communes, start_water_sensors

        assert self.services is not None and self.resources is not None
        from smartcommune_local.devices_demo import registry_bindings

        seed_devices(self.services)
        seed_water_sensors(self.services)
        self.iot = start_local_iot(
            self.resources,
            self.services.settings,
            self.config.data_dir,
            services=self.services,
            port=self.config.mqtt_port,
            sensor_communes=sensor_communes(),
            speaker_bindings=registry_bindings(self.services),  # re-provisioned speakers: the communes they use now
        )
        from smartcommune_local.reprovision_cli import local_thing_policy

        local_thing_policy(self.services, self.config.data_dir)  # a run started in this process updates the ACL
        # One reading per sensor per minute, as the real ones (the readings function stores them via the queue);
        # SMARTCOMMUNE_WATER_INTERVAL_S / SMARTCOMMUNE_WATER_TIME_SCALE compress time for tests and demos.
        self.water = start_water_sensors(
            self.services.settings,
            self.config.data_dir,
            interval_s=float(os.environ.get("SMARTCOMMUNE_WATER_INTERVAL_S") or 60),
            time_scale=float(os.environ.get("SMARTCOMMUNE_WATER_TIME_SCALE") or 1),
        )
        self._start_cameras()

    def _start_cameras(self) -> None:
        """The demo security cameras (registry, things, zones and rules) and three simulated ones replaying real
        footage at one frame a second; a failure here leaves the rest of the stack running."""
        from smartcommune_local.cameras import footage_root, start_cameras
        from smartcommune_local.cameras_demo import seed_cameras

        assert self.services is not None
        try:
            seed_cameras(self.services, footage_root=footage_root(self.config.data_dir))
            settings = self.services.settings.model_copy(update={"mqtt_port": self.config.mqtt_port})
            self.cameras = start_cameras(settings, self.config.data_dir)
        except Exception:
            log.exception("the simulated cameras did not start")

    def _persistence_for(self, data_dir: Path) -> Persistence:
        from smartcommune_local.persistence import Persistence

        assert self.persistence is not None
        p = self.persistence
        return Persistence(
            data_dir, self._session(), self.config.moto_url, p.tables, p.buckets, read_items=self._table_items
        )

    @staticmethod
    def _table_items(table: str) -> list[dict[str, Any]]:
        from smartcommune_local.moto_patches import table_items

        return table_items(table, REGION)  # moto runs in this process: read it, not Scan it

    def _start_triggers(self) -> None:
        from smartcommune_local.triggers import Triggers

        assert self.resources is not None
        self.triggers = Triggers(self.resources, self._session(), self.config.moto_url)
        self.triggers.start()

    def _start_api(self) -> None:
        from chalice.config import Config
        from chalice.local import create_local_server

        from smartcommune.system.wiring import health_probe

        assert self.services is not None
        self.services.override(health_probe, self._health_probe(health_probe(self.services)))
        app_module = load_app_module()
        app_module.use_services(self.services)
        config = Config.create(chalice_stage="local", app_name=app_module.app.app_name, lambda_timeout=30)
        self._api = create_local_server(app_module.app, config, self.config.host, self.config.api_port)
        self._api_thread = threading.Thread(target=self._api.server.serve_forever, name="api", daemon=True)
        self._api_thread.start()

    def _start_edge(self) -> None:
        from smartcommune_local.edge import Edge

        s3 = self._session().client("s3", endpoint_url=self.config.moto_url)
        self.edge = Edge(
            host=self.config.host,
            port=self.config.web_port,
            s3=s3,
            bucket=self._bucket("WebBucket"),
            api_host=self.config.host,
            api_port=self.config.api_port,
        )
        self.edge.start()

    # -- health

    def _health_probe(self, table_probe: Any) -> Any:
        s3 = self._session().client("s3", endpoint_url=self.config.moto_url)
        web_bucket = self._bucket("WebBucket")
        expected_pages = [f"{site}/index.html" for site in SITES if (WEB_DIR / site / "index.html").is_file()]

        def probe() -> dict[str, Any]:
            result: dict[str, Any] = table_probe()
            checks: dict[str, str] = dict(result.get("checks", {}))
            checks["moto"] = "ok" if self._moto is not None and self._moto._thread.is_alive() else "down"
            try:
                for key in expected_pages:
                    s3.head_object(Bucket=web_bucket, Key=key)
                checks["web"] = "ok"
            except Exception as exc:
                checks["web"] = f"missing page: {exc}"
            workers = self.triggers.workers if self.triggers else []
            dead = [w.name for w in workers if not w.alive]
            checks["triggers"] = "ok" if not dead else "stopped: " + ", ".join(dead)
            checks["edge"] = "ok" if self.edge is not None and self.edge.alive else "down"
            if self.iot is None:
                checks["mqtt"] = "down"
            else:
                iot = self.iot.health()
                checks["mqtt"] = "ok" if iot["broker"] == "ok" and iot["iot_rules"] == "ok" else "down"
                result["speakers_online"] = iot["speakers_online"]
                result["water_sensors_online"] = self.water.online() if self.water is not None else 0
            result["cameras_online"] = self.cameras.online() if self.cameras is not None else 0
            persistence = self.persistence
            checks["snapshots"] = (
                "ok" if persistence is not None and persistence.last_error is None else f"failing: {persistence}"
            )
            if persistence is not None and persistence.last_error:
                checks["snapshots"] = f"failing: {persistence.last_error}"
            result["checks"] = checks
            result["status"] = "ok" if all(v == "ok" for v in checks.values()) else "degraded"
            return result

        return probe

    # -- running

    def _write_stack_file(self) -> None:
        from smartcommune_local.persistence import atomic_write

        config = self.config
        info = {
            "pid": os.getpid(),
            "api_url": config.api_url,
            "web_url": config.web_url,
            "moto_url": config.moto_url,
            "data_dir": str(config.data_dir),
            "outbox_path": str(config.outbox_path),
            "ports": {
                "api": config.api_port,
                "web": config.web_port,
                "moto": config.moto_port,
                "mqtt": config.mqtt_port,
            },
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            # What the functions see, so other commands (``audit verify``, ``broadcast``) reach the same resources.
            "env": {**self.function_env, "AWS_ENDPOINT_URL": config.moto_url},
        }
        atomic_write(config.stack_file, json.dumps(info, indent=2).encode())

    def stop(self) -> None:
        """Stop serving, stop the workers, take the final snapshot, stop moto (safe to call twice)."""
        if self._stopped:
            return
        self._stopped = True
        if self.edge is not None:
            self.edge.stop()
        if self._api is not None:
            self._api.server.shutdown()
            self._api.server.server_close()
        if self.triggers is not None:
            self.triggers.stop()
        if self.water is not None:
            self.water.stop()
        if self.cameras is not None:
            self.cameras.stop()
        if self.iot is not None:
            self.iot.stop()
        if self.persistence is not None:
            self.persistence.stop()
        if self._moto is not None:
            self._moto.stop()
        info = read_stack_file(self.config.data_dir)
        if info is not None and info.get("pid") == os.getpid():
            self.config.stack_file.unlink(missing_ok=True)

    # -- what to tell the developer

    def banner(self) -> str:
        from smartcommune_local import demo_data

        config = self.config
        web = config.web_url
        gp_staff = demo_data.demo_staff("giao-phong")
        bl_staff = demo_data.demo_staff("bach-long")
        citizens = demo_data.all_demo_citizens()
        sample = citizens["giao-phong"][:3] + citizens["bach-long"][:1]
        width = max(len(s.username) for s in gp_staff + bl_staff)
        lines = [
            "",
            f"SmartCommune — stack cục bộ đã sẵn sàng / local stack is ready ({self.timings.get('total', 0):.1f} s)",
            "",
            f"  Cổng công dân / citizen portal   {web}/citizen/",
            f"  Trang quản trị / admin site      {web}/admin/",
            f"  Trung tâm điều hành / dashboard  {web}/dashboard/",
            f"  Trang thông tin xã / website     {web}/site/",
            f"  API (qua edge / via the edge)    {web}/api/   (trực tiếp / direct: {config.api_url})",
            f"  OpenAPI                          {web}/api/openapi.json",
            f"  AWS giả lập / moto endpoint      {config.moto_url}",
            "",
            # Other tools grep for this line: keep it unindented and worded exactly.
            f"Open311 API key: {self.open311_key}" if self.open311_key else "Open311 API key: (chưa tạo / not created)",
            f"  Open311 GeoReport v2             {web}/api/open311/v2/services.json?jurisdiction_id=giao-phong",
            # Read by tools too: unindented, worded exactly, the two keys separated by one space.
            f"Province API keys: {self.province_keys[0]} {self.province_keys[1]}"
            if self.province_keys
            else "Province API keys: (chưa tạo / not created)",
            f"  API của tỉnh (ký SigV4, execute-api, {self.services.settings.aws_region if self.services else ''}) "
            f"/ province API (SigV4-signed)  {config.api_url}/province/v1/communes",
            "",
            f"  Cán bộ / staff (mật khẩu / password: {demo_data.DEMO_PASSWORD} — chỉ dùng cục bộ / local only):",
        ]
        lines += [f"    {s.username:<{width}}  {s.roles[0].value:<15} {s.display_name}" for s in gp_staff + bl_staff]
        lines += ["", "  Công dân / citizens (đăng nhập bằng mã OTP / sign in with an SMS code):"]
        lines += [f"    {c.phone}  {c.full_name} ({c.commune_id})" for c in sample]
        lines += [
            "    Mã OTP nằm trong hộp thư SMS cục bộ / sign-in codes appear in the SMS outbox:",
            f"      {config.outbox_path}   — hoặc / or: smartcommune outbox --follow",
            "",
            f"  Dữ liệu / DATA_DIR: {config.data_dir}"
            f"  (khôi phục / restored: {self.restored[0]} items, {self.restored[1]} objects)",
        ]
        if self.seed_report is not None and (self.seed_report.communes_seeded or self.seed_report.notes):
            seeded = ", ".join(self.seed_report.communes_seeded) or "—"
            lines.append(
                f"  Dữ liệu mẫu / demo data: {seeded}; {self.seed_report.staff_created} staff, "
                f"{self.seed_report.citizens_imported} citizens"
            )
            lines += [f"    ! {note}" for note in self.seed_report.notes]
        if self.triggers is not None and self.triggers.skipped:
            lines.append("  ! Chưa có mã hàm / handler file missing: " + ", ".join(self.triggers.skipped))
        lines += ["", "  Ctrl-C để dừng (dữ liệu được lưu) / Ctrl-C to stop (data is saved)", ""]
        return "\n".join(lines)


def run_up() -> int:
    """Start the stack, print how to use it, serve until SIGINT/SIGTERM, then stop cleanly."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("werkzeug", "botocore", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    config = StackConfig.from_env()
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()
        if not serving.is_set():  # still starting: abort at once (the finally below stops what is up)
            raise KeyboardInterrupt

    serving = threading.Event()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    stack = LocalStack(config)
    try:
        try:
            stack.start()
        except RuntimeError as exc:
            print(str(exc), flush=True)
            return 1
        except KeyboardInterrupt:
            print("Đã hủy khi đang khởi động / interrupted while starting", flush=True)
            return 130
        serving.set()
        print(stack.banner(), flush=True)
        while not stop.wait(0.5):
            pass
        print("Đang dừng, lưu dữ liệu… / stopping, saving data…", flush=True)
        return 0
    finally:
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
