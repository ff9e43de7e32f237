"""The province API's items: its clients (secrets encrypted), the signatures already seen, idempotency claims.

=================  ===============================  =====  ===============================  =======================
item               PK                               SK     GSI1                             GSI2
=================  ===============================  =====  ===============================  =======================
client             ``PCLIENT#<access key id>``      CLIENT ``PCLIENTS#<province>``/created  ``PCLIENTARN#<iam arn>``
seen signature     ``PSIG#<sha256>``                SEEN   -                                -
idempotency claim  ``PIDEMP#<key id>#<sha256 key>`` CLAIM  -                                -
=================  ===============================  =====  ===============================  =======================

A client's secret access key must be readable by the verifier (SigV4 is an HMAC: the server needs the secret
itself, not a hash), so it is stored encrypted: AES-256-GCM under a key derived from ``province_key`` (Secrets
Manager in AWS, like the PII key), the access key id as associated data (a ciphertext copied onto another client
does not open). Seen signatures and idempotency claims expire through the table's TTL.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, TransactWriteError

from smartcommune.core.errors import ConflictError, NotFoundError
from smartcommune.core.table import MainTable, MergePolicy
from smartcommune.province.contracts import ProvinceClient
from smartcommune.province.logic.reads import EarlierClaim

_CIPHER_VERSION = "v1"
_KEY_CONTEXT = b"smartcommune/province-client-secrets/v1"


class ProvinceClientItem(MainTable, discriminator="province_client"):
    merge = MergePolicy.GLOBAL  # a province's, not a commune's

    document = UnicodeAttribute()  # the ProvinceClient contract as JSON
    secret_sealed = UnicodeAttribute()


class SeenSignatureItem(MainTable, discriminator="province_signature"):
    merge = MergePolicy.GLOBAL


class IdempotencyItem(MainTable, discriminator="province_idempotency"):
    merge = MergePolicy.GLOBAL

    request_hash = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    response = UnicodeAttribute(null=True)  # the answer given, JSON; None while the first request runs


class SecretBox:
    """AES-256-GCM sealing of client secrets under a key derived from the deployment's province key."""

    def __init__(self, key: str) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if not key:
            raise RuntimeError(
                "SMARTCOMMUNE_PROVINCE_KEY(_SECRET_ARN) is not set: province client secrets cannot be sealed"
            )
        self._aead = AESGCM(hashlib.sha256(_KEY_CONTEXT + key.encode()).digest())

    def seal(self, secret: str, access_key_id: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), access_key_id.encode())
        return f"{_CIPHER_VERSION}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, access_key_id: str) -> str:
        version, _, data = sealed.partition(":")
        if version != _CIPHER_VERSION:
            raise ValueError(f"unknown sealing {version!r}")
        raw = base64.b64decode(data)
        return self._aead.decrypt(raw[:12], raw[12:], access_key_id.encode()).decode()


def _client_pk(access_key_id: str) -> str:
    return f"PCLIENT#{access_key_id}"


