"""Feedback's HTTP routes: the portal/admin API and Open311 GeoReport v2."""
