"""Factories of the API's own health."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcommune.core.services import Services


def health_probe(services: Services) -> Callable[[], dict[str, Any]]:
    """A check that the table answers; the local stack adds its own parts on top."""
    from smartcommune.core.table import MainTable
    from smartcommune.core.wiring import bound_table

    services.get(bound_table)

    def probe() -> dict[str, Any]:
        MainTable._get_connection().get_item("HEALTH", "probe")  # a key lookup: cheap, and proves the table
        return {"status": "ok", "stage": services.settings.stage, "checks": {"table": "ok"}}

    return probe
