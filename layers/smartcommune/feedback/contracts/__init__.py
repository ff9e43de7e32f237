"""Citizen feedback's contracts (pydantic): the stored record (:mod:`.records`), what citizens and staff send
(:mod:`.requests`) and what they see (:mod:`.views`).

``docs/feedback-contract.md`` is the contract these models implement; Open311 and the pages build on it.
"""
