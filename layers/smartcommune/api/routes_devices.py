"""Routes: devices (being written)."""
