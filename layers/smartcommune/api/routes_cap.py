"""Routes: cap (being written)."""
