"""Drive one route as every caller and list, in words, every answer that disagrees with the matrix.

A signed route (``signed: sigv4``) has no roles: the scenario's signed request (a province client's, sent with no
session) answers 2xx, the same signed by another province's client on a commune not of its province 403, and the
request without its signature, sent anonymously and with every role's session, 401.

For each caller (anonymous, then every role): on a public route, the valid request answers 2xx. On a protected
route, anonymous gets 401 and a role the matrix does not list 403, for the owner's valid request; a listed role
gets 2xx on its own request ("mine") and, on something not its own ("theirs"), 2xx at level ``all`` and 403 or
404 at ``own``/``unit``. A 5xx is always a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from smartcommune.core.contracts import Role
from tests.support.access.model import SCENARIOS, Answer, Build, Call, SetupError
from tests.support.access.world import CALLERS

if TYPE_CHECKING:
    from tests.support.access.matrix import Entry
    from tests.support.access.world import World


@dataclass(frozen=True)
class Expect:
    label: str
    accepts: Callable[[int], bool]


OK = Expect("2xx", lambda s: 200 <= s < 300)
UNAUTHENTICATED = Expect("401", lambda s: s == 401)
REFUSED = Expect("403", lambda s: s == 403)
HIDDEN = Expect("403/404", lambda s: s in (403, 404))


@dataclass
class Report:
    """What driving one route found."""

    problems: list[str] = field(default_factory=list)
    calls: int = 0


def _who(role: Role | None) -> str:
    return role.value if role is not None else "anonymous"


def drive(world: World, key: str, entry: Entry) -> Report:
    """Every caller on route ``key``; the scenario must exist."""
    report = Report()
    scenario = SCENARIOS[key]

    def expect(
        label: str,
        build: Build | Call,
        role: Role | None,
        wanted: Expect,
        *,
        own: bool,
        scoped: Callable[[Answer], str | None] | None = None,
    ) -> None:
        try:
            call = build if isinstance(build, Call) else build()
        except SetupError as error:
            report.problems.append(f"{label}: could not build the request: {error}")
            return
        # A call may carry another session of the caller's own account (logout ends the one it is sent with).
        token = call.token if own and role is not None and call.token else world.token(role)
        answer = world.send(call, token)
        report.calls += 1
        if not wanted.accepts(answer.status):
            note = f" ({answer.summary()})" if answer.status >= 400 else ""
            server = " — a server error" if answer.status >= 500 else ""
            report.problems.append(f"{label}: expected {wanted.label}, got {answer.status}{server}{note}")
        elif wanted is OK:
            for check in (call.check, scoped):
                trouble = check(answer) if check is not None else None
                if trouble:
                    report.problems.append(f"{label}: {trouble}")

    refused: list[Call] = []  # the owner's valid request, built once, for everyone who must be refused

    def owners_request() -> Call:
        if not refused:
            # The owner's request (a first listed role if the owner is not a role: the declaration test says so).
            names = {r.value for r in Role}
            owner = entry.owner if entry.owner in names else next((r for r in entry.access if r in names), "admin")
            refused.append(scenario(world, Role(owner)).mine())
        return refused[0]

    if entry.signed:
        from tests.support.access.province import unsigned

        plan = scenario(world, None)
        expect(f"province {key} signed", plan.mine, None, OK, own=False)
        if plan.theirs is not None:
            expect(f"province {key} signed-other-province", plan.theirs, None, REFUSED, own=False)
        for role in CALLERS:
            label = f"{_who(role)} {key} unsigned-session" if role else f"anonymous {key} unsigned"
            expect(label, lambda: unsigned(plan.mine()), role, UNAUTHENTICATED, own=False)
        return report

    for role in CALLERS:
        who = _who(role)
        if entry.public:
            expect(f"{who} {key} public", scenario(world, role).mine, role, OK, own=True)
            continue
        if role is None:
            expect(f"anonymous {key} signed-out", owners_request, None, UNAUTHENTICATED, own=False)
            continue
        level = entry.level(role)
        if level is None:
            expect(f"{who} {key} not-listed", owners_request, role, REFUSED, own=False)
            continue
        plan = scenario(world, role)
        scoped = plan.scoped if level in ("own", "unit") else None
        expect(f"{who} {key} {level}-mine", plan.mine, role, OK, own=True, scoped=scoped)
        if plan.theirs is not None:
            expect(f"{who} {key} {level}-theirs", plan.theirs, role, OK if level == "all" else HIDDEN, own=True)
    return report
