"""Factories of the administrative-unit register."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.units.logic import UnitRegister


def unit_register(services: Services) -> UnitRegister:
    """The administrative units, their history and successors (public: addresses in every capability)."""
    from smartcommune.units.storage import load_register

    return load_register()
