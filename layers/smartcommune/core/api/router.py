"""The route registry: each route names its method, path, who may call it, and its contracts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from smartcommune.core.contracts import STAFF_ROLES, Role

if TYPE_CHECKING:
    from pydantic import BaseModel

    from smartcommune.core.api.http import ApiRequest, ApiResponse

PUBLIC: Final = "public"
"""Anyone may call, signed in or not."""

SIGNED: Final = "signed"
"""No session: the handler verifies the request's own signature (the province's SigV4 API, ``province``); dispatch
refuses a session token with 401 and roles do not apply."""

Access = frozenset[Role] | Literal["public", "signed"]

ALL_STAFF: Final[frozenset[Role]] = STAFF_ROLES
CITIZENS: Final[frozenset[Role]] = frozenset({Role.CITIZEN})
SIGNED_IN: Final[frozenset[Role]] = frozenset(Role)

Handler = Callable[["ApiRequest"], "ApiResponse | BaseModel | dict[str, Any] | list[Any] | None"]


@dataclass(frozen=True)
class Route:
    """One endpoint of the API."""

    method: str
    path: str
    handler: Handler
    allow: Access
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    tags: tuple[str, ...] = ()
    # Content types other than JSON that the route produces (e.g. "application/xml"); JSON is always assumed.
    produces: tuple[str, ...] = field(default=())

    @property
    def is_public(self) -> bool:
        return self.allow == PUBLIC

    @property
    def is_signed(self) -> bool:
        """Called with a request signature instead of a session (see :data:`SIGNED`)."""
        return self.allow == SIGNED

    def allows(self, roles: Iterable[Role]) -> bool:
        """Whether a caller with ``roles`` may call this route (never, with a session, for a signed route)."""
        if self.allow == SIGNED:
            return False
        return self.allow == PUBLIC or any(role in self.allow for role in roles)

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


class Router:
    """Collects routes; route modules decorate their handlers with :meth:`route`."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        allow: Access,
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        tags: tuple[str, ...] = (),
        produces: tuple[str, ...] = (),
    ) -> Callable[[Handler], Handler]:
        """Register the decorated function as the handler of ``method path``."""
        if allow not in (PUBLIC, SIGNED) and not allow:
            raise ValueError(f"{method} {path}: a route must allow at least one role or be PUBLIC or SIGNED")

        def register(handler: Handler) -> Handler:
            if any(r.method == method and r.path == path for r in self.routes):
                raise ValueError(f"duplicate route {method} {path}")
            self.routes.append(
                Route(method, path, handler, allow, summary, body, query, response, status, tags, produces)
            )
            return handler

        return register

    def find(self, method: str, path: str) -> Route:
        """The route registered for ``method`` and the path template ``path``."""
        for r in self.routes:
            if r.method == method and r.path == path:
                return r
        raise KeyError(f"{method} {path}")


router = Router()
"""The API's single registry; :func:`smartcommune.composition.load_routes` fills it with every capability's routes."""
