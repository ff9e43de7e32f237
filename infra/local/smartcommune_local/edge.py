"""The local edge: plays CloudFront in front of the web bucket and the API.

- ``/citizen/``, ``/admin/``, ``/dashboard/``, ``/site/``, ``/shared/…`` come from the web bucket through the S3 API
  (``index.html`` for directory paths, the content type stored with the object); ``/`` redirects to ``/citizen/``.
- ``/api/*`` is proxied to the API with the ``/api`` prefix stripped, so pages call the API same-origin. As
  CloudFront does, it names the viewer in ``CloudFront-Viewer-Address`` (``ip:port``) and adds the origin secret
  (``X-SmartCommune-Edge``), replacing any the browser sent: the API believes the viewer address only next to the
  secret (``smartcommune.core.api.http.client_address``), so rate limits count people, not the edge.
- ``/media/*`` (GET, HEAD, PUT) is proxied path-style to the media bucket on the S3 endpoint (moto), path unchanged
  (keys start with ``media/``, as CloudFront forwards them) and query string included, so the API's presigned
  upload/download URLs (``/media/<…>?X-Amz-…``) work same-origin. The bucket is ``SMARTCOMMUNE_MEDIA_BUCKET``.
- Every response carries the security headers CloudFront's response-headers policy adds in AWS.
"""

from __future__ import annotations

import http.client
import logging
import mimetypes
import os
import posixpath
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from smartcommune.core.api.http import EDGE_SECRET_HEADER, VIEWER_ADDRESS_HEADER
from smartcommune.core.settings import DEVELOPMENT_EDGE_SECRET

log = logging.getLogger("smartcommune_local.edge")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
SITES = ("citizen", "admin", "dashboard", "site")
BUILD_ONLY = frozenset({"node_modules", "package.json", "package-lock.json"})
# Connection-level headers a proxy must not forward (RFC 9110 §7.6.1).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding"}
    | {"upgrade", "host", "content-length", "server", "date"}
)
MEDIA_PREFIX = "/media/"
MEDIA_METHODS = frozenset({"GET", "HEAD", "PUT"})
# What a browser may send on to S3 for a media object (the presigned PUT's signed headers and conditionals).
MEDIA_REQUEST_HEADERS = frozenset(
    {"content-type", "content-md5", "cache-control", "content-disposition", "if-none-match", "if-match", "range"}
    | {"if-modified-since"}
)
_EXTRA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".geojson": "application/geo+json",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}


def content_type_for(name: str) -> str:
    """The Content-Type to store a web file under (what ``aws s3 sync`` would guess, with charsets)."""
    suffix = Path(name).suffix.lower()
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def upload_site(s3: Any, bucket: str, web_dir: Path) -> int:
    """Upload every file under ``web_dir`` to ``bucket`` (``web/citizen/index.html`` → ``citizen/index.html``)."""
    count = 0
    for path in sorted(web_dir.rglob("*")):
        parts = path.relative_to(web_dir).parts
        # dot-files, and what web/ holds for the build only (npm's package files and node_modules/)
        if not path.is_file() or any(p.startswith(".") or p in BUILD_ONLY for p in parts):
            continue
        key = path.relative_to(web_dir).as_posix()
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type_for(key))
        count += 1
    return count


def object_key(path: str) -> str | None:
    """The web-bucket key for a request path; ``None`` for paths that try to climb out."""
    decoded = unquote(path)
    if "\x00" in decoded or "\\" in decoded:
        return None
    normal = posixpath.normpath(decoded)
    if ".." in normal.split("/"):
        return None
    key = normal.lstrip("/")
    if decoded.endswith("/") or not key:
        key = (key + "/index.html").lstrip("/")
    return key


