"""The API's own health and description (``/health``, ``/openapi.json``)."""
