"""Staff accounts, sessions, one-time sign-in codes in the main table: one module each (:mod:`.staff`,
:mod:`.sessions`, :mod:`.otps`).

Keys (no phone number, CCCD or client address appears in clear in any key):

=====================  ===========================================  =========  ================================
item                   PK                                           SK         GSI1
=====================  ===========================================  =========  ================================
staff account          ``C#<commune>#STAFF#<id>``                   ACCOUNT    ``C#<commune>#STAFF`` / username
staff username         ``STAFFLOGIN#<username>``                    LOGIN      -
staff sign-in guard    ``LOGINGUARD#<hmac(username)>``              ATTEMPTS   -
session                ``SESSION#<sha256(token)>``                  SESSION    staff: ``C#<c>#STAFF#<id>#SESSIONS``
sign-in code           ``C#<commune>#OTP#<hmac(phone)>``            CHALLENGE  -
=====================  ===========================================  =========  ================================

Usernames are unique across the deployment (staff sign in with a username alone), so their index item sits
outside any commune's partition and names the commune the account belongs to. The sign-in guard counts failed
passwords in a row per username typed, whether an account has it or not (so a lock-out says nothing about which
usernames exist); it is keyed by the username's HMAC, since people type phone numbers into username fields.
A staff session is also indexed under its account (GSI1, sort key the token's hash), so "sign out everywhere"
finds every session of the account without a scan. Sessions, codes and guards carry ``ttl`` so DynamoDB removes
them; code still checks expiry itself, since TTL deletion is lazy.
"""

from __future__ import annotations

from smartcommune.identity.storage.otps import OtpRepository
from smartcommune.identity.storage.sessions import SessionRepository
from smartcommune.identity.storage.staff import StaffRepository

__all__ = ["OtpRepository", "SessionRepository", "StaffRepository"]
