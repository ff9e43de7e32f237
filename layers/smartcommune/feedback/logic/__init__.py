"""Feedback rules, pure: the stores, media bucket, SMS and communes are ports passed in."""
