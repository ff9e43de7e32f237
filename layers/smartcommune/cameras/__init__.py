"""Security cameras (issue 10): cameras as IoT things, bursts of frames to S3, analysis on the vision engine,
staff zones and rules, events for the police, privacy (blurred faces, retention, audited raw views).

Public: ``wiring.camera_warnings`` (the dashboard's ``WarningSource``), ``wiring.camera_summary``, ``contracts``
(shared with the edge agent in ``devices/camera``).
"""
