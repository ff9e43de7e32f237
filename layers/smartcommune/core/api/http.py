"""Framework-neutral request and response objects."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    client_ip: str = "unknown"
    request_id: str = "local"

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
