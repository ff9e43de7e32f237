"""The operations dashboard (trung tâm điều hành): one payload of live tiles, warnings, forecasts and the criteria
scorecard for the commune hall's wide screen and staff laptops.

Each tile comes from a provider in a registry (tile name → provider, ``wiring.TILE_PROVIDERS``): a provider reads
one capability through that capability's ``wiring`` and ``contracts``; a capability not installed yet simply has no
tile. Warnings come from every ``core.warnings.WarningSource`` in ``wiring.WARNING_SOURCES``. Forecasts (school entry,
conscription age, elderly care) and trend warnings are pure logic over the population register and the tiles'
series (``logic.forecasts``, ``logic.trends``), their method stated in the payload for the screen to show.

Who sees what: leadership (admin) and the office see every tile with its drill-down (``GET /dashboard``); the hall
screen shows the public projection, counts only, no names and no drill-down (``GET /communes/{id}/dashboard``).

Public: ``contracts``, ``wiring.dashboard_service``, ``logic.forecasts``, ``logic.trends``.
"""