class ProvinceClientRepository:
    """Implements ``logic.access.ClientStore`` and ``logic.clients.ClientRegistry``."""

    def __init__(self, box: SecretBox) -> None:
        self._box = box

    def create(self, client: ProvinceClient, secret: str) -> None:
        item = ProvinceClientItem(
            _client_pk(client.access_key_id),
            "CLIENT",
            gsi1pk=f"PCLIENTS#{client.province_id}",
            gsi1sk=f"{client.created_at.isoformat()}#{client.access_key_id}",
            gsi2pk=f"PCLIENTARN#{client.iam_arn}" if client.iam_arn else None,
            gsi2sk=client.access_key_id if client.iam_arn else None,
            document=client.model_dump_json(),
            secret_sealed=self._box.seal(secret, client.access_key_id),
        )
        try:
            item.save(condition=ProvinceClientItem.pk.does_not_exist())
        except PutError as exc:
            raise ConflictError("Khóa truy cập này đã tồn tại.", "This access key id already exists.") from exc

    def _item(self, access_key_id: str) -> ProvinceClientItem | None:
        try:
            return ProvinceClientItem.get(_client_pk(access_key_id), "CLIENT", consistent_read=True)
        except ProvinceClientItem.DoesNotExist:
            return None

    def get(self, access_key_id: str) -> ProvinceClient | None:
        item = self._item(access_key_id)
        return ProvinceClient.model_validate_json(item.document) if item is not None else None

    def find(self, access_key_id: str) -> tuple[ProvinceClient, str] | None:
        item = self._item(access_key_id)
        if item is None:
            return None
        return ProvinceClient.model_validate_json(item.document), self._box.open(item.secret_sealed, access_key_id)

    def find_by_arn(self, iam_arn: str) -> ProvinceClient | None:
        clients = [
            ProvinceClient.model_validate_json(item.document)
            for item in ProvinceClientItem.gsi2.query(f"PCLIENTARN#{iam_arn}")
            if isinstance(item, ProvinceClientItem)
        ]
        active = [c for c in clients if c.active]
        chosen = active or clients  # a revoked client is still named, so the refusal can say "revoked"
        return chosen[-1] if chosen else None

    def revoke(self, access_key_id: str, at: datetime) -> ProvinceClient:
        item = self._item(access_key_id)
        if item is None:
            raise NotFoundError("Không có khóa truy cập này.", "No such access key.")
        client = ProvinceClient.model_validate_json(item.document)
        if client.revoked_at is not None:
            return client
        revoked = client.model_copy(update={"revoked_at": at})
        item.update(actions=[ProvinceClientItem.document.set(revoked.model_dump_json())])
        return revoked

    def list_for(self, province_id: str) -> list[ProvinceClient]:
        return [
            ProvinceClient.model_validate_json(item.document)
            for item in ProvinceClientItem.gsi1.query(f"PCLIENTS#{province_id}")
            if isinstance(item, ProvinceClientItem)
        ]


class SeenSignatures:
    """Implements ``logic.access.ReplayStore``: one conditional put per accepted signature."""

    def claim(self, fingerprint: str, expires_at: datetime) -> bool:
        try:
            SeenSignatureItem(f"PSIG#{fingerprint}", "SEEN", expires_at=int(expires_at.timestamp())).save(
                condition=SeenSignatureItem.pk.does_not_exist()
            )
        except PutError as exc:
            if _conditional(exc):
                return False
            raise
        return True


def _conditional(exc: PutError | TransactWriteError) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


class IdempotencyClaims:
    """``Idempotency-Key`` of a client: the first request claims it, the answer is kept for a day."""

    TTL = timedelta(hours=24)

    @staticmethod
    def _pk(access_key_id: str, key: str) -> str:
        return f"PIDEMP#{access_key_id}#{hashlib.sha256(key.encode()).hexdigest()}"

    def claim(self, access_key_id: str, key: str, request_hash: str, now: datetime) -> EarlierClaim | None:
        """None if this call claimed the key (go ahead); else the earlier claim (its answer, or still running)."""
        item = IdempotencyItem(
            self._pk(access_key_id, key),
            "CLAIM",
            request_hash=request_hash,
            created_at=now,
            expires_at=int((now + self.TTL).timestamp()),
        )
        try:
            item.save(condition=IdempotencyItem.pk.does_not_exist())
        except PutError as exc:
            if not _conditional(exc):
                raise
            earlier = IdempotencyItem.get(item.pk, "CLAIM", consistent_read=True)
            return EarlierClaim(earlier.request_hash, earlier.response)
        return None

    def complete(self, access_key_id: str, key: str, response: str) -> None:
        IdempotencyItem(self._pk(access_key_id, key), "CLAIM").update(actions=[IdempotencyItem.response.set(response)])

    def release(self, access_key_id: str, key: str) -> None:
        """The first request failed: let a retry with the same key run again."""
        IdempotencyItem(self._pk(access_key_id, key), "CLAIM").delete()
