"""ES256 by AWS KMS for the reports' JWS: the key never leaves KMS. No third-party cryptography here: the Lambda
layer is one tree for both architectures and cannot hold ``cryptography``'s binary (the same file name for both).

KMS signs the SHA-256 digest (``MessageType=DIGEST``, ``ECDSA_SHA_256``) and answers DER, which JWS wants as raw
r‖s; ``GetPublicKey`` answers the SubjectPublicKeyInfo the JWK is read from.
"""

from __future__ import annotations

import hashlib
from typing import Any

from smartcommune.reporting.logic.signing import jwk_from_point, point_from_spki, raw_from_der


class KmsSigner:
    """ES256 with an asymmetric KMS key (``KeySpec=ECC_NIST_P256``, ``KeyUsage=SIGN_VERIFY``)."""

    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id
        self._jwk = jwk_from_point(*point_from_spki(kms.get_public_key(KeyId=key_id)["PublicKey"]))

    @property
    def key_id(self) -> str:
        return str(self._jwk["kid"])

    def sign(self, data: bytes) -> bytes:
        answer = self._kms.sign(
            KeyId=self._key_id,
            Message=hashlib.sha256(data).digest(),
            MessageType="DIGEST",
            SigningAlgorithm="ECDSA_SHA_256",
        )
        return raw_from_der(answer["Signature"])

    def public_jwk(self) -> dict[str, Any]:
        return dict(self._jwk)
