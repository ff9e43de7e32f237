"""The field-device fabric on IoT Core: registry of things, signed commands fanned out over MQTT, acks, delivery
reports, shadows and heartbeats.

Public: ``wiring.device_fanout``, ``wiring.shadow_store``, ``contracts`` (shared with device agents).
"""
