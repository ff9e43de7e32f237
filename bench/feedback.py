"""Benchmarks: feedback (being written)."""
