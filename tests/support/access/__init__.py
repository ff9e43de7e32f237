"""The access-matrix test's support: one scenario per route (a valid request on the caller's own resource and on
someone else's), the world they act in, the matrix reader and the runner that compares answers with the matrix.

Importing this package registers every scenario in :data:`SCENARIOS`.
"""

from tests.support.access import (  # noqa: F401 - they register
    broadcast,
    cameras,
    citizens,
    devices,
    facilities,
    feedback,
    fees,
    identity,
    operations,
    population,
    province,
    reporting,
    site,
    telehealth,
    units,
    water,
)
from tests.support.access.matrix import Entry, load_matrix
from tests.support.access.model import SCENARIOS
from tests.support.access.runner import drive
from tests.support.access.world import World

__all__ = ["SCENARIOS", "Entry", "World", "drive", "load_matrix"]
