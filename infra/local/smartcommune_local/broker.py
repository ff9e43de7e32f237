"""The local MQTT broker: Debian ``mosquitto`` 2.0 with mutual TLS, as AWS IoT Core, and a generated ACL.

Its one listener admits only clients that present a certificate signed by the local CA (``require_certificate``;
``smartcommune_local.pki``); the certificate's CN becomes the client's username (``use_identity_as_username``),
and the ACL is keyed on it. There is no password file and no plaintext listener.

The ACL mirrors the IoT policy of ``template.yaml``: a speaker (CN = thing name) may read only its own ``cmd``,
``shadow/delta`` and ``shadow/get/accepted`` topics and write only its own ``ack``, ``heartbeat``,
``shadow/get`` and ``shadow/update`` topics, all under its own commune (as the policy fills the commune segment
from the thing's ``commune`` attribute); the platform's identity may write commands and shadow answers and read
acks, heartbeats and shadow requests. An identity whose commune is not given, and anyone else, may do nothing.
Cameras (``CameraPolicy``) get the same on their own topics (``CAMERA_ACL``); the platform commands them too.

Usage::

    pki = LocalPki(data_dir / "pki")
    handle = start_broker(data_dir, port, pki, device_communes={thing: commune_id, ...})
    ...
    handle.stop()

The broker keeps persistent sessions and queued QoS 1 messages on disk (``persistence``), so a restart keeps
what was queued for an offline speaker.

A speaker being re-provisioned after a merger may use its topics under two communes at once (the old and the
new: ``device_communes`` values may be lists), as the IoT policy's ``commune`` and ``commune_alt`` attributes allow
in AWS. What the ACL binds is kept beside it (``bindings.json``, with the broker's pid), so another process —
``smartcommune communes reprovision`` — changes it with :class:`BrokerAclPolicy`: rewrite, then SIGHUP (mosquitto
reloads its ACL and applies it to every message it delivers from then on).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune_local.pki import LocalPki

MOSQUITTO = "/usr/sbin/mosquitto"

PLATFORM_ACL = """\
# Generated: mirrors the IoT policy (each thing only its own topics, under its own commune).
user {platform}
topic write sc/+/speakers/+/cmd
topic write sc/+/speakers/+/shadow/delta
topic write sc/+/speakers/+/shadow/get/accepted
topic read sc/+/speakers/+/ack
topic read sc/+/speakers/+/heartbeat
topic read sc/+/speakers/+/shadow/get
topic read sc/+/speakers/+/shadow/update
topic read sc/+/water/+/reading
topic write sc/+/cameras/+/cmd
topic write sc/+/cameras/+/upload/grant
topic read sc/+/cameras/+/ack
topic read sc/+/cameras/+/health
topic read sc/+/cameras/+/upload/request
"""
# No `pattern` lines: mosquitto applies them to every user, and `%u` cannot name a commune. Each speaker gets its
# own block with its commune written out, as the IoT policy's ${iot:Connection.Thing.Attributes[commune]}.
DEVICE_ACL = """\
topic read sc/{commune}/speakers/{thing}/cmd
topic read sc/{commune}/speakers/{thing}/shadow/delta
topic read sc/{commune}/speakers/{thing}/shadow/get/accepted
topic write sc/{commune}/speakers/{thing}/ack
topic write sc/{commune}/speakers/{thing}/heartbeat
topic write sc/{commune}/speakers/{thing}/shadow/get
topic write sc/{commune}/speakers/{thing}/shadow/update
"""
# A water sensor (CN = sensor id) may only publish its readings, as the template's WaterSensorPolicy.
SENSOR_ACL = """\
topic write sc/{commune}/water/{sensor}/reading
"""
# A camera (``<prefix>-cam-NN``): the CameraPolicy of template.yaml, its commune written out likewise.
CAMERA_ACL = """\
topic read sc/{commune}/cameras/{thing}/cmd
topic read sc/{commune}/cameras/{thing}/upload/grant
topic write sc/{commune}/cameras/{thing}/ack
topic write sc/{commune}/cameras/{thing}/health
topic write sc/{commune}/cameras/{thing}/upload/request
"""
_CAMERA = re.compile(r"^[a-z0-9]{1,12}-cam-\d{2}$")
_ACL_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


Bindings = Mapping[str, str | Sequence[str]]  # device -> its commune, or the communes whose topics it may use


def _communes(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def acl_text(platform_username: str, device_communes: Bindings, sensor_communes: Bindings | None = None) -> str:
    """The broker's ACL: the platform's user, then one block per speaker and per water sensor bound to its commune
    (a speaker being re-provisioned: to both of its communes)."""
    blocks = [PLATFORM_ACL.format(platform=platform_username)]
    for template, names in ((DEVICE_ACL, device_communes), (SENSOR_ACL, sensor_communes or {})):
        for thing, value in sorted(names.items()):
            communes = _communes(value)
            if not (_ACL_NAME.match(thing) and communes and all(_ACL_NAME.match(c) for c in communes)):
                raise ValueError(f"not a thing/commune name: {thing!r} / {communes!r}")  # no wildcards, no newlines
            block = CAMERA_ACL if template is DEVICE_ACL and _CAMERA.match(thing) else template
            lines = "".join(block.format(thing=thing, sensor=thing, commune=c) for c in communes)
            blocks.append(f"user {thing}\n{lines}")
    return "\n".join(blocks)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mosquitto exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"mosquitto did not listen on {port} within {timeout_s}s")


def _give_to_mosquitto(path: Path) -> None:
    """As root, mosquitto drops to user ``mosquitto``: its files and directories must be its own."""
    if os.geteuid() != 0:
        return
    try:
        import pwd

        entry = pwd.getpwnam("mosquitto")
    except KeyError:
        return
    for p in [path, *path.rglob("*")]:
        os.chown(p, entry.pw_uid, entry.pw_gid)
    # every parent must be traversable by that user
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


@dataclass
class BrokerHandle:
    """A running mosquitto; ``restart()`` keeps its sessions and queued messages (persistence on disk)."""

    port: int
    directory: Path
    config_path: Path
    log_path: Path
    platform_username: str = "platform"
    device_communes: dict[str, str | Sequence[str]] = field(default_factory=dict)
    sensor_communes: dict[str, str | Sequence[str]] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    _log: object | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def start(self, timeout_s: float = 10.0) -> None:
        log = self.log_path.open("ab")
        self._log = log
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.config_path)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        _wait_listening(self.port, self.process, timeout_s)
        _write_bindings(self.directory, self)

    def stop(self, timeout_s: float = 5.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: mosquitto writes its persistence file and exits
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout_s)
        self.process = None
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]
            self._log = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def add_devices(self, device_communes: Bindings) -> None:
        """Bind more speakers (CN = thing) to their commune(s) in the ACL and reload mosquitto (SIGHUP)."""
        self.device_communes.update(device_communes)
        BrokerAclPolicy(self.directory).bind(device_communes)


def _write_bindings(directory: Path, handle: BrokerHandle) -> None:
    document = {
        "pid": handle.process.pid if handle.process is not None else None,
        "platform": handle.platform_username,
        "devices": {k: _communes(v) for k, v in handle.device_communes.items()},
        "sensors": {k: _communes(v) for k, v in handle.sensor_communes.items()},
    }
    with _bindings_lock(directory):
        (directory / "bindings.json").write_text(json.dumps(document, sort_keys=True), encoding="utf-8")


@contextlib.contextmanager
def _bindings_lock(directory: Path) -> Iterator[None]:
    with (directory / "bindings.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class BrokerAclPolicy:
    """The local broker's side of ``devices.storage.reprovisioning.ThingPolicy``: which communes' topics each
    speaker may use, written into the running broker's ACL from any process (``<data_dir>/mosquitto``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def bind(self, namespaces: Mapping[str, Sequence[str]]) -> set[str]:
        """Rebind these things (the others keep theirs), rewrite the ACL and make mosquitto reload it."""
        path = self.directory / "bindings.json"
        with _bindings_lock(self.directory):
            document = json.loads(path.read_text(encoding="utf-8"))
            document["devices"].update({thing: list(communes) for thing, communes in namespaces.items()})
            acl = acl_text(document["platform"], document["devices"], document["sensors"])
            (self.directory / "acl").write_text(acl, encoding="utf-8")
            path.write_text(json.dumps(document, sort_keys=True), encoding="utf-8")
            _give_to_mosquitto(self.directory)
            pid = document.get("pid")
            if pid:
                with contextlib.suppress(ProcessLookupError):  # not running: the next start reads the registry
                    os.kill(int(pid), signal.SIGHUP)
        return set()


