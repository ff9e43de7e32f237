"""Text messages: queued on SQS by any capability, delivered by ``functions/sms_sender`` (SNS, or the local outbox).

Public: ``wiring.sms_gateway``, ``contracts``.
"""
