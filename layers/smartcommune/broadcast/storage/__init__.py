"""Broadcast's storage: bulletins, schedules, subscriptions and statistics in the main table; speech in S3."""
