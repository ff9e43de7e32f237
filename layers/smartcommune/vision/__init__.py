"""Vision (issue 10): what a camera frame shows, in Amazon Rekognition's shapes, and rules over objects in time.

For the cameras capability (and the police/security role behind it): person and vehicle detection on the CPU from
packaged models, faces found and blurred, a motion gate so static frames skip inference, a tracker that gives each
object an identity across frames, and rules (class in a zone during a time window, crowding, loitering, line
crossing in a direction, camera offline or covered) that turn tracks into de-duplicated matches.

Public surface: ``vision.contracts`` (the shapes, ``Detector``), ``vision.wiring.detector(services)``,
``vision.logic.motion.MotionGate``, ``vision.logic.tracking.Tracker``, ``vision.logic.rules.RuleEngine``, and
``vision.engine.sequences`` (replayed camera sequences from real photos, for simulated cameras and benchmarks).
"""
