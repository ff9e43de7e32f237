"""The audit trail: a SHA-256 hash chain per commune, written in the same transaction as the change it records,
verified nightly and anchored in S3 Object Lock.

Public: ``wiring.audit_repository`` (the journal other capabilities commit through), ``wiring.audit_verifier``,
``contracts``.
"""
