"""Text messages: queued on SQS by any capability, delivered by ``functions/sms_sender`` (SNS, or the local outbox).

Queued bodies are sealed with KMS (no phone number or code on the queues) and each message id is sent once.
Public: ``wiring.sms_gateway``, ``contracts``.
"""
