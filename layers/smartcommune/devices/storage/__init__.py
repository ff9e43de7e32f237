"""The device fabric's adapters: the registry and deliveries in the main table, IoT Core / MQTT publishing, shadows.

``items`` (table layout), ``registry`` (speakers, live state, uptime and outcomes, clusters), ``deliveries``
(commands and acks), ``publishers`` (IoT data plane / local MQTT), ``shadows``, ``fanout`` (the ``Fanout`` port)
and ``mqtt`` (the awscrt MQTT client).
"""
