"""Benchmarks: broadcast (being written)."""
