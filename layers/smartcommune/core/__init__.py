"""The shared base every capability stands on: HTTP registry and dispatch, OpenAPI, settings, errors,
observability, text folding, value types, the single table, rate counters, the service container.

It imports no capability (``make lint`` checks this with import-linter).
"""
