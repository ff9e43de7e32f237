"""Feedback's storage: records, counters and copies in the main table; photos in the media bucket; Open311 keys."""
