"""Device agents (run on field devices; never imported by Lambda code)."""
