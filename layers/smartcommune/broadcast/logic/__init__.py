"""Bulletin rules, the bulletin service and CAP rendering, pure: stores, speech, fan-out and SMS are ports passed in.

``service.BulletinService`` is the entry point; ``ports`` lists what it needs from outside.
"""
