"""Identity: citizen sign-in by phone OTP, staff sign-in by password, and sessions.

Design decision: identity is our own, in DynamoDB, for citizens and staff alike — not Cognito.

* Citizens sign in with a one-time code sent by SMS. In Cognito that needs custom-auth Lambda triggers
  (define/create/verify challenge), which moto cannot run, so the flow could not be tested offline.
* Sessions are opaque tokens (32 random bytes, URL-safe) stored in DynamoDB with a TTL, not JWTs: every request
  looks its session up, so locking an account (or logging out) takes effect at once, which a JWT valid for
  hours cannot do. Only ``sha256(token)`` is stored (key ``SESSION#<hash>``), so a copy of the table holds no
  usable token; ``expires_at`` is both the check and DynamoDB's TTL.
* Staff passwords are hashed with ``hashlib.scrypt`` (N=2^17, r=8, p=1, OWASP's minimum; 16-byte random salt; each
  hash names its cost, and older ones are upgraded on sign-in) and compared in constant time; an unknown user, a
  wrong password and a locked account cost the same hash and get the same message. Guesses are counted atomically
  before the check, per username, per client address and across the deployment (:mod:`.staff`).
* Phone numbers and CCCD in keys are ``HMAC-SHA256(settings.pii_hash_key, value)`` in hex (:class:`PiiHasher`):
  look-ups by exact value work, yet neither ever appears in clear in a key or a log line.
* One-time codes: 6 digits from :mod:`secrets`, stored as an HMAC, valid ``otp_ttl_s``; at most
  ``otp_max_attempts`` wrong tries, then the code is burned; a code is used once (conditional delete). Sending is
  rate-limited per phone and per client (fixed one-hour windows, atomic counters) and a resend must wait
  ``otp_resend_after_s``; trying codes is rate-limited per client too (``otp_max_verifies_per_client_per_hour``).
  "Client" is the viewer address CloudFront vouches for, not API Gateway's ``sourceIp``
  (:func:`smartcommune.core.api.http.client_address`).

The service is pure: its stores and the SMS gateway are ports (protocols in :mod:`.ports`) that
``smartcommune.identity.storage`` and ``smartcommune.sms.storage`` implement on DynamoDB/SQS and the unit tests
implement in memory.

The modules, one room each:

* :mod:`.service` — :class:`~.service.IdentityService`, the one entry point; it composes the three parts below.
* :mod:`.otp` — citizens' sign-in by one-time code; :mod:`.staff` — staff sign-in by password and staff accounts;
  :mod:`.staff_admin` — administrators lock, unlock, re-role and sign out staff accounts;
  :mod:`.sessions` — issuing, resolving and ending sessions.
* :mod:`.tokens` — session tokens and their hash; :mod:`.passwords` — scrypt password hashes.
* :mod:`.ports` — the stored records and the store/gateway protocols; :mod:`.policy` — the limits
  (:class:`~.policy.IdentityPolicy`); :mod:`.messages` — the texts sign-in answers with.
"""
