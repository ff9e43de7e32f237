"""Routes: feedback (being written)."""
