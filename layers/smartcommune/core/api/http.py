"""Framework-neutral request and response objects."""

from __future__ import annotations

import hmac
import ipaddress
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic import BaseModel

    from smartcommune.core.principal import Principal
    from smartcommune.core.services import Services


@dataclass
class RawRequest:
    """What any web framework can give us about one HTTP request."""

    method: str
    path: str
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes | None = None
    client_ip: str = "unknown"  # who rate limits count: see client_address
    request_id: str = "local"
    # The path as the client sent it (not the route's template): what a request signature covers. Behind API
    # Gateway it starts with the stage (``/api/…``).
    url_path: str = ""
    # The IAM identity API Gateway verified a SigV4 request for (AWS_IAM authorisation on signed routes); never
    # set from anything the client sends.
    caller_arn: str | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class ApiRequest:
    """What a route handler receives: validated body and query, the caller, and the services."""

    raw: RawRequest
    services: Services
    principal: Principal | None
    body: Any = None  # the route's body model instance, when it declares one
    query: Any = None  # the route's query model instance, when it declares one
    signer: Any = None  # on a signed route: who the request's signature names (dispatch's ``verify_signed``)

    @property
    def path_params(self) -> dict[str, str]:
        return self.raw.path_params

    @property
    def caller(self) -> Principal:
        """The principal of a route that requires one (dispatch guarantees it is set)."""
        if self.principal is None:  # pragma: no cover - dispatch refuses anonymous callers first
            raise RuntimeError("route requires a principal")
        return self.principal


@dataclass
class ApiResponse:
    """A response with an explicit status; handlers may also just return a model or a dict (status 200)."""

    body: BaseModel | dict[str, Any] | list[Any] | str | bytes | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RawResponse:
    """What goes back to the framework."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


EDGE_SECRET_HEADER = "x-smartcommune-edge"  # noqa: S105 - a header name, not the secret
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"


def _viewer_ip(value: str) -> str | None:
    """The IP of ``CloudFront-Viewer-Address`` (``ip:port``; an IPv6 address comes without brackets)."""
    host, _, port = value.strip().rpartition(":")
    if not port.isdigit():
        return None
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def rate_key_address(ip: str) -> str:
    """An address as limits count it: IPv4 as it is, IPv6 as its /64 (what one subscriber is given, whole)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_address(headers: Mapping[str, str], source_ip: str | None, edge_secret: str) -> str:
    """Who sent a request, as rate limits count it (``RawRequest.client_ip``); ``headers`` has lower-case names.

    Behind CloudFront the address that connects to API Gateway (``sourceIp``) is a CloudFront server, shared by
    everyone that edge serves. CloudFront names the viewer in ``CloudFront-Viewer-Address`` (the API behaviour's
    origin request policy forwards it), and adds ``X-SmartCommune-Edge: <edge secret>`` to every request it sends
    the API (an origin custom header; CloudFront overwrites a viewer's own). The viewer address is believed only
    next to that secret: a request that reached API Gateway some other way (its execute-api URL is public) could
    say anything, and is counted by ``sourceIp`` — then the address that really connected. X-Forwarded-For is not
    used: its first entries are whatever the client wrote. An empty ``edge_secret`` believes no header.
    """
    presented = headers.get(EDGE_SECRET_HEADER)
    viewer = headers.get(VIEWER_ADDRESS_HEADER)
    if edge_secret and presented and viewer and hmac.compare_digest(presented.encode(), edge_secret.encode()):
        ip = _viewer_ip(viewer)
        if ip is not None:
            return rate_key_address(ip)
    return rate_key_address(source_ip) if source_ip else "unknown"
