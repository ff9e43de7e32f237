"""Bulletin rules and CAP rendering, pure: stores, speech, fan-out and SMS are ports passed in."""
