"""The composition root of the HTTP API: which capabilities it serves, and who authenticates callers.

The shared base (``smartcommune.core``) knows no capability; this module is the one place that names them all.
A new capability adds its route modules to :data:`CAPABILITY_ROUTES` (``docs/CONTRIBUTING.md``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

from smartcommune.core.api.router import router
from smartcommune.identity.wiring import authenticate

if TYPE_CHECKING:
    from smartcommune.core.api.router import Router

__all__ = ["CAPABILITY_ROUTES", "ROUTE_MODULES", "authenticate", "load_routes"]

CAPABILITY_ROUTES: Final[dict[str, tuple[str, ...]]] = {
    "system": ("smartcommune.system.routes",),
    "communes": ("smartcommune.communes.routes",),
    "units": ("smartcommune.units.routes",),
    "identity": ("smartcommune.identity.routes",),
    "citizens": ("smartcommune.citizens.routes",),
    "audit": ("smartcommune.audit.routes",),
    "feedback": ("smartcommune.feedback.routes.feedback", "smartcommune.feedback.routes.open311"),
    "broadcast": ("smartcommune.broadcast.routes.bulletins", "smartcommune.broadcast.routes.cap"),
    "devices": ("smartcommune.devices.routes",),
    "telehealth": (
        "smartcommune.telehealth.routes.booking",
        "smartcommune.telehealth.routes.records",
        "smartcommune.telehealth.routes.fhir",
    ),
}
"""Every capability that serves HTTP, with the modules whose import registers its routes."""

ROUTE_MODULES: Final[tuple[str, ...]] = tuple(m for modules in CAPABILITY_ROUTES.values() for m in modules)


def load_routes() -> Router:
    """Import every capability's route modules once and return the filled registry."""
    for name in ROUTE_MODULES:
        importlib.import_module(name)
    return router
