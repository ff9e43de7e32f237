"""Routes: open311 (being written)."""
