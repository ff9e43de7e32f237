"""What a scenario is: for one route and one caller, a valid request on something the caller may reach and, where
the route acts on something that belongs to a person or a unit, the same request on something that is not theirs.

Requests are built lazily (a :data:`Build` is called just before it is sent): a route that changes state (lock,
approve, revoke, a workflow step) gets a fresh resource for every call, and a role the route refuses never pays for
one it does not use.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcommune.core.contracts import Role
    from tests.support.access.world import World


class SetupError(AssertionError):
    """A scenario could not build its resource; the message names the step and what the API answered."""


@dataclass(frozen=True)
class Answer:
    """What the API answered."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def summary(self) -> str:
        """The error message of a JSON error body, else the start of the body (for a failure list)."""
        try:
            error = self.json()["error"]
            return str(error.get("message_en") or error.get("message"))
        except (ValueError, TypeError, KeyError):
            return self.body[:160].decode(errors="replace")


@dataclass(frozen=True)
class Call:
    """One request. ``body``: a dict or list is sent as JSON, ``str``/``bytes`` as they are (with ``headers``).

    ``check`` looks at a 2xx answer and says what is wrong with it (``None``: nothing), e.g. that a citizen's own
    list shows someone else's item.
    """

    method: str
    path: str
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    check: Callable[[Answer], str | None] | None = None
    token: str | None = None  # another session of the caller's own account, sent instead of the one it holds


Build = Callable[[], Call]


@dataclass(frozen=True)
class Plan:
    """``mine``: a valid request on something the caller may reach as its level says (its own record, an item of
    its unit, anything of its commune). ``theirs``: the same on another citizen's record or another unit's item,
    for routes where that exists; a role with level ``all`` must reach it too, ``own``/``unit`` must not.

    ``scoped`` checks a 2xx on ``mine`` when the caller's level is ``own`` or ``unit`` (a unit's inbox lists
    only its items). The owner's ``mine`` is also what anonymous callers and unlisted roles send (to be refused)."""

    mine: Build
    theirs: Build | None = None
    scoped: Callable[[Answer], str | None] | None = None  # what a 2xx on ``mine`` shows at level own/unit


Scenario = Callable[["World", "Role | None"], Plan]
"""Builds the plan for one caller (``None``: anonymous, for public routes)."""

SCENARIOS: dict[str, Scenario] = {}
"""``"METHOD path"`` → its scenario; filled by the modules of this package as they are imported."""


def scenario(key: str) -> Callable[[Scenario], Scenario]:
    """Register the decorated function as the scenario of route ``key`` ("METHOD path")."""

    def register(function: Scenario) -> Scenario:
        if key in SCENARIOS:
            raise ValueError(f"two scenarios for {key}")
        SCENARIOS[key] = function
        return function

    return register


def same(call: Call) -> Plan:
    """A plan whose request does not depend on who calls (a list of the commune, a public page)."""
    return Plan(mine=lambda: call)
