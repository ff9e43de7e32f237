"""Factories of the shared base, built once per process by :meth:`~smartcommune.core.services.Services.get`.

Every capability keeps its own factories in ``<capability>/wiring.py`` in the same style: a plain function
``def thing(services) -> Thing`` whose imports are local, so a route pays only for what it uses (cold starts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.pii import PiiHasher
    from smartcommune.core.rates import RateCounterRepository
    from smartcommune.core.services import Services


def bound_table(services: Services) -> None:
    """Bind the data layer to this deployment's table (once)."""
    from smartcommune.core import table

    table.bind(services.settings)


def pii_hasher(services: Services) -> PiiHasher:
    """Keyed hashing of phone numbers and CCCD for look-up keys."""
    from smartcommune.core.pii import PiiHasher

    return PiiHasher(services.settings.secret("pii_hash_key"))  # Secrets Manager in AWS, read on first use


def rate_counters(services: Services) -> RateCounterRepository:
    """Fixed-window counters for rate limits (sign-in codes, Open311 posts, …)."""
    from smartcommune.core.rates import RateCounterRepository

    services.get(bound_table)
    return RateCounterRepository()
