"""Who a signed request comes from, and which communes it may read.

Two ways to know the caller, one per deployment (``Settings.province_auth``):

- ``keys`` (local stack, tests, and any deployment without IAM): the handler verifies the SigV4 signature itself
  with the client's provisioned secret.
- ``iam`` (AWS): API Gateway's AWS_IAM authorisation verified the signature against the caller's IAM credentials
  before the function ran and names the caller (``requestContext.identity.userArn``); the client is the one
  registered for that IAM role or user.

Both then apply the same rules: the credential scope (region, ``execute-api``), a ±5 minute window around
``X-Amz-Date``, each signature accepted once (a conditional write that expires with the window), and entitlement —
a client reads only the communes of its own province, and a commune outside it is refused exactly like one that
does not exist.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from smartcommune.core.errors import ForbiddenError, UnauthenticatedError
from smartcommune.province.logic.sigv4 import (
    Authorization,
    SignatureError,
    SignedRequest,
    check_scope,
    check_window,
    parse_amz_date,
    parse_authorization,
    payload_hash,
    verify_signature,
)

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.province.contracts import ProvinceClient

AuthMode = Literal["keys", "iam"]

_ASSUMED_ROLE = re.compile(r"^arn:aws:sts::(?P<account>\d{12}):assumed-role/(?P<role>[\w+=,.@-]+)/[\w+=,.@-]+$")


class ClientStore(Protocol):
    def find(self, access_key_id: str) -> tuple[ProvinceClient, str] | None:
        """The client and its secret (decrypted), or None."""

    def find_by_arn(self, iam_arn: str) -> ProvinceClient | None: ...


class ReplayStore(Protocol):
    def claim(self, fingerprint: str, expires_at: datetime) -> bool:
        """Record ``fingerprint`` as used; False if it already was (a replay)."""


class CommuneDirectory(Protocol):
    def get(self, commune_id: str) -> Commune | None: ...

    def in_province(self, province_id: str) -> list[Commune]: ...


def iam_principal(arn: str) -> str:
    """The IAM identity a caller's ARN stands for: an assumed role's session is its role."""
    match = _ASSUMED_ROLE.match(arn)
    if match:
        return f"arn:aws:iam::{match['account']}:role/{match['role']}"
    return arn


def _unauthenticated(error: SignatureError) -> UnauthenticatedError:
    return UnauthenticatedError(error.message, error.message_en)


NOT_ENTITLED = (
    "Xã này không thuộc phạm vi được cấp cho khóa truy cập của tỉnh bạn.",
    "This commune is not among those your province's access key may read.",
)


class ProvinceGate:
    """Verify a signed request (→ its client) and a client's entitlement to a commune."""

    def __init__(
        self,
        clients: ClientStore,
        replays: ReplayStore,
        communes: CommuneDirectory,
        clock: Callable[[], datetime],
        *,
        region: str,
        mode: AuthMode = "keys",
        window_s: int = 300,
    ) -> None:
        self._clients = clients
        self._replays = replays
        self._communes = communes
        self._clock = clock
        self._region = region
        self._mode = mode
        self._window_s = window_s

    def authenticate(self, request: SignedRequest, caller_arn: str | None = None) -> ProvinceClient:
        """The active client that signed ``request``; :class:`UnauthenticatedError` (401) for anything else."""
        try:
            auth = parse_authorization(request.headers.get("authorization"))
            amz_date = parse_amz_date(request.headers.get("x-amz-date"))
            check_scope(auth, amz_date, self._region)
            check_window(amz_date, self._clock(), self._window_s)
            payload_hash(request)
            client = self._iam_client(caller_arn) if self._mode == "iam" else self._key_client(request, auth)
        except SignatureError as error:
            raise _unauthenticated(error) from error
        if not client.active:
            raise UnauthenticatedError("Khóa truy cập này đã bị thu hồi.", "This access key has been revoked.")
        # Once only: the signature covers the time, so within the window a copy is the only way to present it again.
        fingerprint = hashlib.sha256(f"{auth.access_key_id}:{auth.signature}".encode()).hexdigest()
        if not self._replays.claim(fingerprint, amz_date + timedelta(seconds=self._window_s + 60)):
            raise UnauthenticatedError(
                "Yêu cầu này đã được gửi trước đó (chữ ký chỉ dùng một lần). Hãy ký lại yêu cầu mới.",
                "This request was already received (each signature is accepted once). Sign a fresh request.",
            )
        return client

    def _key_client(self, request: SignedRequest, auth: Authorization) -> ProvinceClient:
        found = self._clients.find(auth.access_key_id)
        if found is None:
            raise SignatureError(
                "Khóa truy cập không tồn tại hoặc chữ ký không hợp lệ.",
                "The access key does not exist or the signature does not match.",
            )
        client, secret = found
        verify_signature(request, auth, secret)
        return client

    def _iam_client(self, caller_arn: str | None) -> ProvinceClient:
        if not caller_arn:  # AWS_IAM on the route names the caller; without it, nothing verified the signature
            raise SignatureError(
                "Không xác định được danh tính IAM của yêu cầu đã ký.",
                "The signed request carries no verified IAM identity.",
            )
        client = self._clients.find_by_arn(iam_principal(caller_arn))
        if client is None:
            raise SignatureError(
                "Danh tính IAM này chưa được đăng ký là hệ thống của tỉnh.",
                "This IAM identity is not registered as a province client.",
            )
        return client

    # ------------------------------------------------------------ entitlement

    def communes(self, client: ProvinceClient) -> list[Commune]:
        """The communes of the client's province, by id."""
        return sorted(self._communes.in_province(client.province_id), key=lambda c: c.id)

    def commune(self, client: ProvinceClient, commune_id: str) -> Commune:
        """``commune_id`` if the client may read it; a commune elsewhere and one that does not exist alike: 403."""
        commune = self._communes.get(commune_id)
        if commune is None or commune.province_id != client.province_id:
            raise ForbiddenError(*NOT_ENTITLED)
        return commune
