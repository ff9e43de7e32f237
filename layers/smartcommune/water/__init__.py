"""Water quality (V.1 (x)): sensors at the water plant and the hamlets' taps, their readings against the limits of
QCVN 01-1:2018/BYT, and the warnings staff acknowledge and can turn into an alert bulletin.

Sensors are IoT things (``devices/water_sensor``) that publish one reading a minute on their own MQTT topic; an IoT
topic rule queues the readings and ``functions/water_readings`` stores them (once per reading id, however often it
is delivered), keeps each sensor's latest values and raises or resolves out-of-limits warnings;
``functions/water_silence`` raises a fault warning for a sensor that has gone quiet.

Public: ``wiring.water_summary`` (the dashboard tile: every sensor's latest values and status),
``wiring.water_warnings`` (a ``core.warnings.WarningSource``), ``contracts`` (shared with the sensor agents) and
``limits.json`` (the limits with their citation).
"""
