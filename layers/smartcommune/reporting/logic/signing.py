"""The frozen report document, its canonical form (RFC 8785, JCS) and its JWS (RFC 7515, compact, ES256).

The payload is the canonical JSON itself, so anyone holding the JWS holds the exact bytes that were signed; the
protected header names the key (``kid``: the RFC 7638 thumbprint of the public JWK in ``/.well-known/jwks.json``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING, Any

import rfc8785

from smartcommune.reporting.contracts import Report, Verification

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

    from smartcommune.reporting.logic.ports import Signer

DOCUMENT_TYPE = "smartcommune.report/v1"
JWS_TYPE = "application/vnd.smartcommune.report+jws"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def document(report: Report) -> dict[str, Any]:
    """What is signed: the report as sent, without the fields derived from its signature."""
    body = report.model_dump(mode="json", exclude={"document_sha256", "key_id"})
    return {"type": DOCUMENT_TYPE, **body}


def canonical(doc: dict[str, Any]) -> bytes:
    """RFC 8785 canonical JSON (sorted keys, ECMAScript numbers, no whitespace)."""
    return rfc8785.dumps(doc)


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order."""
    required = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    return b64url(hashlib.sha256(json.dumps(required, separators=(",", ":"), sort_keys=True).encode()).digest())


def jwk_from_point(x: bytes, y: bytes) -> dict[str, Any]:
    """The public JWK (with its thumbprint as ``kid``) of the P-256 point (x, y), 32 bytes each."""
    jwk: dict[str, Any] = {"kty": "EC", "crv": "P-256", "x": b64url(x), "y": b64url(y)}
    return {**jwk, "kid": jwk_thumbprint(jwk), "alg": "ES256", "use": "sig"}


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, Any]:
    numbers = key.public_numbers()
    return jwk_from_point(numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big"))


# P-256 SubjectPublicKeyInfo up to the uncompressed point: SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 },
# BIT STRING (0 unused bits) 04 || X || Y }. KMS's GetPublicKey answers exactly this DER for ECC_NIST_P256.
P256_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d03010703420004")


def point_from_spki(der: bytes) -> tuple[bytes, bytes]:
    if len(der) != len(P256_SPKI_PREFIX) + 64 or not der.startswith(P256_SPKI_PREFIX):
        raise ValueError("not a P-256 public key (SubjectPublicKeyInfo)")
    point = der[len(P256_SPKI_PREFIX) :]
    return point[:32], point[32:]


def raw_from_der(der: bytes) -> bytes:
    """An ECDSA signature as DER (SEQUENCE of two INTEGERs, what KMS returns) → JWS's 64-byte r‖s."""

    def integer(at: int) -> tuple[int, int]:
        if der[at] != 0x02:
            raise ValueError("bad DER signature")
        length = der[at + 1]
        return int.from_bytes(der[at + 2 : at + 2 + length], "big"), at + 2 + length

    if len(der) < 8 or der[0] != 0x30 or der[1] & 0x80 or der[1] != len(der) - 2:
        raise ValueError("bad DER signature")
    r, after = integer(2)
    s, end = integer(after)
    if end != len(der) or r >= 2**256 or s >= 2**256:
        raise ValueError("bad DER signature")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign_document(doc: dict[str, Any], signer: Signer) -> tuple[str, str]:
    """The compact JWS of ``doc`` and the SHA-256 (hex) of its canonical payload."""
    payload = canonical(doc)
    header = {"alg": "ES256", "kid": signer.key_id, "typ": JWS_TYPE, "cty": "json"}
    signing_input = f"{b64url(json.dumps(header, separators=(',', ':')).encode())}.{b64url(payload)}"
    signature = signer.sign(signing_input.encode("ascii"))
    if len(signature) != 64:
        raise ValueError("ES256 signatures are 64 bytes (r‖s)")
    return f"{signing_input}.{b64url(signature)}", hashlib.sha256(payload).hexdigest()


def _key_from_jwk(jwk: dict[str, Any]) -> ec.EllipticCurvePublicKey:
    from cryptography.hazmat.primitives.asymmetric import ec

    x = int.from_bytes(b64url_decode(jwk["x"]), "big")
    y = int.from_bytes(b64url_decode(jwk["y"]), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def verify(jws: str, jwks: dict[str, Any]) -> Verification:  # noqa: PLR0911 - one answer per kind of failure
    """Check a compact JWS against a JWKS: the named key, ES256, the signature over the exact bytes, and that the
    payload is the canonical form of a report document. Any changed byte fails one of these."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    parts = jws.strip().split(".")
    if len(parts) != 3:
        return Verification(valid=False, problem="không phải JWS dạng rút gọn / not a compact JWS")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = b64url_decode(parts[1])
        signature = b64url_decode(parts[2])
    except ValueError:
        return Verification(valid=False, problem="JWS hỏng / malformed JWS")
    if not isinstance(header, dict) or header.get("alg") != "ES256" or len(signature) != 64:
        return Verification(valid=False, problem="thuật toán không phải ES256 / not ES256")
    kid = header.get("kid")
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)
    if jwk is None:
        return Verification(valid=False, key_id=kid, problem="khóa không có trong JWKS / key not in the JWKS")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        _key_from_jwk(jwk).verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, KeyError):
        return Verification(valid=False, key_id=kid, problem="chữ ký sai / bad signature")
    try:
        doc = json.loads(payload)
    except ValueError:
        return Verification(valid=False, key_id=kid, problem="nội dung không phải JSON / payload is not JSON")
    if not isinstance(doc, dict) or doc.get("type") != DOCUMENT_TYPE or canonical(doc) != payload:
        return Verification(valid=False, key_id=kid, problem="không phải báo cáo chuẩn / not a canonical report")
    return Verification(
        valid=True,
        key_id=kid,
        report_id=doc.get("id"),
        version=doc.get("version"),
        commune_id=doc.get("commune_id"),
    )


def payload_of(jws: str) -> dict[str, Any]:
    """The document inside a JWS (unverified: call :func:`verify` first)."""
    parsed: dict[str, Any] = json.loads(b64url_decode(jws.split(".")[1]))
    return parsed
