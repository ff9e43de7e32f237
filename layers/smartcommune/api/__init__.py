"""The HTTP API, independent of the web framework: routes declare access, contracts and a thin handler.

``app.py`` adapts the registry to Chalice; nothing else here imports Chalice.
"""
