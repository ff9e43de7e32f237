"""The HTTP API, independent of the web framework: the route registry, dispatch and the OpenAPI document."""