class Edge:
    """A threaded HTTP server on ``host:port`` in front of ``s3``/``bucket`` and the API at ``api_port``."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        s3: Any,
        bucket: str,
        api_host: str,
        api_port: int,
        origin_secret: str | None = None,
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.api = (api_host, api_port)
        # CloudFront's origin custom header: the API's SMARTCOMMUNE_EDGE_SECRET (the development value by default).
        self.origin_secret = origin_secret or os.environ.get("SMARTCOMMUNE_EDGE_SECRET") or DEVELOPMENT_EDGE_SECRET
        # The S3 endpoint the web bucket client talks to (moto locally) also holds the media bucket.
        self.media_endpoint = str(getattr(getattr(s3, "meta", None), "endpoint_url", "") or "http://127.0.0.1:5000")
        edge = self

        class Handler(EdgeHandler):
            server_edge = edge

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="edge", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()


class EdgeHandler(BaseHTTPRequestHandler):
    server_edge: Edge
    protocol_version = "HTTP/1.1"
    server_version = "SmartCommuneEdge"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    # -- dispatch

    def do_GET(self) -> None:
        self._route(head=False)

    def do_HEAD(self) -> None:
        self._route(head=True)

    def do_POST(self) -> None:
        self._route_api_only()

    def do_PUT(self) -> None:
        if urlsplit(self.path).path.startswith(MEDIA_PREFIX):
            self._media()
        else:
            self._route_api_only()

    def do_PATCH(self) -> None:
        self._route_api_only()

    def do_DELETE(self) -> None:
        self._route_api_only()

    def do_OPTIONS(self) -> None:
        self._route_api_only()

    def _route(self, head: bool) -> None:
        path = urlsplit(self.path).path
        if path == "/api" or path.startswith("/api/"):
            self._proxy()
        elif path.startswith(MEDIA_PREFIX):
            self._media()
        elif path == "/":
            self._send(302, b"", {"Location": "/citizen/"}, head)
        elif path.strip("/") in SITES and not path.endswith("/"):
            self._send(301, b"", {"Location": path + "/"}, head)
        else:
            self._static(path, head)

    def _route_api_only(self) -> None:
        path = urlsplit(self.path).path
        if path == "/api" or path.startswith("/api/"):
            self._proxy()
        else:
            self._drain()
            self._send(405, b"Method Not Allowed\n", {"Content-Type": "text/plain; charset=utf-8", "Allow": "GET"})

    # -- responses

    def _send(self, status: int, body: bytes, headers: dict[str, str], head: bool = False) -> None:
        self.send_response(status)
        merged = {**headers, **SECURITY_HEADERS}
        for name, value in merged.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _drain(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _static(self, path: str, head: bool) -> None:
        key = object_key(path)
        if key is None:
            self._send(400, b"Bad Request\n", {"Content-Type": "text/plain; charset=utf-8"}, head)
            return
        edge = self.server_edge
        kwargs: dict[str, Any] = {"Bucket": edge.bucket, "Key": key}
        if self.headers.get("If-None-Match"):
            kwargs["IfNoneMatch"] = self.headers["If-None-Match"]
        try:
            obj = edge.s3.get_object(**kwargs)
        except edge.s3.exceptions.NoSuchKey:
            self._not_found(head)
            return
        except edge.s3.exceptions.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code"))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
            if code == "304" or status == 304:
                self._send(304, b"", {"ETag": kwargs["IfNoneMatch"]}, head=True)
            elif status == 404:
                self._not_found(head)
            else:
                log.exception("web bucket read failed for %s", key)
                self._send(502, b"Bad Gateway\n", {"Content-Type": "text/plain; charset=utf-8"}, head)
            return
        body = obj["Body"].read()
        headers = {
            "Content-Type": obj.get("ContentType") or content_type_for(key),
            "ETag": obj.get("ETag", ""),
            # Pages must pick up new deployments at once; assets are small and revalidated by ETag.
            "Cache-Control": "no-cache",
        }
        self._send(200, body, headers, head)

    def _not_found(self, head: bool) -> None:
        body = "Không tìm thấy trang / Page not found\n".encode()
        self._send(404, body, {"Content-Type": "text/plain; charset=utf-8"}, head)

    def _proxy(self) -> None:
        edge = self.server_edge
        split = urlsplit(self.path)
        target = split.path[len("/api") :] or "/"
        if split.query:
            target += "?" + split.query
        body = self._drain()
        edge_only = {VIEWER_ADDRESS_HEADER, EDGE_SECRET_HEADER}  # CloudFront overwrites what a viewer sends
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | edge_only}
        headers["X-Forwarded-For"] = self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        viewer_ip, viewer_port = self.client_address[:2]
        headers["CloudFront-Viewer-Address"] = f"{viewer_ip}:{viewer_port}"  # CloudFront's form: IPv6 unbracketed
        headers["X-SmartCommune-Edge"] = edge.origin_secret
        connection = http.client.HTTPConnection(*edge.api, timeout=60)
        try:
            connection.request(self.command, target, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            out = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
            self._send(response.status, payload, out, head=self.command == "HEAD")
        except OSError:
            log.exception("API unreachable at %s:%s", *edge.api)
            message = '{"message": "API tạm thời không phản hồi", "message_en": "API unavailable"}'
            self._send(502, message.encode(), {"Content-Type": "application/json"})
        finally:
            connection.close()

    def _media(self) -> None:
        """Proxy ``/media/<rest>?<query>`` to ``<S3 endpoint>/<media bucket>/media/<rest>?<query>`` (path-style)."""
        edge = self.server_edge
        head = self.command == "HEAD"
        split = urlsplit(self.path)
        # As CloudFront's /media/* behaviour: the path is forwarded unchanged, so keys live under media/ in the bucket.
        key = unquote(split.path).lstrip("/")
        bucket = os.environ.get("SMARTCOMMUNE_MEDIA_BUCKET", "")
        body = self._drain() if self.command == "PUT" else b""
        bad_key = key == MEDIA_PREFIX.strip("/") + "/" or "\x00" in key or ".." in key.split("/")
        if self.command not in MEDIA_METHODS or not bucket or bad_key:
            status = 405 if self.command not in MEDIA_METHODS else 400
            self._send(status, b"", {"Content-Type": "text/plain; charset=utf-8"}, head=True)
            return
        endpoint = urlsplit(edge.media_endpoint)
        target = f"{endpoint.path.rstrip('/')}/{quote(bucket)}/{quote(key, safe='/~')}"
        if split.query:
            target += "?" + split.query
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() in MEDIA_REQUEST_HEADERS or k.lower().startswith("x-amz-")
        }
        if self.command == "PUT":
            headers["Content-Length"] = str(len(body))
        connection_type = http.client.HTTPSConnection if endpoint.scheme == "https" else http.client.HTTPConnection
        connection = connection_type(endpoint.hostname or "127.0.0.1", endpoint.port, timeout=60)
        try:
            connection.request(self.command, target, body=body if self.command == "PUT" else None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            out = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
            if head:  # the object's length, not the empty payload's
                self.send_response(response.status)
                for name, value in {**out, **SECURITY_HEADERS}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", response.getheader("Content-Length") or "0")
                self.end_headers()
            else:
                self._send(response.status, payload, out)
        except OSError:
            log.exception("media store unreachable at %s", edge.media_endpoint)
            self._send(502, b"Bad Gateway\n", {"Content-Type": "text/plain; charset=utf-8"}, head)
        finally:
            connection.close()
