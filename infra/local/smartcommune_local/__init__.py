"""Local-stack and operations tooling: the embedded AWS stand-ins, demo data, and the ``smartcommune`` CLI.

Development only: not part of the Lambda layer.
"""
