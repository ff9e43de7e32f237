"""The province's signed API (criterion 2.1): what the province's systems read from and ask of each commune,
under ``/province/v1/``, with no session and no role — only AWS SigV4-signed requests.

In AWS the API Gateway method authorises with AWS_IAM (the signature is checked against the caller's IAM
credentials before the function runs) and the handler maps the caller's IAM identity to a province client; locally
(and as the portable check) the same signature is verified here with provisioned keys. Either way: a timestamp
window, each signature accepted once, and each client sees only the communes of its own province.

Public: ``contracts``, ``wiring.province_gate`` (verify a signed request → its client, and its entitlement),
``wiring.province_clients`` (create, rotate, revoke clients; the CLI's), ``logic.sigv4``.
"""
