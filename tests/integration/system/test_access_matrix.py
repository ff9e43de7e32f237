"""Who may call what, checked against ``docs/access-matrix.yaml``: a list people review, kept apart from the code.

First the declarations: every registered route has exactly one entry, in the section of its capability, naming
exactly the roles its ``allow=`` names. Then the behaviour: every route is driven anonymously and as every role with
a valid request built for it (``tests/support/access``), so the handlers' own checks run too: a citizen's own
records against another citizen's, a unit's items against another unit's. Any 5xx fails.

One world (moto, a session per role, the demo speakers) serves the whole module: building it for each route would
cost more than all the calls. Under xdist the suite runs with ``--dist loadfile``, so no other module's fixtures
rebind the app in the middle of this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from smartcommune.composition import load_routes
from smartcommune.core.api.router import PUBLIC, SIGNED, Route
from smartcommune.core.services import Services
from tests.support.access import SCENARIOS, Entry, World, drive, load_matrix
from tests.support.access.matrix import LEVELS, ROLE_NAMES, SIGNATURES, SIGNED_OWNERS
from tests.support.fixtures import Clock, moto_resources, settings_for

if TYPE_CHECKING:
    from smartcommune.core.settings import Settings
    from smartcommune_local.template import LocalResources

ROUTES = load_routes().routes
MATRIX, MATRIX_SHAPE = load_matrix()
ENTRY_KEYS = frozenset({"owner", "public", "access", "signed"})


def _key(route: Route) -> str:
    return f"{route.method} {route.path}"


# ---------------------------------------------------------------- one world for the module


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalResources]:
    with moto_resources() as resources:
        yield resources


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def settings(aws: LocalResources, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_for(aws, tmp_path_factory.mktemp("access-matrix"))


@pytest.fixture(scope="module")
def services(settings: Settings, clock: Clock) -> Services:
    from smartcommune.core import table

    table.bind(settings)
    return Services(settings, clock=clock)


@pytest.fixture(scope="module")
def api(services: Services) -> Iterator[Any]:
    from chalice.test import Client

    import app as app_module

    app_module.use_services(services)
    with Client(app_module.app) as client:
        yield client


@pytest.fixture(scope="module")
def module_world(api: Any, services: Services, settings: Settings, clock: Clock) -> World:
    return World(api, services, settings, clock)


@pytest.fixture
def world(module_world: World, services: Services, settings: Settings) -> World:
    import app as app_module
    from smartcommune.core import table

    table.bind(settings)  # as this module left them, whatever ran before
    app_module.use_services(services)
    return module_world


# ---------------------------------------------------------------- the declarations


def test_the_matrix_names_each_route_once():
    assert MATRIX_SHAPE == []


def test_every_matrix_entry_is_a_registered_route():
    registered = {_key(r) for r in ROUTES}
    assert sorted(set(MATRIX) - registered) == []


def test_every_registered_route_has_a_matrix_entry():
    missing = sorted({_key(r) for r in ROUTES} - set(MATRIX))
    assert missing == [], "routes nobody has reviewed access for"


def test_every_route_has_a_scenario_and_every_scenario_a_route():
    registered = {_key(r) for r in ROUTES}
    assert sorted(registered - set(SCENARIOS)) == [], "routes no scenario drives"
    assert sorted(set(SCENARIOS) - registered) == [], "scenarios of routes that no longer exist"


def _signed_entry_problems(entry: Entry, route: Route) -> list[str]:
    """A signed route: no session, no role; the caller is a client proven by its signature (e.g. the province)."""
    problems: list[str] = []
    if set(entry.raw) - ENTRY_KEYS:
        problems.append(f"unknown keys {sorted(set(entry.raw) - ENTRY_KEYS)}")
    if entry.signed is None:
        problems.append("the route is SIGNED, the matrix does not say `signed:`")
    elif entry.signed not in SIGNATURES:
        problems.append(f"signed: {entry.signed!r} is not one of {sorted(SIGNATURES)}")
    if entry.owner not in SIGNED_OWNERS or entry.public or entry.access:
        problems.append(f"a signed entry has an owner among {sorted(SIGNED_OWNERS)} and no public/access")
    if route.allow != SIGNED:
        problems.append(f"the matrix says signed, the route allows {route.allow!r}")
    capability = route.handler.__module__.split(".")[1]
    if capability != entry.section:
        problems.append(f"listed under {entry.section!r}, handled by capability {capability!r}")
    return problems


def _entry_problems(entry: Entry, route: Route) -> list[str]:
    """A public or role-based route."""
    problems: list[str] = []
    if set(entry.raw) - ENTRY_KEYS:
        problems.append(f"unknown keys {sorted(set(entry.raw) - ENTRY_KEYS)}")
    if entry.owner not in ROLE_NAMES | {"public"}:
        problems.append(f"owner {entry.owner!r} is neither a role nor 'public'")
    for role, level in entry.access.items():
        if role not in ROLE_NAMES:
            problems.append(f"{role!r} is not a role")
        if level not in LEVELS:
            problems.append(f"{role}: level {level!r} is not one of {sorted(LEVELS)}")
    # Then the route declares what the matrix says: public iff PUBLIC, else exactly the roles listed
    if entry.public:
        if route.allow != PUBLIC:
            problems.append(f"the matrix says public, the route allows {sorted(r.value for r in route.allow)}")
        if entry.owner != "public" or entry.access:
            problems.append("a public entry has owner 'public' and no access list")
    else:
        declared = sorted(r.value for r in route.allow) if route.allow != PUBLIC else ["PUBLIC"]
        if declared != sorted(entry.access):
            problems.append(f"the route allows {declared}, the matrix lists {sorted(entry.access)}")
        if entry.owner == "public" or entry.owner not in entry.access:
            problems.append(f"the owner {entry.owner!r} is not among the roles that may call it")
    # And it sits in its capability's section (the handler's module is smartcommune.<capability>.…)
    capability = route.handler.__module__.split(".")[1]
    if capability != entry.section:
        problems.append(f"listed under {entry.section!r}, handled by capability {capability!r}")
    return problems


@pytest.mark.parametrize("route", ROUTES, ids=_key)
def test_the_routes_declaration_is_the_reviewed_one(route: Route):
    # Given the route's line of the matrix
    key = _key(route)
    entry = MATRIX.get(key)
    assert entry is not None, f"{key} has no entry in docs/access-matrix.yaml"
    # Then it declares what the matrix says (a signed route: `signed:` and SIGNED; else public or the roles)
    signed = entry.signed is not None or route.allow == SIGNED
    problems = _signed_entry_problems(entry, route) if signed else _entry_problems(entry, route)
    assert problems == [], f"{key}: " + "; ".join(problems)


# ---------------------------------------------------------------- the behaviour


@pytest.mark.parametrize("route", ROUTES, ids=_key)
def test_every_caller_gets_what_the_matrix_says(world: World, route: Route):
    # Given the route's reviewed access and a scenario that builds valid requests for it
    key = _key(route)
    entry = MATRIX.get(key)
    assert entry is not None, f"{key} has no entry in docs/access-matrix.yaml: no one has reviewed who may call it"
    assert key in SCENARIOS, f"{key}: no scenario in tests/support/access builds a valid request for it"
    # When anonymous and every role call it, on their own things and on others'
    report = drive(world, key, entry)
    # Then every answer is the one the matrix gives, and none is a server error
    assert report.problems == [], (
        f"{len(report.problems)} of {report.calls} answers disagree with docs/access-matrix.yaml:\n  "
        + "\n  ".join(report.problems)
    )
