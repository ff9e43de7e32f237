"""Keep the local stack's data across restarts: snapshot moto's tables and buckets to DATA_DIR, restore on start.

Layout of ``<DATA_DIR>/state``::

    snapshot.json     every table's items (DynamoDB JSON) and every bucket's object list, written whole and
                      atomically (temporary file + rename), so a crash leaves the previous snapshot intact
    blobs/<sha256>    object bodies, content-addressed: written once, shared across snapshots, pruned when unused

Writes are noticed cheaply: :class:`ChangeTracker` is a WSGI middleware around moto's server app that marks the
state dirty on DynamoDB write operations and S3 PUT/POST/DELETE; a background thread snapshots a dirty state at
most every ``interval_s``, and once more on shutdown. The stack reads its in-process emulator's tables directly
(``read_items``, see :func:`smartcommune_local.moto_patches.table_items`); without one, a snapshot reads by Scan:
this is dev tooling, never a request path.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger("smartcommune_local.persistence")

SNAPSHOT_VERSION = 1

DYNAMODB_WRITES = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "ExecuteStatement",  # PartiQL may write
        "BatchExecuteStatement",
        "ExecuteTransaction",
        "CreateTable",
        "DeleteTable",
        "UpdateTable",
        "RestoreTableFromBackup",
        "ImportTable",
    }
)
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


def is_state_write(environ: dict[str, Any]) -> bool:
    """Whether a request to moto may change what a snapshot holds (DynamoDB writes, S3 object writes)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        service, _, operation = target.partition(".")
        return service.startswith("DynamoDB") and operation in DYNAMODB_WRITES
    if environ.get("REQUEST_METHOD", "GET") not in ("PUT", "POST", "DELETE"):
        return False
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope is None:  # presigned URL (credential in the query) or a browser's presigned POST form
        credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
        parts = credential.split("/")
        return len(parts) < 4 or parts[3] == "s3"
    return scope.group(1) == "s3"


class ChangeTracker:
    """WSGI middleware: passes every request to ``app`` and calls ``on_change`` for state-changing ones."""

    def __init__(self, app: Callable[..., Any], on_change: Callable[[], None]) -> None:
        self.app = app
        self.on_change = on_change

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if is_state_write(environ):
            self.on_change()
        return self.app(environ, start_response)


