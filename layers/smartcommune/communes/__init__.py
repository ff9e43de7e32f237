"""The communes of a deployment and their hamlets: the tenants every capability is scoped to.

Public: ``wiring.commune_repository``, ``contracts``, ``logic.CommuneStore``.
"""
