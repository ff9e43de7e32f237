"""Factories of the operations dashboard, and its two registries: tile name → tile source, and warning sources.

A provider is a factory ``(services) -> source``; a provider whose capability is not installed (its package is not
on this branch or deployment) gives ``None``, and the dashboard has no tile for it. Another capability is reached
only through its ``wiring`` (named here as strings, imported when asked for) and its ``contracts``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.core.warnings import WarningSource
    from smartcommune.operations.logic.dashboard import DashboardService, ScorecardSource, TileSource
    from smartcommune.operations.wiring.register import PopulationRegister


def installed(module: str, factory: str) -> Callable[[Services], Any] | None:
    """The factory ``module.factory`` when that capability is installed, else ``None``."""
    try:
        if importlib.util.find_spec(module) is None:
            return None
    except ModuleNotFoundError:  # the capability's package itself is absent
        return None
    found = getattr(importlib.import_module(module), factory, None)
    return found if callable(found) else None


def _feedback(services: Services) -> TileSource | None:
    from smartcommune.operations.wiring.feedback_tile import FeedbackTile

    return FeedbackTile(services)


def _loudspeakers(services: Services) -> TileSource | None:
    from smartcommune.operations.wiring.speakers_tile import SpeakersTile

    return SpeakersTile(services)


def _health(services: Services) -> TileSource | None:
    from smartcommune.operations.wiring.health_tile import HealthTile

    return HealthTile(services)


def _water(services: Services) -> TileSource | None:
    from smartcommune.operations.wiring.water_tile import WaterTile

    found = installed("smartcommune.water.wiring", "water_summary")
    return WaterTile(services.get(found)) if found else None


def _wifi(services: Services) -> TileSource | None:
    from smartcommune.operations.wiring.wifi_tile import WifiTile

    found = installed("smartcommune.facilities.wiring", "facilities_summary")
    return WifiTile(services.get(found)) if found else None


def _schools(services: Services) -> TileSource | None:
    from smartcommune.operations.wiring.register import CommuneProfiles
    from smartcommune.operations.wiring.schools_tile import SchoolsTile

    found = installed("smartcommune.facilities.wiring", "facilities_summary")
    if not found:
        return None
    return SchoolsTile(services.get(found), services.get(population_register), CommuneProfiles(services))


def _indicators(services: Services) -> TileSource | None:
    from smartcommune.operations.wiring.indicators_tile import IndicatorsTile

    catalog = installed("smartcommune.reporting.wiring", "indicator_catalog")
    cards = installed(*SCORECARD_PROVIDER)
    return IndicatorsTile(services.get(catalog), services.get(cards)) if catalog and cards else None


def _summary_tile(name: str, module: str, factory: str) -> Callable[[Services], TileSource | None]:
    """A tile from another capability's ``summary(commune_id)`` service, when that capability is installed."""

    def provide(services: Services) -> TileSource | None:
        from smartcommune.operations.wiring.summary_tiles import SummaryTile

        found = installed(module, factory)
        return SummaryTile(name, services.get(found)) if found else None

    return provide


TILE_PROVIDERS: Final[dict[str, Callable[[Services], TileSource | None]]] = {
    "feedback": _feedback,
    "loudspeakers": _loudspeakers,
    "cameras": _summary_tile("cameras", "smartcommune.cameras.wiring", "camera_summary"),
    "water": _water,
    "health": _health,
    "wifi": _wifi,
    "schools": _schools,
    "indicators": _indicators,
    "directory": _summary_tile("directory", "smartcommune.site.wiring", "directory"),
}
"""Tile name → provider, in the order the screen shows them."""

WARNING_PROVIDERS: Final[dict[str, tuple[str, str]]] = {
    "cameras": ("smartcommune.cameras.wiring", "camera_warnings"),
    "water": ("smartcommune.water.wiring", "water_warnings"),
}
"""Warning source name → (wiring module, factory of its ``core.warnings.WarningSource``)."""

SCORECARD_PROVIDER: Final = ("smartcommune.reporting.wiring", "scorecards")


def warning_sources(services: Services) -> dict[str, WarningSource | None]:
    out: dict[str, WarningSource | None] = {}
    for name, (module, factory) in WARNING_PROVIDERS.items():
        found = installed(module, factory)
        out[name] = services.get(found) if found else None
    return out


def scorecard_source(services: Services) -> ScorecardSource | None:
    from smartcommune.operations.wiring.scorecard import ReportingScorecards

    found = installed(*SCORECARD_PROVIDER)
    return ReportingScorecards(services.get(found), services.clock) if found else None


def population_register(services: Services) -> PopulationRegister:
    """The people the forecasts count (one read an hour), shared by the forecasts and the schools tile."""
    from smartcommune.operations.wiring.register import PopulationRegister

    return PopulationRegister(services)


def dashboard_service(services: Services) -> DashboardService:
    from smartcommune.operations.logic.dashboard import DashboardService
    from smartcommune.operations.wiring.register import CommuneProfiles

    return DashboardService(
        tiles={name: provide(services) for name, provide in TILE_PROVIDERS.items()},
        warnings=services.get(warning_sources),
        scorecards=services.get(scorecard_source),
        population=services.get(population_register),
        communes=CommuneProfiles(services),
        clock=services.clock,
    )