def _encode(value: Any) -> Any:
    """DynamoDB JSON from boto3 (bytes for B/BS) → JSON-safe (base64 text)."""
    if isinstance(value, bytes | bytearray):
        return {"__b64__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class RestoreReport:
    items: int = 0
    objects: int = 0


class Persistence:
    """Snapshots and restores the given tables and buckets of one AWS endpoint (the local moto server)."""

    def __init__(
        self,
        data_dir: Path,
        session: Any,
        endpoint_url: str | None,
        tables: Iterable[str],
        buckets: Iterable[str],
        *,
        read_items: Callable[[str], list[dict[str, Any]]] | None = None,
    ) -> None:
        self.state_dir = Path(data_dir) / "state"
        self.snapshot_path = self.state_dir / "snapshot.json"
        self.blob_dir = self.state_dir / "blobs"
        self.tables = list(tables)
        self.buckets = list(buckets)
        self.dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
        self.s3 = session.client("s3", endpoint_url=endpoint_url)
        self._read_items = read_items
        self._dirty = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._known: dict[str, dict[str, dict[str, Any]]] = {}  # bucket → key → entry of the last snapshot
        self.snapshots_taken = 0
        self.last_error: str | None = None

    # -- change tracking

    def mark_dirty(self) -> None:
        self._dirty.set()

    @property
    def dirty(self) -> bool:
        return self._dirty.is_set()

    def start_autosave(self, interval_s: float = 1.0) -> None:
        """Snapshot in the background whenever something changed, at most every ``interval_s``."""

        def loop() -> None:
            while not self._stop.wait(interval_s):
                if self._dirty.is_set():
                    self.snapshot()

        self._thread = threading.Thread(target=loop, name="snapshots", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread and take a final snapshot."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self.snapshot()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- snapshot

    def snapshot(self) -> None:
        """Write the current state to DATA_DIR (atomically); errors are logged, the previous snapshot stays."""
        with self._lock:
            self._dirty.clear()
            try:
                self._snapshot()
                self.snapshots_taken += 1
                self.last_error = None
            except Exception as exc:  # keep serving; the next change retries
                self.last_error = f"{type(exc).__name__}: {exc}"
                self._dirty.set()
                log.exception("snapshot failed; the previous one is kept")

    def _snapshot(self) -> None:
        started = time.monotonic()
        tables = {name: self._scan(name) for name in self.tables}
        buckets = {name: self._bucket_manifest(name) for name in self.buckets}
        document = {
            "version": SNAPSHOT_VERSION,
            "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "tables": _encode(tables),
            "buckets": buckets,
        }
        atomic_write(self.snapshot_path, json.dumps(document, ensure_ascii=False).encode("utf-8"))
        self._known = buckets
        self._prune_blobs(buckets)
        log.debug("snapshot written in %.0f ms", (time.monotonic() - started) * 1000)

    def _scan(self, table: str) -> list[dict[str, Any]]:
        if self._read_items is not None:
            return self._read_items(table)
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": table}
        while True:
            page = self.dynamodb.scan(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _bucket_manifest(self, bucket: str) -> dict[str, dict[str, Any]]:
        previous = self._known.get(bucket, {})
        manifest: dict[str, dict[str, Any]] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                key, etag = obj["Key"], obj["ETag"]
                known = previous.get(key)
                if known and known["etag"] == etag and (self.blob_dir / known["blob"]).is_file():
                    manifest[key] = known  # unchanged since the last snapshot: no need to read it again
                    continue
                got = self.s3.get_object(Bucket=bucket, Key=key)
                body = got["Body"].read()
                blob = hashlib.sha256(body).hexdigest()
                if not (self.blob_dir / blob).is_file():
                    atomic_write(self.blob_dir / blob, body)
                manifest[key] = {
                    "etag": etag,
                    "blob": blob,
                    "content_type": got.get("ContentType") or "binary/octet-stream",
                    "metadata": got.get("Metadata") or {},
                }
        return manifest

    def _prune_blobs(self, buckets: dict[str, dict[str, dict[str, Any]]]) -> None:
        used = {entry["blob"] for manifest in buckets.values() for entry in manifest.values()}
        if not self.blob_dir.is_dir():
            return
        for path in self.blob_dir.iterdir():
            if path.name not in used and not path.name.startswith("."):
                path.unlink(missing_ok=True)

    # -- restore

    def restore(self) -> RestoreReport:
        """Load the last snapshot into the (empty, freshly created) tables and buckets."""
        report = RestoreReport()
        if not self.snapshot_path.is_file():
            return report
        document = json.loads(self.snapshot_path.read_text(encoding="utf-8"))
        if document.get("version") != SNAPSHOT_VERSION:
            raise RuntimeError(f"{self.snapshot_path}: unknown snapshot version {document.get('version')}")
        for table, items in _decode(document.get("tables", {})).items():
            if table in self.tables:
                report.items += self._write_items(table, items)
        buckets: dict[str, dict[str, dict[str, Any]]] = document.get("buckets", {})
        for bucket, manifest in buckets.items():
            if bucket not in self.buckets:
                continue
            for key, entry in manifest.items():
                self.s3.put_object(
                    Bucket=bucket,
                    Key=key,
                    Body=(self.blob_dir / entry["blob"]).read_bytes(),
                    ContentType=entry["content_type"],
                    Metadata=entry.get("metadata", {}),
                )
                report.objects += 1
        # The restored objects get new ETags only if moto computes them differently; re-read on the next snapshot.
        self._known = {}
        return report

    def _write_items(self, table: str, items: list[dict[str, Any]]) -> int:
        for start in range(0, len(items), 25):
            requests: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
            for _ in range(10):
                unprocessed = self.dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
                if not unprocessed:
                    break
                requests = unprocessed
            else:
                raise RuntimeError(f"{table}: could not restore every item")
        return len(items)


def wipe(data_dir: Path) -> list[Path]:
    """Delete the saved state (snapshot, blobs, SMS outbox) under ``data_dir``; returns what was removed."""
    import shutil

    removed: list[Path] = []
    for name in ("state", "outbox"):
        path = Path(data_dir) / name
        if path.exists():
            shutil.rmtree(path)
            removed.append(path)
    return removed


def tracking_moto_server(host: str, port: int, on_change: Callable[[], None]) -> Any:
    """moto's ``ThreadedMotoServer`` whose app is wrapped in a :class:`ChangeTracker`."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    class TrackingMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = ChangeTracker(DomainDispatcherApplication(create_backend_app), on_change)
            self._server = make_server(
                self._ip_address, self._port, app, threaded=True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return TrackingMotoServer(ip_address=host, port=port, verbose=False)
