"""Citizen accounts: profiles, staff search/registration/locking, the demo import.

Public: ``wiring.citizen_service``, ``wiring.citizen_repository``, ``contracts``.
"""
