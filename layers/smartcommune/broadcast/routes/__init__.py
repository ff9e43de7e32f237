"""Broadcast's HTTP routes: bulletins and alerts, and the public CAP 1.2 feed."""
