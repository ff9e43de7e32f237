"""Sign-in and sessions: citizens by phone and SMS code, staff by password; who a bearer token belongs to.

Public: ``wiring.identity_service``, ``wiring.authenticate``, ``contracts``.
"""
