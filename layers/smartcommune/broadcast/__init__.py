"""Bulletins and alerts: drafting, two-person approval, schedules, Vietnamese speech, CAP 1.2, alert SMS, and
playing them on the loudspeakers through the device fabric.

Public: ``wiring.bulletin_service``, ``contracts``.
"""