def start_broker(
    data_dir: str | Path,
    port: int,
    pki: LocalPki,
    *,
    device_communes: Bindings | None = None,
    sensor_communes: Bindings | None = None,
    platform_username: str = "platform",
    max_queued_messages: int = 1000,
) -> BrokerHandle:
    """Write ``<data_dir>/mosquitto/{mosquitto.conf,acl,tls/}`` and start mosquitto on 127.0.0.1:``port`` (TLS).

    Clients must present a certificate of ``pki``'s CA; its CN is their identity: every speaker (CN = thing name)
    and the platform (``platform_username``, which gets the platform's ACL). ``device_communes`` maps each speaker
    to its commune (or communes): a speaker may use only its own topics under them, and one missing from it nothing;
    ``sensor_communes`` does the same for water sensors (which may only publish their readings).
    """
    directory = Path(data_dir) / "mosquitto"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "persist").mkdir(exist_ok=True)
    tls_dir = directory / "tls"  # copies mosquitto (dropped to its own user) can read
    tls_dir.mkdir(exist_ok=True)
    server = pki.server()
    for name, source in (("ca.crt", pki.ca_path), ("server.crt", Path(server.cert_path))):
        (tls_dir / name).write_bytes(Path(source).read_bytes())
    (tls_dir / "server.key").write_bytes(Path(server.key_path).read_bytes())
    (tls_dir / "server.key").chmod(0o600)
    stale_passwd = directory / "passwd"  # written by older code: passwords are no longer accepted
    stale_passwd.unlink(missing_ok=True)
    acl_file = directory / "acl"
    communes = dict(device_communes or {})
    sensors = dict(sensor_communes or {})
    acl_file.write_text(acl_text(platform_username, communes, sensors), encoding="utf-8")
    config = directory / "mosquitto.conf"
    config.write_text(
        "\n".join(
            [
                "# Generated by smartcommune_local.broker: mutual TLS only, identity = certificate CN",
                "per_listener_settings false",
                f"listener {port} 127.0.0.1",
                f"cafile {tls_dir / 'ca.crt'}",
                f"certfile {tls_dir / 'server.crt'}",
                f"keyfile {tls_dir / 'server.key'}",
                "tls_version tlsv1.2",
                "require_certificate true",
                "use_identity_as_username true",
                "allow_anonymous false",
                f"acl_file {acl_file}",
                "persistence true",
                f"persistence_location {directory / 'persist'}/",
                "autosave_interval 1",
                f"max_queued_messages {max_queued_messages}",
                "max_inflight_messages 0",
                "log_dest stderr",
                "log_type error",
                "log_type warning",
                "connection_messages false",
                "",
            ]
        ),
        encoding="utf-8",
    )
    for path in (acl_file, config):
        path.chmod(0o640)
    _give_to_mosquitto(directory)
    if shutil.which(MOSQUITTO) is None and not Path(MOSQUITTO).exists():
        raise FileNotFoundError("mosquitto is not installed (Debian package `mosquitto`)")
    handle = BrokerHandle(
        port=port,
        directory=directory,
        config_path=config,
        log_path=directory / "mosquitto.out",
        platform_username=platform_username,
        device_communes=communes,
        sensor_communes=sensors,
    )
    handle.start()
    return handle
