"""Citizen feedback (phản ánh, kiến nghị): submission with photos, the handling workflow, comments, ratings,
the public listing, statistics, and the Open311 GeoReport v2 gateway.

Public: ``wiring.feedback_service``, ``wiring.open311_gateway``, ``contracts``.
"""
