"""The device fabric's adapters: the registry and deliveries in the main table, IoT Core / MQTT publishing, shadows."""
