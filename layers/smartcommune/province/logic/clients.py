"""The province clients' life cycle: create, rotate (a new key pair, the old one revoked), revoke, list."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from smartcommune.core.errors import NotFoundError
from smartcommune.province.contracts import IssuedClient, NewProvinceClient, ProvinceClient

ACCESS_KEY_PREFIX = "SCPK"


class ClientRegistry(Protocol):
    def create(self, client: ProvinceClient, secret: str) -> None:
        """Store a new client (its secret encrypted); ``ConflictError`` if the access key id exists."""

    def get(self, access_key_id: str) -> ProvinceClient | None: ...

    def revoke(self, access_key_id: str, at: datetime) -> ProvinceClient: ...

    def list_for(self, province_id: str) -> list[ProvinceClient]: ...


def new_access_key_id(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """``SCPK`` and 16 base32 characters (80 random bits), the shape of an AWS access key id."""
    return ACCESS_KEY_PREFIX + base64.b32encode(random_bytes(10)).decode()


def new_secret(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """40 characters (240 random bits), like an AWS secret access key."""
    return base64.b64encode(random_bytes(30)).decode().replace("/", "A").replace("+", "B")


class ProvinceClients:
    """Operators' commands on province clients (``smartcommune province client …``)."""

    def __init__(self, registry: ClientRegistry, clock: Callable[[], datetime]) -> None:
        self._registry = registry
        self._clock = clock

    def create(
        self,
        request: NewProvinceClient,
        created_by: str,
        *,
        access_key_id: str | None = None,
        secret: str | None = None,
    ) -> IssuedClient:
        """A new client of ``request.province_id``; ``access_key_id``/``secret`` only for the local demo client."""
        client = ProvinceClient(
            access_key_id=access_key_id or new_access_key_id(),
            province_id=request.province_id,
            label=request.label,
            created_by=created_by,
            created_at=self._clock(),
            iam_arn=request.iam_arn,
            may_reorganise=request.may_reorganise,
        )
        issued_secret = secret or new_secret()
        self._registry.create(client, issued_secret)
        return IssuedClient(client=client, secret_access_key=issued_secret)

    def rotate(self, access_key_id: str, rotated_by: str) -> IssuedClient:
        """A new key pair for the same province, label and IAM identity; the old key is revoked at once."""
        old = self._get(access_key_id)
        self._registry.revoke(access_key_id, self._clock())
        return self.create(
            NewProvinceClient(
                province_id=old.province_id, label=old.label, iam_arn=old.iam_arn, may_reorganise=old.may_reorganise
            ),
            rotated_by,
        )

    def revoke(self, access_key_id: str) -> ProvinceClient:
        self._get(access_key_id)
        return self._registry.revoke(access_key_id, self._clock())

    def list_for(self, province_id: str) -> list[ProvinceClient]:
        return self._registry.list_for(province_id)

    def _get(self, access_key_id: str) -> ProvinceClient:
        client = self._registry.get(access_key_id)
        if client is None:
            raise NotFoundError("Không có khóa truy cập này.", "No such access key.")
        return client
