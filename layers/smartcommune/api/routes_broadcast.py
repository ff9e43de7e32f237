"""Routes: broadcast (being written)."""
