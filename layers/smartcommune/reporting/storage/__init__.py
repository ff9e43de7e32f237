"""Reporting's storage: items in the single table (``items``), their repositories, and the signing keys (``keys``)."""
