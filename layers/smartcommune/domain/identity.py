"""Placeholder until identity lands."""
