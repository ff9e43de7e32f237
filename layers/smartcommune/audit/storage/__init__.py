"""The audit trail's storage: the chained journal in the main table, and the anchors in S3."""
