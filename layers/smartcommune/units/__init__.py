"""Administrative units as data: provinces, (former) districts, communes/wards/special zones, with their official
codes, validity periods and the resolutions that made and ended them, so the platform lives through a
reorganisation (two-level local government since 1/7/2025, commune and province mergers).

Public: ``contracts``, ``logic.UnitRegister``, ``wiring.unit_register``.
"""
